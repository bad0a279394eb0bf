"""Without a Google client the YouTube endpoints say what to set, except the status read that every
dashboard page makes (200, `configured: false`); nothing else breaks."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

SOME_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/youtube/connect", None),
        ("post", "/api/v1/youtube/callback", {"code": "c", "state": "s"}),
        ("delete", "/api/v1/youtube", None),
        ("post", f"/api/v1/clips/{SOME_ID}/publish", {"privacy_status": "private"}),
        ("get", "/api/v1/publications", None),
        ("get", f"/api/v1/publications/{SOME_ID}", None),
        ("get", f"/api/v1/publications/{SOME_ID}/stats", None),
        ("post", f"/api/v1/publications/{SOME_ID}/retry", None),
        ("delete", f"/api/v1/publications/{SOME_ID}", None),
        ("post", f"/api/v1/publications/{SOME_ID}/refresh-stats", None),
    ],
)
def test_youtube_endpoints_answer_503(
    client: FlaskClient, auth_headers: dict[str, str], method: str, path: str, body: Any
) -> None:
    answer = getattr(client, method)(path, headers=auth_headers, json=body)
    assert answer.status_code == 503
    error = answer.get_json()["error"]
    assert error["code"] == "youtube_not_configured" and "GOOGLE_CLIENT_ID" in error["message"]


def test_everything_else_still_works(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    me = client.get("/api/v1/auth/me", headers=auth_headers)
    assert me.status_code == 200 and me.get_json()["user"]["youtube_connected"] is False
    assert client.get("/api/v1/jobs", headers=auth_headers).status_code == 200
    assert client.get("/api/v1/clips", headers=auth_headers).status_code == 200


def test_the_status_read_answers_not_configured(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str]
) -> None:
    answer = client.get("/api/v1/youtube", headers=auth_headers)
    assert answer.status_code == 200
    assert answer.get_json() == {
        "configured": False,
        "connected": False,
        "needs_relink": False,
        "channel": None,
        "scopes": [],
        "connected_at": None,
        "quota": None,
    }
    anonymous = app.test_client()  # no login cookies
    assert anonymous.get("/api/v1/youtube").status_code == 401
