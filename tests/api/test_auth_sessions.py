"""Sessions (CONTRACTS §2): refresh tokens rotate, a reused one revokes its family, logout /
logout-all / password change revoke sessions server-side."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token, create_refresh_token

from tests.conftest import PASSWORD, bearer, login, register

NEW_PASSWORD = "a brand new passphrase"


def _refresh(client: FlaskClient, token: str) -> Any:
    return client.post("/api/v1/auth/refresh", headers=bearer(token))


def _me(client: FlaskClient, token: str) -> int:
    return client.get("/api/v1/auth/me", headers=bearer(token)).status_code


@pytest.fixture
def ada(client: FlaskClient) -> dict[str, Any]:
    register(client)
    tokens = login(client)
    client.delete_cookie("access_token_cookie")  # bearer only
    client.delete_cookie("refresh_token_cookie", path="/api/v1/auth/")
    return tokens


def test_refresh_returns_a_new_refresh_token_and_retires_the_old(
    client: FlaskClient, ada: dict[str, Any]
) -> None:
    first = _refresh(client, ada["refresh_token"])
    assert first.status_code == 200
    body = first.get_json()
    assert set(body) == {"access_token", "refresh_token"}
    assert body["refresh_token"] != ada["refresh_token"]
    cookie = client.get_cookie("refresh_token_cookie", path="/api/v1/auth/")
    assert cookie is not None and cookie.value == body["refresh_token"], "the cookie rotates too"
    assert _me(client, body["access_token"]) == 200
    # The successor works, and so on down the chain.
    second = _refresh(client, body["refresh_token"])
    assert second.status_code == 200
    assert _refresh(client, second.get_json()["refresh_token"]).status_code == 200


def test_a_reused_refresh_token_revokes_its_whole_family(client: FlaskClient, ada: dict[str, Any]) -> None:
    other_session = login(client)  # the same user on another device
    rotated = _refresh(client, ada["refresh_token"]).get_json()

    reused = _refresh(client, ada["refresh_token"])
    assert reused.status_code == 401
    assert reused.get_json()["error"]["code"] == "refresh_token_reused"
    # Everything descended from that login is dead: the successor, its access token, the first.
    assert _refresh(client, rotated["refresh_token"]).status_code == 401
    assert _me(client, rotated["access_token"]) == 401
    assert _me(client, ada["access_token"]) == 401
    # Another login of the same user is a different family and goes on working.
    assert _me(client, other_session["access_token"]) == 200
    assert _refresh(client, other_session["refresh_token"]).status_code == 200


def test_cookie_refresh_rotates_and_a_replayed_cookie_revokes(client: FlaskClient) -> None:
    register(client)
    login(client)
    old = client.get_cookie("refresh_token_cookie", path="/api/v1/auth/")
    assert old is not None

    def csrf() -> dict[str, str]:
        cookie = client.get_cookie("csrf_refresh_token")
        assert cookie is not None
        return {"X-CSRF-TOKEN": cookie.value}

    assert client.post("/api/v1/auth/refresh", headers=csrf()).status_code == 200
    new = client.get_cookie("refresh_token_cookie", path="/api/v1/auth/")
    assert new is not None and new.value != old.value
    assert client.get("/api/v1/auth/me").status_code == 200
    # A stolen copy of the old cookie is replayed: the family dies, the user is logged out.
    assert _refresh(client, old.value).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers=csrf()).status_code == 401
    assert client.get("/api/v1/auth/me").status_code == 401


def test_concurrent_uses_of_one_refresh_token_let_exactly_one_through(
    app: Flask, ada: dict[str, Any]
) -> None:
    clients = [app.test_client() for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def use(client: FlaskClient) -> None:
        barrier.wait()
        statuses.append(_refresh(client, ada["refresh_token"]).status_code)

    threads = [threading.Thread(target=use, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [401] * (len(clients) - 1)


def test_bearer_logout_revokes_the_refresh_token_without_being_given_it(
    client: FlaskClient, ada: dict[str, Any]
) -> None:
    assert client.post("/api/v1/auth/logout", headers=bearer(ada["access_token"])).status_code == 204
    assert _me(client, ada["access_token"]) == 401
    assert _refresh(client, ada["refresh_token"]).status_code == 401


def test_logout_revokes_a_refresh_token_given_in_the_body_only_if_it_is_the_users(
    client: FlaskClient, ada: dict[str, Any]
) -> None:
    second = login(client)
    register(client, "bob@example.com")
    bob = login(client, "bob@example.com")
    client.delete_cookie("access_token_cookie")
    client.delete_cookie("refresh_token_cookie", path="/api/v1/auth/")
    for refresh_token in (second["refresh_token"], bob["refresh_token"]):
        out = client.post(
            "/api/v1/auth/logout", headers=bearer(ada["access_token"]), json={"refresh_token": refresh_token}
        )
        assert out.status_code in (204, 401)
        ada = login(client)  # a fresh session to log out of next time round
    assert _refresh(client, second["refresh_token"]).status_code == 401, "Ada's other login is ended"
    assert _refresh(client, bob["refresh_token"]).status_code == 200, "Bob's session is not Ada's to end"


def test_logout_all_revokes_every_session_of_the_user(client: FlaskClient, ada: dict[str, Any]) -> None:
    laptop, phone = login(client), login(client)
    register(client, "bob@example.com")
    bob = login(client, "bob@example.com")
    client.delete_cookie("access_token_cookie")

    assert client.post("/api/v1/auth/logout-all", headers=bearer(phone["access_token"])).status_code == 204
    for session in (ada, laptop, phone):
        assert _me(client, session["access_token"]) == 401
        assert _refresh(client, session["refresh_token"]).status_code == 401
    assert _me(client, bob["access_token"]) == 200
    # Logging in again afterwards starts a new, working session.
    assert _me(client, login(client)["access_token"]) == 200


def test_logout_all_needs_authentication(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/logout-all")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def _change(client: FlaskClient, token: str, current: str, new: str) -> Any:
    body = {"current_password": current, "new_password": new}
    return client.post("/api/v1/auth/password", headers=bearer(token), json=body)


def test_password_change_keeps_this_session_and_revokes_the_others(
    client: FlaskClient, ada: dict[str, Any]
) -> None:
    other = login(client)
    client.delete_cookie("access_token_cookie")
    assert _change(client, ada["access_token"], PASSWORD, NEW_PASSWORD).status_code == 204

    assert _me(client, ada["access_token"]) == 200, "the calling session keeps working"
    assert _refresh(client, ada["refresh_token"]).status_code == 200
    assert _me(client, other["access_token"]) == 401
    assert _refresh(client, other["refresh_token"]).status_code == 401
    old = client.post("/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert old.status_code == 401
    login(client, password=NEW_PASSWORD)


def test_a_wrong_current_password_is_a_400_and_changes_nothing(
    client: FlaskClient, ada: dict[str, Any]
) -> None:
    other = login(client)
    client.delete_cookie("access_token_cookie")
    response = _change(client, ada["access_token"], "not my password", NEW_PASSWORD)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_current_password"
    assert error["fields"] == {"current_password": ["incorrect"]}
    assert _me(client, other["access_token"]) == 200
    login(client)  # the old password still works


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        (PASSWORD, "short", "new_password"),
        (PASSWORD, "é" * 37, "new_password"),  # 74 bytes
        ("é" * 37, NEW_PASSWORD, "current_password"),  # bcrypt would raise: a 400, not a 500
        (PASSWORD, "x" * 2000, "new_password"),
    ],
    ids=["new-too-short", "new-over-72-bytes", "current-over-72-bytes", "new-huge"],
)
def test_password_change_validation(
    client: FlaskClient, ada: dict[str, Any], current: str, new: str, field: str
) -> None:
    response = _change(client, ada["access_token"], current, new)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and error["fields"][field]


def test_password_change_needs_authentication(client: FlaskClient) -> None:
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.post("/api/v1/auth/password", json=body).status_code == 401


@pytest.mark.parametrize("config_overrides", [{"login_rate_limit": "3 per minute"}])
def test_guessing_the_current_password_is_rate_limited(client: FlaskClient, ada: dict[str, Any]) -> None:
    statuses = [
        _change(client, ada["access_token"], f"guess {i}", NEW_PASSWORD).status_code for i in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


def test_tokens_without_a_session_are_refused(app: Flask, client: FlaskClient) -> None:
    """Tokens minted before sessions existed cannot be revoked by logout-all: refused."""
    user = register(client)
    with app.app_context():
        access, refresh = create_access_token(identity=user["id"]), create_refresh_token(identity=user["id"])
    assert _me(client, access) == 401
    assert _refresh(client, refresh).status_code == 401


def test_the_openapi_document_describes_the_session_endpoints(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    assert set(paths["/api/v1/auth/logout-all"]["post"]["responses"]) >= {"204", "401"}
    password = paths["/api/v1/auth/password"]["post"]
    assert set(password["responses"]) >= {"204", "400", "401", "429"}
    logout = paths["/api/v1/auth/logout"]["post"]
    assert "refresh cookie" in logout["description"]
    assert "refresh_token" in doc["components"]["schemas"]["LogoutIn"]["properties"]
    assert "refresh_token" in doc["components"]["schemas"]["RefreshOut"]["required"]
