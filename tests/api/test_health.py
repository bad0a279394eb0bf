from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from backend.app import create_app
from backend.services import health as health_service
from tests.conftest import make_config


def test_health_ok(client: FlaskClient) -> None:
    response = client.get("/health")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok" and body["db"] == "ok"
    assert body["ffmpeg"].startswith("5.") or body["ffmpeg"][0].isdigit()
    assert set(body["queue"]) == {"queued", "running", "workers"}


def test_health_503_names_ffmpeg_when_missing(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health_service, "_ffmpeg_cache", (0.0, None))
    monkeypatch.setenv("PATH", "/nonexistent")
    response = client.get("/health")
    assert response.status_code == 503
    assert "ffmpeg" in response.get_json()["status"] and response.get_json()["ffmpeg"] == "unavailable"
    monkeypatch.setattr(health_service, "_ffmpeg_cache", (0.0, None))


def test_health_503_names_the_database_when_down(tmp_path: Path) -> None:
    app = create_app(make_config(tmp_path, "postgresql://postgres@127.0.0.1:1/none"))
    response = app.test_client().get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["db"] == "unavailable" and "db" in body["status"]
