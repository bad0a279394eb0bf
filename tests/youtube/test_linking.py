"""Linking a channel (CONTRACTS §10) through google-auth-oauthlib against the local Google."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from backend.config import REPO_ROOT
from backend.extensions import db
from backend.models import OAuthState, YouTubeAccount, utcnow
from tests.conftest import DB_KIND, bearer, login, register
from tests.youtube.google_server import CHANNEL, GoogleServer
from tests.youtube.helpers import consent, link

SCOPES = {
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
}


def _tokens(google: GoogleServer) -> list[str]:
    return list(google.state.refresh_tokens) + list(google.state.access_tokens)


def test_link_flow_end_to_end_keeps_tokens_out_of_responses_logs_and_db(
    client: FlaskClient,
    auth_headers: dict[str, str],
    google: GoogleServer,
    app: Flask,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    bodies = []
    connect = client.post("/api/v1/youtube/connect", headers=auth_headers)
    assert connect.status_code == 200
    url = connect.get_json()["authorization_url"]
    query = parse_qs(urlparse(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["access_type"] == ["offline"]
    assert set(query["scope"][0].split()) == SCOPES
    back = consent(url)
    answer = client.post(
        "/api/v1/youtube/callback",
        headers=auth_headers,
        json={"code": back["code"], "state": back["state"]},
    )
    assert answer.status_code == 200, answer.get_json()
    status = answer.get_json()
    assert status["connected"] and status["channel"]["id"] == CHANNEL["id"] and not status["needs_relink"]
    assert set(status["scopes"]) == SCOPES
    bodies += [connect.get_data(as_text=True), answer.get_data(as_text=True)]
    for path in ("/api/v1/youtube", "/api/v1/auth/me"):
        got = client.get(path, headers=auth_headers)
        bodies.append(got.get_data(as_text=True))
    assert client.get("/api/v1/auth/me", headers=auth_headers).get_json()["user"]["youtube_connected"] is True
    tokens = _tokens(google)
    assert tokens  # the emulator handed out a refresh and an access token
    logged = "\n".join(record.getMessage() for record in caplog.records)
    stored = _database_text(app, database_url)
    for token in tokens:
        assert all(token not in body for body in bodies)
        assert token not in logged
        assert token not in stored


def _database_text(app: Flask, database_url: str) -> str:
    """The whole SQLite file as bytes-decoded text, or every YouTube row on PostgreSQL."""
    with app.app_context():
        db.session.remove()
        if DB_KIND != "postgresql":
            db.engine.dispose()
            path = Path(database_url.removeprefix("sqlite:///"))
            return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*")).decode("latin-1")
        rows = []
        for table in ("youtube_accounts", "youtube_oauth_states"):
            rows += [repr(tuple(row)) for row in db.session.execute(text(f"SELECT * FROM {table}"))]
        return "\n".join(rows)


def test_replayed_expired_and_foreign_states_are_400(
    client: FlaskClient, auth_headers: dict[str, str], app: Flask
) -> None:
    url = client.post("/api/v1/youtube/connect", headers=auth_headers).get_json()["authorization_url"]
    back = consent(url)
    register(client, "eve@example.com")
    eve = bearer(login(client, "eve@example.com")["access_token"])
    foreign = client.post(
        "/api/v1/youtube/callback", headers=eve, json={"code": back["code"], "state": back["state"]}
    )
    assert foreign.status_code == 400 and foreign.get_json()["error"]["code"] == "invalid_state"
    ok = client.post(
        "/api/v1/youtube/callback", headers=auth_headers, json={"code": back["code"], "state": back["state"]}
    )
    assert ok.status_code == 200  # eve's attempt did not burn ada's state
    replay = client.post(
        "/api/v1/youtube/callback", headers=auth_headers, json={"code": back["code"], "state": back["state"]}
    )
    assert replay.status_code == 400 and replay.get_json()["error"]["code"] == "invalid_state"
    late = consent(
        client.post("/api/v1/youtube/connect", headers=auth_headers).get_json()["authorization_url"]
    )
    with app.app_context():
        row = db.session.get(OAuthState, late["state"])
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    expired = client.post(
        "/api/v1/youtube/callback", headers=auth_headers, json={"code": late["code"], "state": late["state"]}
    )
    assert expired.status_code == 400
    missing = client.post("/api/v1/youtube/callback", headers=auth_headers, json={"code": "c"})
    assert missing.status_code == 400 and "state" in missing.get_json()["error"]["fields"]


def test_unlink_revokes_at_google(
    client: FlaskClient, auth_headers: dict[str, str], google: GoogleServer
) -> None:
    link(client, auth_headers)
    refresh_tokens = list(google.state.refresh_tokens)
    assert client.delete("/api/v1/youtube", headers=auth_headers).status_code == 204
    assert "revoke" in google.state.kinds()
    assert refresh_tokens[0] in google.state.revoked and not google.state.refresh_tokens
    # The token travels in the POST body, never in a URL that proxies and access logs keep.
    revokes = [line for line in google.state.request_lines if "/revoke" in line]
    assert revokes and not [line for line in revokes if refresh_tokens[0] in unquote(line) or "token" in line]
    status = client.get("/api/v1/youtube", headers=auth_headers).get_json()
    assert status["connected"] is False and status["channel"] is None
    assert (
        client.get("/api/v1/auth/me", headers=auth_headers).get_json()["user"]["youtube_connected"] is False
    )


def test_rotate_token_key_reencrypts_with_the_newest_key(
    client: FlaskClient, auth_headers: dict[str, str], app: Flask, tmp_path: Path, database_url: str
) -> None:
    link(client, auth_headers)
    old = app.extensions["viral_clipper_config"].token_encryption_key[0]
    new = Fernet.generate_key().decode()
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-that-is-long-enough-for-32-bytes",
        "JWT_SECRET_KEY": "test-jwt-secret-that-is-long-enough-for-hs256",
        "GOOGLE_CLIENT_ID": "x",
        "TOKEN_ENCRYPTION_KEY": f"{new},{old}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "backend", "rotate-token-key"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "re-encrypted 1" in done.stdout
    with app.app_context():
        db.session.remove()
        stored = db.session.scalar(select(YouTubeAccount.credentials))
    assert "refresh_token" in Fernet(new.encode()).decrypt(stored.encode()).decode()
    with pytest.raises(InvalidToken):
        Fernet(old.encode()).decrypt(stored.encode())
