"""A socket lives no longer than its access token and its session (CONTRACTS §2, §7)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
import requests
import socketio as socketio_client
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token, decode_token
from flask_socketio import SocketIOTestClient

from backend.config import REPO_ROOT
from backend.extensions import socketio
from backend.services import auth as auth_service
from tests.conftest import PASSWORD, bearer, login, register
from tests.core.test_serve import free_port
from tests.core.test_serve import wait_for as wait_for_url
from tests.jobs.helpers import wait_for


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"socket_auth_check_seconds": 0.2}


def connect(app: Flask, client: FlaskClient, token: str) -> SocketIOTestClient:
    sock = socketio.test_client(app, flask_test_client=client, auth={"token": token})
    assert sock.is_connected()
    return sock


def claims(app: Flask, token: str) -> dict[str, Any]:
    with app.app_context():
        return decode_token(token)


def sessions(client: FlaskClient, n: int) -> list[dict[str, Any]]:
    register(client)
    return [login(client) for _ in range(n)]


def test_a_socket_is_dropped_when_its_access_token_expires(app: Flask, client: FlaskClient) -> None:
    (tokens,) = sessions(client, 1)
    token = claims(app, tokens["access_token"])
    with app.app_context():
        short = create_access_token(
            identity=token["sub"], expires_delta=timedelta(seconds=1), additional_claims={"fam": token["fam"]}
        )
    brief, lasting = connect(app, client, short), connect(app, client, tokens["access_token"])
    wait_for(lambda: not brief.is_connected(), timeout=5)
    assert lasting.is_connected(), "a token that has not expired keeps its socket"


def test_a_session_revoked_elsewhere_drops_its_socket(app: Flask, client: FlaskClient) -> None:
    """Another process revoked the session: only the database knows, the sweep finds out."""
    first, second = sessions(client, 2)
    doomed, kept = connect(app, client, first["access_token"]), connect(app, client, second["access_token"])
    token = claims(app, first["access_token"])
    with app.app_context():
        assert auth_service.revoke_session(token["fam"], token["sub"], "logout")
    wait_for(lambda: not doomed.is_connected(), timeout=5)
    assert kept.is_connected()


def test_logout_drops_only_that_sessions_sockets(app: Flask, client: FlaskClient) -> None:
    first, second = sessions(client, 2)
    doomed, kept = connect(app, client, first["access_token"]), connect(app, client, second["access_token"])
    client.delete_cookie("access_token_cookie")
    client.delete_cookie("refresh_token_cookie", path="/api/v1/auth/")
    assert client.post("/api/v1/auth/logout", headers=bearer(first["access_token"])).status_code == 204
    assert not doomed.is_connected(), "dropped at once, not at the next sweep"
    assert kept.is_connected(), "the same user's other session is not logged out"


def test_logout_all_drops_every_socket_of_the_user(app: Flask, client: FlaskClient) -> None:
    first, second = sessions(client, 2)
    socks = [connect(app, client, first["access_token"]), connect(app, client, second["access_token"])]
    assert client.post("/api/v1/auth/logout-all", headers=bearer(first["access_token"])).status_code == 204
    assert not any(sock.is_connected() for sock in socks)


def test_a_password_change_drops_the_other_sessions_sockets(app: Flask, client: FlaskClient) -> None:
    mine, other = sessions(client, 2)
    kept, doomed = connect(app, client, mine["access_token"]), connect(app, client, other["access_token"])
    body = {"current_password": PASSWORD, "new_password": "a brand new passphrase"}
    client.delete_cookie("access_token_cookie")
    assert (
        client.post("/api/v1/auth/password", headers=bearer(mine["access_token"]), json=body).status_code
        == 204
    )
    assert not doomed.is_connected()
    assert kept.is_connected(), "the session that changed the password keeps its socket"
    assert not socketio.test_client(
        app, flask_test_client=client, auth={"token": other["access_token"]}
    ).is_connected()


def test_refresh_token_reuse_drops_the_sessions_sockets(app: Flask, client: FlaskClient) -> None:
    (tokens,) = sessions(client, 1)
    client.delete_cookie("refresh_token_cookie", path="/api/v1/auth/")
    sock = connect(app, client, tokens["access_token"])
    assert client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 200
    assert sock.is_connected(), "rotating is normal use"
    assert client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401
    assert not sock.is_connected()


@pytest.mark.slow
def test_a_served_websocket_is_dropped_when_its_token_expires(tmp_path: Path) -> None:
    """The real server (`python -m backend serve`) and a real Socket.IO client over websocket."""
    port, key = free_port(), "served-jwt-key-" + "k" * 32
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        APP_ENV="development",
        JWT_SECRET_KEY=key,
        BCRYPT_ROUNDS="4",
        SOCKET_AUTH_CHECK_SECONDS="0.5",
        PYTHONPATH=str(REPO_ROOT),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_url(f"{base}/health")
        body = {"email": "ada@example.com", "password": PASSWORD}
        assert requests.post(f"{base}/api/v1/auth/register", json=body, timeout=10).status_code == 201
        tokens = requests.post(f"{base}/api/v1/auth/login", json=body, timeout=10).json()
        # The same claims with a 2-second life, signed with the server's key.
        claims = pyjwt.decode(tokens["access_token"], key, algorithms=["HS256"])
        short = pyjwt.encode({**claims, "exp": int(time.time()) + 2}, key, algorithm="HS256")

        brief, lasting = socketio_client.Client(), socketio_client.Client()
        brief.connect(base, auth={"token": short}, transports=["websocket"], wait_timeout=10)
        lasting.connect(
            base, auth={"token": tokens["access_token"]}, transports=["websocket"], wait_timeout=10
        )
        assert brief.connected and lasting.connected
        wait_for(lambda: not brief.connected, timeout=10)
        assert lasting.connected
        lasting.disconnect()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
