"""kill -9 of the real server mid-upload, then a restart: the upload resumes, one video exists."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet

from backend.config import REPO_ROOT
from tests.conftest import DB_KIND, PASSWORD, create_pg_database, drop_pg_database, pg_url
from tests.core.test_serve import free_port, wait_for
from tests.youtube.google_server import GoogleServer
from tests.youtube.helpers import consent

pytestmark = pytest.mark.slow
CHUNK = 256 * 1024


@pytest.fixture
def server_db(tmp_path: Path) -> Iterator[str]:
    if DB_KIND == "postgresql":
        name = create_pg_database()
        yield pg_url(name)
        drop_pg_database(name)
    else:
        yield f"sqlite:///{tmp_path / 'served.db'}"


def _env(tmp_path: Path, google: GoogleServer, database_url: str) -> dict[str, str]:
    ends = {key.upper(): value for key, value in google.endpoints.items()}
    return {
        **os.environ,
        **ends,
        "APP_ENV": "development",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "restart-secret-that-is-long-enough-for-32-bytes",
        "JOB_WORKERS": "1",
        "JWT_SECRET_KEY": "restart-jwt-secret-that-is-long-enough-for-hs256",
        "BCRYPT_ROUNDS": "4",
        "GOOGLE_CLIENT_ID": google.state.client_id,
        "GOOGLE_CLIENT_SECRET": google.state.client_secret,
        "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "YOUTUBE_UPLOAD_CHUNK_BYTES": str(CHUNK),
    }


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "backend", "serve", "--port", str(port)],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(f"http://127.0.0.1:{port}/health", timeout=60)
    return process


def _until(predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def _clip(env: dict[str, str], user_id: str, data: bytes) -> str:
    """The rendered clip's rows and file, written through the app's own models."""
    from backend.app import create_app
    from backend.config import Config
    from backend.extensions import db
    from backend.models import Clip, Job
    from backend.services import storage

    config = Config.from_mapping(env)
    app = create_app(config)
    with app.app_context():
        job = Job(user_id=user_id, source_type="upload", status="completed", options={})
        db.session.add(job)
        db.session.flush()
        folder = storage.job_dir(config, job.id)
        folder.mkdir(parents=True)
        (folder / "clip.mp4").write_bytes(data)
        clip = Clip(
            job_id=job.id,
            user_id=user_id,
            title="Garden",
            start_time=0,
            end_time=9,
            duration=9,
            video_path="clip.mp4",
        )
        db.session.add(clip)
        db.session.commit()
        clip_id = str(clip.id)
        db.session.remove()
        db.engine.dispose()
    return clip_id


def test_kill_9_mid_upload_then_restart_resumes(tmp_path: Path, google: GoogleServer, server_db: str) -> None:
    env, port = _env(tmp_path, google, server_db), free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    server = _start(env, port)
    try:
        requests.post(
            f"{api}/auth/register", json={"email": "ada@example.com", "password": PASSWORD}, timeout=10
        )
        token = requests.post(
            f"{api}/auth/login", json={"email": "ada@example.com", "password": PASSWORD}, timeout=10
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        back = consent(
            requests.post(f"{api}/youtube/connect", headers=headers, timeout=10).json()["authorization_url"]
        )
        assert (
            requests.post(
                f"{api}/youtube/callback",
                headers=headers,
                json={"code": back["code"], "state": back["state"]},
                timeout=30,
            ).status_code
            == 200
        )
        user_id = requests.get(f"{api}/auth/me", headers=headers, timeout=10).json()["user"]["id"]
        data = os.urandom(12 * CHUNK + 99)
        clip_id = _clip(env, user_id, data)
        google.state.faults.chunk_delay = 0.2
        pub = requests.post(
            f"{api}/clips/{clip_id}/publish", headers=headers, json={"privacy_status": "private"}, timeout=10
        ).json()
        _until(lambda: google.state.kinds().count("upload.chunk") >= 3)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        assert not google.state.videos
        google.state.faults.chunk_delay = 0.0
        server = _start(env, port)
        done = _until(
            lambda: (
                p := requests.get(f"{api}/publications/{pub['id']}", headers=headers, timeout=10).json()
            )["status"]
            in {"published", "failed"}
            and p
        )
        assert done["status"] == "published", done
        kinds = google.state.kinds()
        assert kinds.count("upload.start") == 1 and kinds.count("upload.status") >= 1
        assert len(google.state.videos) == 1
        video = google.state.videos[done["youtube_video_id"]]
        assert hashlib.sha256(video.data).hexdigest() == hashlib.sha256(data).hexdigest()
    finally:
        server.kill()
        server.wait(10)
