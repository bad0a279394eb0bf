"""`python -m backend serve` on the embedded defaults: migrates an empty DATA_DIR and answers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from backend.config import REPO_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 30.0) -> tuple[int, dict[str, object]]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, json.loads(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.slow
def test_serve_starts_on_sqlite_and_reports_health(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "JWT_SECRET_KEY"}}
    env.update(DATA_DIR=str(tmp_path / "data"), APP_ENV="development")
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend", "serve", "--port", str(port)],
        cwd=tmp_path,  # not the repository: the defaults must not depend on the working directory
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        status, body = wait_for(f"http://127.0.0.1:{port}/health")
        assert status == 200 and body["status"] == "ok" and body["db"] == "ok"
        assert (tmp_path / "data" / "viral_clipper.db").is_file()
        assert (tmp_path / "data" / ".jwt_secret_key").is_file()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
