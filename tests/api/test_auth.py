from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token, decode_token

from tests.conftest import PASSWORD, bearer, login, register


def _csrf(client: FlaskClient, name: str = "csrf_access_token") -> dict[str, str]:
    cookie = client.get_cookie(name)
    assert cookie is not None, f"{name} cookie missing"
    return {"X-CSRF-TOKEN": cookie.value}


def test_register_returns_user_without_secrets(client: FlaskClient) -> None:
    user = register(client, "Ada@Example.COM ")
    assert user["email"] == "ada@example.com"
    assert set(user) == {"id", "email", "name", "created_at", "youtube_connected", "storage_bytes"}
    assert user["created_at"].endswith("Z")
    assert user["youtube_connected"] is False


def test_duplicate_email_in_other_case_is_409(client: FlaskClient) -> None:
    register(client, "ada@example.com")
    response = client.post("/api/v1/auth/register", json={"email": "ADA@example.com", "password": PASSWORD})
    assert response.status_code == 409
    assert response.get_json()["error"]["fields"] == {"email": ["already registered"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@b.co", "password": "short"}, "password"),
        ({"email": "a@b.co", "password": "é" * 37}, "password"),  # 74 bytes > 72
        ({"email": "a@b.co"}, "password"),
        ({"email": "a@b.co", "password": PASSWORD, "admin": True}, "admin"),
    ],
)
def test_register_validation_errors_use_the_envelope(
    client: FlaskClient, body: dict[str, object], field: str
) -> None:
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"] and error["fields"][field]


