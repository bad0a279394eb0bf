from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from pydantic import BaseModel

from backend.api.common import CONFIG_KEY
from backend.extensions import db
from backend.models import Clip, Job
from backend.realtime.emitter import check_payload
from backend.services import storage
from backend.work.setup import init_worker
from backend.work.threads import JobManager
from tests.youtube.google_server import GoogleServer


@pytest.fixture
def google() -> Iterator[GoogleServer]:
    server = GoogleServer().start()
    yield server
    server.stop()


@pytest.fixture
def insecure_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """oauthlib refuses http:// token endpoints; the emulator is plain HTTP on loopback."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def emulator_config(google: GoogleServer) -> dict[str, object]:
    """The app, pointed at the emulator as CONTRACTS §10's configuration allows."""
    return {
        "google_client_id": google.state.client_id,
        "google_client_secret": google.state.client_secret,
        "token_encryption_key": (Fernet.generate_key().decode(),),
        **google.endpoints,
    }


@pytest.fixture
def config_overrides(google: GoogleServer) -> dict[str, object]:
    return emulator_config(google)


@dataclass
class RecordingEmitter:
    """An Emitter (the injected interface) that keeps what was sent, in order."""

    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, user_id: str, event: str, payload: BaseModel) -> None:
        check_payload(event, payload)
        self.events.append((user_id, event, payload.model_dump(mode="json")))


@pytest.fixture
def emitter() -> RecordingEmitter:
    return RecordingEmitter()


@pytest.fixture
def manager(app: Flask, emitter: RecordingEmitter) -> Iterator[JobManager]:
    pool = init_worker(app, app.extensions[CONFIG_KEY], emitter)
    app.extensions["start_runtime"]()
    yield pool
    pool.stop()


@pytest.fixture
def clip_factory(app: Flask, tmp_path: Path) -> Callable[..., str]:
    """A rendered clip of a user: rows plus a video file and a thumbnail under the job folder."""

    def make(
        user_id: str,
        size: int = 5 * 256 * 1024 + 777,
        source_type: str = "upload",
        source_channel_id: str | None = None,
    ) -> str:
        config = app.extensions[CONFIG_KEY]
        with app.app_context():
            meta = {"source_channel_id": source_channel_id} if source_channel_id else None
            job = Job(
                user_id=user_id, source_type=source_type, status="completed", options={}, analysis_meta=meta
            )
            db.session.add(job)
            db.session.flush()
            folder = storage.job_dir(config, job.id) / "clips"
            folder.mkdir(parents=True)
            (folder / "clip_01.mp4").write_bytes(os.urandom(size))
            (folder / "clip_01.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(3000))
            clip = Clip(
                job_id=job.id,
                user_id=user_id,
                title="How <we> walked to the garden",
                description="A talk",
                start_time=0,
                end_time=30,
                duration=30,
                tags=["garden", "talk"],
                video_path="clips/clip_01.mp4",
                thumbnail_path="clips/clip_01.jpg",
                file_size=size,
            )
            db.session.add(clip)
            db.session.commit()
            return str(clip.id)

    return make


def user_id_of(client: FlaskClient, headers: dict[str, str]) -> str:
    return str(client.get("/api/v1/auth/me", headers=headers).get_json()["user"]["id"])
