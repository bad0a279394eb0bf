"""The scale-out topology on one machine (JOB_BACKEND=celery): real web and Celery worker
processes, real Redis (a Redis database of their own, flushed afterwards), real PostgreSQL (the
session's throwaway database) and a shared temporary DATA_DIR.

Every process is a subprocess on free loopback ports, always killed in teardown (with whatever
children it left). The in-process `app` here only reads the database (it starts no job threads).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
import socketio
from flask import Flask

from backend.app import create_app
from backend.extensions import db
from tests.conftest import DB_KIND, PASSWORD, _truncate_all, make_config
from tests.jobs.helpers import children, wait_for
from tests.media import Talk, talk
from tests.youtube.conftest import google  # noqa: F401  (the Google emulator, for the publication test)

REPO = Path(__file__).resolve().parents[2]
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
# Short heartbeats, so that a killed worker's job resumes within seconds in the tests.
HEARTBEAT, STALE = 1.0, 4.0


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    # Several processes writing one SQLite file is not a supported topology.
    if DB_KIND != "postgresql":
        pytest.skip("the scale-out tests run on PostgreSQL (TEST_DB=postgresql)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def media() -> Talk:
    return talk()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database no other run uses right now (empty), flushed afterwards."""
    try:
        redis.Redis.from_url(REDIS_BASE).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running")
    for number in random.sample(range(1, 16), 15):
        client = redis.Redis.from_url(f"{REDIS_BASE}/{number}")
        # Claimed with a marker key, so two runs starting together do not pick the same one.
        if client.dbsize() == 0 and client.set("viral_clipper:test-run", os.getpid(), nx=True):
            try:
                yield f"{REDIS_BASE}/{number}"
            finally:
                client.flushdb()
            return
    pytest.skip("no free Redis database")


@dataclass
class Cluster:
    data_dir: Path
    database_url: str
    redis_url: str
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. the Google emulator's endpoints
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ, "PYTHONPATH": str(REPO), "APP_ENV": "test", "DATA_DIR": str(self.data_dir),
            "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url, "JOB_BACKEND": "celery",
            "SECRET_KEY": "test-secret-that-is-at-least-32-bytes",
            "JWT_SECRET_KEY": "test-jwt-secret-that-is-long-enough-for-hs256", "BCRYPT_ROUNDS": "4",
            "WORKER_HEARTBEAT_SECONDS": str(HEARTBEAT), "WORKER_STALE_SECONDS": str(STALE),
            "RENDER_CONCURRENCY": "1", "REGISTER_RATE_LIMIT": "1000 per hour",
            "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_IP_RATE_LIMIT": "1000 per minute",
            **self.extra_env, **extra,
        }  # fmt: skip

    def _start(self, args: list[str], name: str) -> subprocess.Popen[bytes]:
        log = self.data_dir.parent / f"{name}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            # cwd outside the repository: no developer's .env is read.
            proc = subprocess.Popen(
                [sys.executable, "-m", "backend", *args], env=self.env(), cwd=self.data_dir.parent,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.procs.append(proc)
        return proc

    def web(self) -> str:
        port = free_port()
        self._start(["serve", "--port", str(port)], "web")
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _up(base), timeout=60, step=0.2)
        return base

    def worker(self, concurrency: int = 1) -> subprocess.Popen[bytes]:
        proc = self._start(["worker", "--concurrency", str(concurrency), "--loglevel", "INFO"], "worker")
        client = redis.Redis.from_url(self.redis_url)
        before = len(list(client.scan_iter(match="viral_clipper:worker:*")))
        # Ready once its supervisor announced it (the Celery consumer starts right before).
        wait_for(lambda: len(list(client.scan_iter(match="viral_clipper:worker:*"))) > before, 60, 0.2)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """kill -9 of a process and every process under it (as when its machine dies)."""
        tree = descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                self.kill(proc)

    def dump_logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}" for log in self.logs)


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child, _name in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def _up(base: str) -> bool:
    try:
        return requests.get(f"{base}/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def app(template_db: str, tmp_path: Path, redis_url: str) -> Iterator[Flask]:
    """Reads the rows the processes write (a CeleryDispatcher app: it runs nothing)."""
    application = create_app(
        make_config(tmp_path / "data", template_db, job_backend="celery", redis_url=redis_url)
    )
    yield application
    _truncate_all(application)
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def cluster(app: Flask, template_db: str, tmp_path: Path, redis_url: str) -> Iterator[Cluster]:
    (tmp_path / "data").mkdir(exist_ok=True)
    running = Cluster(tmp_path / "data", template_db, redis_url)
    try:
        yield running
    finally:
        running.stop()
        if os.environ.get("SCALEOUT_LOGS"):
            print(running.dump_logs())


@dataclass
class User:
    base: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str) -> Any:
        response = requests.get(self.base + path, headers=self.headers, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.base + path, headers=self.headers, timeout=60, **kwargs)

    def job(self, job_id: str) -> dict[str, Any]:
        return dict(self.get(f"/api/v1/jobs/{job_id}"))

    def wait_job(self, job_id: str, *statuses: str, timeout: float = 180.0) -> dict[str, Any]:
        return dict(wait_for(lambda: (j := self.job(job_id))["status"] in statuses and j, timeout, 0.2))

    def upload(self, media: Talk, options: dict[str, Any], priority: int | None = None) -> str:
        import json

        data = {
            "options": json.dumps(options),
            **({"priority": str(priority)} if priority is not None else {}),
        }
        with media.video.open("rb") as video, media.vtt.open("rb") as vtt:
            files = {
                "file": ("garden talk.mp4", video, "video/mp4"),
                "captions": ("talk.vtt", vtt, "text/vtt"),
            }
            response = self.post("/api/v1/jobs", data=data, files=files)
        assert response.status_code in (201, 202), response.text
        return str(response.json()["id"])


def sign_up(base: str, email: str) -> User:
    body = {"email": email, "password": PASSWORD, "name": "Ada"}
    assert requests.post(f"{base}/api/v1/auth/register", json=body, timeout=30).status_code == 201
    response = requests.post(
        f"{base}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    return User(base, response.json()["access_token"])


@dataclass
class Listener:
    """A real Socket.IO client (websocket transport) that records every event it receives."""

    client: socketio.Client
    events: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)

    def of(self, name: str, job_id: str | None = None) -> list[dict[str, Any]]:
        return [p for _t, n, p in list(self.events) if n == name and (job_id is None or _job_of(p) == job_id)]

    def close(self) -> None:
        self.client.disconnect()


def _job_of(payload: dict[str, Any]) -> str | None:
    return payload.get("job_id") or payload.get("id")


def listen(base: str, token: str) -> Listener:
    client = socketio.Client(reconnection=False)
    listener = Listener(client)

    def record(name: str, payload: Any) -> None:
        listener.events.append((time.monotonic(), name, payload))

    client.on("*", record)
    client.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=30)
    return listener


def wait_resumed(app: Flask, job_id: str, timeout: float = 120.0) -> None:
    """Until a second attempt of the job runs (or has already completed): it resumed elsewhere."""
    from backend.models import Job

    with app.app_context():

        def resumed() -> bool:
            db.session.expire_all()
            job = db.session.get(Job, job_id)
            return job is not None and job.attempt == 2 and job.status in ("processing", "completed")

        wait_for(resumed, timeout, 0.05)