def test_password_of_exactly_72_bytes_is_accepted(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/register", json={"email": "a@b.co", "password": "é" * 36})
    assert response.status_code == 201


def test_bearer_flow_login_me_refresh_logout(client: FlaskClient) -> None:
    register(client)
    tokens = login(client, "ADA@example.com")
    client.delete_cookie("access_token_cookie")  # bearer only from here
    me = client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200 and me.get_json()["user"]["email"] == "ada@example.com"

    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 200
    new_access = refreshed.get_json()["access_token"]
    assert client.get("/api/v1/auth/me", headers=bearer(new_access)).status_code == 200

    out = client.post(
        "/api/v1/auth/logout", headers=bearer(new_access), json={"refresh_token": tokens["refresh_token"]}
    )
    assert out.status_code == 204
    revoked = client.get("/api/v1/auth/me", headers=bearer(new_access))
    assert revoked.status_code == 401
    assert revoked.get_json()["error"]["code"] == "unauthorized"
    # The refresh token presented at logout is revoked too.
    assert client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401


def test_cookie_flow_with_csrf(client: FlaskClient) -> None:
    register(client)
    login(client)
    assert client.get("/api/v1/auth/me").status_code == 200  # GET needs no CSRF header

    refused = client.put("/api/v1/settings", json={"max_clips": 3})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    wrong = client.put("/api/v1/settings", json={"max_clips": 3}, headers={"X-CSRF-TOKEN": "nope"})
    assert wrong.status_code == 403
    assert client.put("/api/v1/settings", json={"max_clips": 3}, headers=_csrf(client)).status_code == 200

    refreshed = client.post("/api/v1/auth/refresh", headers=_csrf(client, "csrf_refresh_token"))
    assert refreshed.status_code == 200
    assert client.post("/api/v1/auth/refresh").status_code == 403  # cookie refresh without CSRF

    out = client.post("/api/v1/auth/logout", headers=_csrf(client))
    assert out.status_code == 204
    assert client.get_cookie("access_token_cookie") is None
    assert client.get("/api/v1/auth/me").status_code == 401


def test_logout_revokes_cookie_tokens_server_side(client: FlaskClient) -> None:
    register(client)
    tokens = login(client)
    assert client.post("/api/v1/auth/logout", headers=_csrf(client)).status_code == 204
    # Even if a copy of the cookie tokens was kept, they no longer work.
    assert client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401


def test_expired_and_invalid_tokens_are_401_not_422(app: Flask, client: FlaskClient) -> None:
    user = register(client)
    with app.app_context():
        expired = create_access_token(identity=user["id"], expires_delta=timedelta(seconds=-1))
    for token in (expired, "not.a.jwt", "garbage"):
        response = client.get("/api/v1/auth/me", headers=bearer(token))
        assert response.status_code == 401, token
        assert response.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/auth/me").status_code == 401


def test_refresh_token_cannot_be_used_as_access_token(client: FlaskClient) -> None:
    register(client)
    tokens = login(client)
    client.delete_cookie("access_token_cookie")
    assert client.get("/api/v1/auth/me", headers=bearer(tokens["refresh_token"])).status_code == 401


def test_token_lifetimes(app: Flask, client: FlaskClient) -> None:
    register(client)
    tokens = login(client)
    with app.app_context():
        access, refresh = decode_token(tokens["access_token"]), decode_token(tokens["refresh_token"])
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 30 * 24 * 3600


def test_wrong_password_and_unknown_email_look_the_same(client: FlaskClient) -> None:
    register(client)
    wrong = client.post("/api/v1/auth/login", json={"email": "ada@example.com", "password": "wrong password"})
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "bob@example.com", "password": "wrong password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


@pytest.mark.parametrize("config_overrides", [{"bcrypt_rounds": 9}])
def test_unknown_email_costs_about_a_password_check(client: FlaskClient) -> None:
    register(client)

    def timed(email: str) -> float:
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            client.post("/api/v1/auth/login", json={"email": email, "password": "wrong password"})
            samples.append(time.perf_counter() - start)
        return sorted(samples)[2]

    known, unknown = timed("ada@example.com"), timed("ghost@example.com")
    # Both pay for a bcrypt check; without the dummy check "unknown" would be ~100x faster.
    assert unknown > known * 0.3


@pytest.mark.parametrize("config_overrides", [{"login_rate_limit": "3 per minute"}])
def test_failed_logins_are_rate_limited_per_account(client: FlaskClient) -> None:
    register(client)
    statuses = [
        client.post(
            "/api/v1/auth/login", json={"email": "ada@example.com", "password": "bad password"}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    limited = client.post("/api/v1/auth/login", json={"email": "ADA@example.com", "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    # Another account from the same address is not locked out by Ada's failures.
    register(client, "bob@example.com")
    assert (
        client.post("/api/v1/auth/login", json={"email": "bob@example.com", "password": PASSWORD}).status_code
        == 200
    )


@pytest.mark.parametrize("config_overrides", [{"login_ip_rate_limit": "4 per minute"}])
def test_failed_logins_are_rate_limited_per_ip(client: FlaskClient) -> None:
    statuses = [
        client.post(
            "/api/v1/auth/login", json={"email": f"u{i}@example.com", "password": "bad password"}
        ).status_code
        for i in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]


def test_successful_logins_do_not_count_towards_the_limit(client: FlaskClient) -> None:
    register(client)
    for _ in range(8):
        login(client)


@pytest.mark.parametrize(
    "password", ["é" * 37, "x" * 73, "x" * 1000], ids=["74-bytes", "73-bytes", "1000-bytes"]
)
def test_login_with_a_password_over_72_bytes_is_a_400_not_a_500(client: FlaskClient, password: str) -> None:
    register(client)
    response = client.post("/api/v1/auth/login", json={"email": "ada@example.com", "password": password})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and error["fields"]["password"]


def test_login_with_exactly_72_bytes_checks_the_password(client: FlaskClient) -> None:
    register(client, password="é" * 36)
    login(client, password="é" * 36)
    wrong = client.post("/api/v1/auth/login", json={"email": "ada@example.com", "password": "é" * 35 + "e"})
    assert wrong.status_code == 401


@pytest.mark.parametrize("config_overrides", [{"register_rate_limit": "3 per minute"}])
def test_registration_is_rate_limited_per_address(client: FlaskClient) -> None:
    statuses = [
        client.post(
            "/api/v1/auth/register", json={"email": f"u{i}@example.com", "password": PASSWORD}
        ).status_code
        for i in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    limited = client.post("/api/v1/auth/register", json={"email": "x@example.com", "password": PASSWORD})
    assert limited.get_json()["error"]["code"] == "rate_limited"
    # Another address is not affected.
    other = client.post(
        "/api/v1/auth/register",
        json={"email": "y@example.com", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert other.status_code == 201
