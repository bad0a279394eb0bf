"""Socket.IO: authentication, per-user rooms, ordered monotonic progress, logout disconnects."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from backend.extensions import socketio
from backend.work.threads import JobManager
from tests.conftest import login, register
from tests.jobs.helpers import upload, wait_for, wait_status
from tests.media import Talk


def connect(app: Flask, client: FlaskClient, token: str | None) -> SocketIOTestClient:
    auth = {"token": token} if token is not None else None
    return socketio.test_client(app, flask_test_client=client, auth=auth)


def received(sock: SocketIOTestClient, store: list[dict[str, Any]]) -> list[dict[str, Any]]:
    store.extend(sock.get_received())
    return store


def test_unauthenticated_connect_is_refused(app: Flask, client: FlaskClient) -> None:
    assert not connect(app, client, None).is_connected()
    assert not connect(app, client, "not-a-jwt").is_connected()
    register(client)
    refresh = login(client)["refresh_token"]
    assert not connect(app, client, refresh).is_connected(), "a refresh token is not an access token"


def test_cookie_authenticates(app: Flask, client: FlaskClient) -> None:
    register(client)
    login(client)  # sets the access_token_cookie on the test client
    sock = socketio.test_client(app, flask_test_client=client)
    assert sock.is_connected()


def test_events_reach_only_the_owner_in_order(
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    user_token: str,
    other_headers: dict[str, str],
    manager: JobManager,
    media: Talk,
) -> None:
    alice = connect(app, client, user_token)
    bob = connect(app, client, other_headers["Authorization"].split()[1])
    assert alice.is_connected() and bob.is_connected()
    job_id = upload(client, auth_headers, media).get_json()["id"]
    got: list[dict[str, Any]] = []
    wait_for(lambda: any(e["name"] == "job_completed" for e in received(alice, got)), timeout=90)
    names = [e["name"] for e in got]
    assert {"job_status_changed", "job_progress", "job_completed"} <= set(names)
    progress = [e["args"][0] for e in got if e["name"] == "job_progress"]
    assert all(p["job_id"] == job_id and p["status"] == "processing" for p in progress)
    values = [p["progress"] for p in progress]
    assert values == sorted(values), "progress never decreases within a run"
    stages = [p["stage"] for p in progress]
    assert stages.index("downloading") < stages.index("transcribing") < stages.index("rendering")
    completed = next(e["args"][0] for e in got if e["name"] == "job_completed")
    assert completed["status"] == "completed" and len(completed["clips"]) == completed["clip_count"] >= 1
    final = wait_status(client, auth_headers, job_id, "completed")
    assert completed["updated_at"] <= final["updated_at"], "emitted after the commit it describes"
    assert bob.get_received() == [], "user B never receives user A's events"


def test_logout_disconnects_the_users_sockets(
    app: Flask, client: FlaskClient, user_token: str, auth_headers: dict[str, str]
) -> None:
    sock = connect(app, client, user_token)
    assert sock.is_connected()
    assert client.post("/api/v1/auth/logout", headers=auth_headers).status_code == 204
    assert not sock.is_connected()
    assert not connect(app, client, user_token).is_connected(), "a revoked token cannot reconnect"
