"""p99 latency of GET /health and GET /api/v1/jobs while a CPU-heavy render runs (goal ≤ 100 ms).

Runs the real server (`python -m backend serve`) in a subprocess with a job that renders several
long clips of a generated video, then times 300 requests to each endpoint during the render.
Usage: .venv/bin/python bench/api_latency.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import Server, percentiles
from tests.media import talk

HEAVY = {"min_clip_duration": 20, "max_clip_duration": 60, "max_clips": 5}


def timed(session: requests.Session, url: str, headers: dict[str, str], n: int = 300) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = session.get(url, headers=headers, timeout=10)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return samples


def main() -> None:
    media = talk()
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp), RENDER_PRESET="veryslow", JOB_WORKERS="1")
        try:
            headers = {"Authorization": f"Bearer {server.token()}"}
            with media.video.open("rb") as video, media.vtt.open("rb") as vtt:
                files = {"file": ("talk.mp4", video), "captions": ("talk.vtt", vtt)}
                job = requests.post(
                    f"{server.base}/api/v1/jobs",
                    files=files,
                    headers=headers,
                    data={"options": json.dumps(HEAVY)},
                ).json()
            url = f"{server.base}/api/v1/jobs/{job['id']}"
            while requests.get(url, headers=headers).json()["stage"] != "rendering":
                time.sleep(0.05)
            session = requests.Session()
            health = timed(session, f"{server.base}/health", headers)
            jobs = timed(session, f"{server.base}/api/v1/jobs", headers)
            still = requests.get(url, headers=headers).json()
            print(
                f"job still {still['status']}/{still['stage']} at {still['progress']}% after the measurement"
            )
            print("GET /health       ", percentiles(health))
            print("GET /api/v1/jobs  ", percentiles(jobs))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
