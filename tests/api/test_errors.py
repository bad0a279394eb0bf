from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient


def _error(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.get_json()
    assert response.mimetype == "application/json"
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]


def test_unknown_route_is_404_envelope(client: FlaskClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_wrong_method_is_405_envelope(client: FlaskClient) -> None:
    response = client.delete("/api/v1/auth/me")
    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"


def test_malformed_json_is_400(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/register", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert _error(response)["code"] == "validation_error"


def test_non_json_body_is_415(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", data="email=a", content_type="text/plain")
    assert response.status_code == 415
    assert _error(response)["code"] == "unsupported_media_type"


def test_json_array_body_is_400_with_fields(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", json=[1, 2])
    assert response.status_code == 400
    assert _error(response)["fields"]


def test_missing_token_is_401_envelope(client: FlaskClient) -> None:
    response = client.get("/api/v1/settings")
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"


def test_openapi_document_is_generated_from_the_schemas(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/settings",
        "/api/v1/criteria/{name}",
    ):
        assert path in paths
    register_schema = paths["/api/v1/auth/register"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    assert "RegisterIn" in register_schema["$ref"]


def test_root_lists_links(client: FlaskClient) -> None:
    body = client.get("/").get_json()
    assert body["name"] == "Viral Clipper API" and body["links"]["openapi"] == "/api/v1/openapi.json"


def test_deeply_nested_json_is_400_not_500(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", data="[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert _error(response)["code"] == "validation_error"


def test_multipart_on_a_json_route_is_415(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    form = {"email": "ada@example.com", "file": (io.BytesIO(b"x"), "x.txt")}
    login = client.post("/api/v1/auth/login", data=form, content_type="multipart/form-data")
    settings = client.put(
        "/api/v1/settings", data={"max_clips": "3"}, headers=auth_headers, content_type="multipart/form-data"
    )
    for response in (login, settings):
        assert response.status_code == 415
        assert _error(response)["code"] == "unsupported_media_type"


@pytest.mark.parametrize("query", ["offset=99999999999999999999", "offset=-1", "limit=0", "limit=101"])
def test_page_bounds_are_400(client: FlaskClient, auth_headers: dict[str, str], query: str) -> None:
    for path in ("/api/v1/jobs", "/api/v1/clips"):
        response = client.get(f"{path}?{query}", headers=auth_headers)
        assert response.status_code == 400, (path, response.get_json())
        assert _error(response)["fields"]


def test_the_largest_offset_is_an_empty_page(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    response = client.get(f"/api/v1/jobs?offset={2**31 - 1}", headers=auth_headers)
    assert response.status_code == 200 and response.get_json()["items"] == []
