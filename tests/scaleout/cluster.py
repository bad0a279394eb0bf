"""The scale-out topology on one machine, as plain helpers (no pytest fixtures): real web and
Celery worker processes started as subprocesses on free loopback ports, a Redis database of their
own, and the clients (`sign_up`, `User`, `listen`). Used by tests/scaleout/conftest.py and by the
scale-out benchmarks (bench/throughput.py, bench/queue_latency.py).
"""

from __future__ import annotations

import contextlib
import json
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

import redis
import requests
import socketio

from tests.conftest import PASSWORD
from tests.jobs.helpers import children, wait_for
from tests.media import Talk

REPO = Path(__file__).resolve().parents[2]
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
# Short heartbeats, so that a killed worker's job resumes within seconds in the tests.
HEARTBEAT, STALE = 1.0, 4.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NoRedis(RuntimeError):
    """Redis is not running, or every database number is in use."""


@contextlib.contextmanager
def claimed_redis_db() -> Iterator[str]:
    """A Redis database no other run uses right now (empty), flushed afterwards."""
    try:
        redis.Redis.from_url(REDIS_BASE).ping()
    except redis.RedisError as error:
        raise NoRedis("Redis is not running") from error
    for number in random.sample(range(1, 16), 15):
        client = redis.Redis.from_url(f"{REDIS_BASE}/{number}")
        # Claimed with a marker key, so two runs starting together do not pick the same one.
        if client.dbsize() == 0 and client.set("viral_clipper:test-run", os.getpid(), nx=True):
            try:
                yield f"{REDIS_BASE}/{number}"
            finally:
                client.flushdb()
            return
    raise NoRedis("no free Redis database")


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
            **os.environ,
            "PYTHONPATH": str(REPO),
            "APP_ENV": "test",
            "DATA_DIR": str(self.data_dir),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "JOB_BACKEND": "celery",
            "SECRET_KEY": "test-secret-that-is-at-least-32-bytes",
            "JWT_SECRET_KEY": "test-jwt-secret-that-is-long-enough-for-hs256",
            "BCRYPT_ROUNDS": "4",
            "WORKER_HEARTBEAT_SECONDS": str(HEARTBEAT),
            "WORKER_STALE_SECONDS": str(STALE),
            "RENDER_CONCURRENCY": "1",
            "REGISTER_RATE_LIMIT": "1000 per hour",
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "LOGIN_IP_RATE_LIMIT": "1000 per minute",
            **self.extra_env,
            **extra,
        }

    def _start(self, args: list[str], name: str, **env: str) -> subprocess.Popen[bytes]:
        log = self.data_dir.parent / f"{name}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            # cwd outside the repository: no developer's .env is read.
            proc = subprocess.Popen(
                [sys.executable, "-m", "backend", *args],
                env=self.env(**env),
                cwd=self.data_dir.parent,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        return proc

    def web(self, **env: str) -> str:
        """A web process (extra environment in `env`); its base URL once /health answers."""
        port = free_port()
        self._start(["serve", "--port", str(port)], "web", **env)
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _up(base), timeout=60, step=0.2)
        return base

    def worker(self, concurrency: int = 1, **env: str) -> subprocess.Popen[bytes]:
        """A worker process (extra environment in `env`, e.g. a DATA_DIR of its own)."""
        args = ["worker", "--concurrency", str(concurrency), "--loglevel", "INFO"]
        proc = self._start(args, "worker", **env)
        client = redis.Redis.from_url(self.redis_url)
        before = set(client.scan_iter(match="viral_clipper:worker:*"))
        # Ready once its supervisor announced it (the Celery consumer starts right before): a new
        # name, not a count (a killed worker's mark may expire meanwhile).
        wait_for(lambda: set(client.scan_iter(match="viral_clipper:worker:*")) - before, 60, 0.2)
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
