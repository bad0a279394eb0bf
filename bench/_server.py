"""Shared by the benchmarks: run `python -m backend serve` in a subprocess, log in, percentiles."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full_env = {
            **os.environ,
            "DATA_DIR": str(data_dir),
            "APP_ENV": "development",
            "BCRYPT_ROUNDS": "4",
            **env,
        }
        full_env.setdefault("DATABASE_URL", f"sqlite:///{data_dir / 'bench.db'}")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backend", "serve", "--port", str(self.port)],
            cwd=REPO,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def token(self, email: str = "bench@example.com") -> str:
        requests.post(f"{self.base}/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        response = requests.post(
            f"{self.base}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        return str(response.json()["access_token"])

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=20)


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return (
        f"n={len(ordered)} p50={q[49]:.1f} ms p95={q[94]:.1f} ms p99={q[98]:.1f} ms max={ordered[-1]:.1f} ms"
    )
