"""Crash recovery: the real server is SIGKILLed mid-job, restarted, and finishes the job once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from backend.config import REPO_ROOT
from tests.conftest import DB_KIND, PASSWORD, create_pg_database, drop_pg_database, pg_url
from tests.jobs.helpers import FAST_OPTIONS, SHORT_CLIPS, children, wait_for
from tests.media import Talk


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "APP_ENV": "development",
        "BCRYPT_ROUNDS": "4",
        "JOB_WORKERS": "1",
        "RENDER_PRESET": "veryslow",
        "RENDER_CONCURRENCY": "1",
    }
    name = None
    if DB_KIND == "postgresql":
        name = create_pg_database()
        env["DATABASE_URL"] = pg_url(name)
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'server.db'}"
    yield env
    if name:
        drop_pg_database(name)


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backend", "serve", "--port", str(self.port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._up, timeout=60, step=0.2)

    def _up(self) -> bool:
        assert self.proc.poll() is None, "the server exited"
        try:
            return requests.get(f"{self.base}/health", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def kill(self, sig: int = signal.SIGKILL) -> None:
        os.killpg(self.proc.pid, sig)  # the server and its ffmpeg children, like a crash of the box
        self.proc.wait(timeout=20)
        self.log.close()


@pytest.mark.slow
def test_sigkill_mid_job_then_restart_completes_without_duplicates(
    server_env: dict[str, str], tmp_path: Path, media: Talk
) -> None:
    server = Server(server_env, tmp_path / "server.log")
    try:
        requests.post(
            f"{server.base}/api/v1/auth/register", json={"email": "r@example.com", "password": PASSWORD}
        )
        login = requests.post(
            f"{server.base}/api/v1/auth/login", json={"email": "r@example.com", "password": PASSWORD}
        )
        token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        with media.video.open("rb") as video, media.vtt.open("rb") as vtt:
            files = {"file": ("talk.mp4", video), "captions": ("talk.vtt", vtt)}
            created = requests.post(
                f"{server.base}/api/v1/jobs",
                files=files,
                headers=headers,
                data={"options": json.dumps(FAST_OPTIONS)},
            )
        assert created.status_code == 201, created.text
        job_id = created.json()["id"]

        def job(base: str) -> dict[str, Any]:
            return dict(requests.get(f"{base}/api/v1/jobs/{job_id}", headers=headers, timeout=5).json())

        wait_for(lambda: job(server.base)["stage"] == "rendering", timeout=60, step=0.05)
    finally:
        server.kill()
    assert children() == []
    restarted = Server(server_env, tmp_path / "server.log")
    try:
        final = wait_for(
            lambda: (j := job(restarted.base))["status"] in {"completed", "failed"} and j, timeout=180
        )
        assert final["status"] == "completed", final["error_message"]
        clips = requests.get(
            f"{restarted.base}/api/v1/clips", params={"job_id": job_id}, headers=headers
        ).json()
        spans = [(c["start_time"], c["end_time"]) for c in clips["items"]]
        assert clips["total"] == final["clip_count"] == len(set(spans)) >= 1
        events = requests.get(f"{restarted.base}/api/v1/jobs/{job_id}/events", headers=headers).json()
        types = [e["type"] for e in events]
        assert "recovered" in types
        second_run = types[types.index("recovered") :]
        assert "stage_skipped" in second_run, "finished stages were reused after the crash"
        assert sorted(e["id"] for e in events) == sorted({e["id"] for e in events})
    finally:
        restarted.kill(signal.SIGTERM)


def _register(base: str) -> dict[str, str]:
    requests.post(f"{base}/api/v1/auth/register", json={"email": "k@example.com", "password": PASSWORD})
    login = requests.post(f"{base}/api/v1/auth/login", json={"email": "k@example.com", "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


@pytest.mark.slow
def test_sigkill_mid_rerender_keeps_the_previous_version_then_recovers(
    server_env: dict[str, str], tmp_path: Path, media: Talk
) -> None:
    fast = {**server_env, "RENDER_PRESET": "ultrafast"}
    server = Server(fast, tmp_path / "server.log")
    try:
        headers = _register(server.base)
        with media.video.open("rb") as video, media.vtt.open("rb") as vtt:
            files = {"file": ("talk.mp4", video), "captions": ("talk.vtt", vtt)}
            options = json.dumps({**SHORT_CLIPS, "max_clips": 1})  # a Short (the defaults)
            created = requests.post(
                f"{server.base}/api/v1/jobs", files=files, headers=headers, data={"options": options}
            )
        job_id = created.json()["id"]
        job_url = f"{server.base}/api/v1/jobs/{job_id}"
        final = wait_for(
            lambda: (j := requests.get(job_url, headers=headers).json())["status"] in {"completed", "failed"}
            and j,
            timeout=180,
        )
        assert final["status"] == "completed", final["error_message"]
        clip = requests.get(f"{server.base}/api/v1/clips", params={"job_id": job_id}, headers=headers).json()
        before = clip["items"][0]
        old_video = requests.get(f"{server.base}{before['assets']['video_url']}", headers=headers).content
    finally:
        server.kill(signal.SIGTERM)
    clips_dir = Path(server_env["DATA_DIR"]) / "jobs" / job_id / "clips"
    slow = Server(server_env, tmp_path / "server.log")  # veryslow: the encode is still running when killed
    try:
        response = requests.post(
            f"{slow.base}/api/v1/clips/{before['id']}/render",
            headers=headers,
            json={"layout": "fit", "caption_style": "clean"},
        )
        assert response.status_code == 202, response.text
        wait_for(lambda: any(clips_dir.glob(".clip_01-v1.tmp.mp4")), timeout=60, step=0.05)
    finally:
        slow.kill()
    assert children() == []
    assert (clips_dir / "clip_01.mp4").read_bytes() == old_video, "the previous version is intact"
    restarted = Server(fast, tmp_path / "server.log")
    try:
        served = requests.get(f"{restarted.base}{before['assets']['video_url']}", headers=headers)
        state = requests.get(f"{restarted.base}/api/v1/clips/{before['id']}", headers=headers).json()
        assert served.status_code == 200
        busy = ("queued", "rendering")
        if state["render_status"] in busy:  # (not yet switched): what was served is the old one
            assert served.content == old_video

        def ended() -> Any:
            clip = requests.get(f"{restarted.base}/api/v1/clips/{before['id']}", headers=headers).json()
            return clip["render_status"] not in busy and clip

        after = wait_for(ended, timeout=180)
        assert after["render_status"] == "ready", after["render_error"]
        assert (after["layout"], after["caption_style"]) == ("fit", "clean")
        # The old files go right after the commit that switched the row (never before it).
        expected = sorted(f"clip_01-v1.{ext}" for ext in ("jpg", "mp4", "srt", "vtt"))
        wait_for(lambda: sorted(p.name for p in clips_dir.iterdir()) == expected, timeout=10)
    finally:
        restarted.kill(signal.SIGTERM)
