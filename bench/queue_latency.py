"""Queue latency with JOB_BACKEND=celery: POST /api/v1/jobs → `processing` on an idle worker.

One web process, one worker (`--concurrency 1`, its own DATA_DIR), STORAGE_BACKEND=s3 on a
SeaweedFS the bench starts, PostgreSQL and Redis. `processing` is observed through a Socket.IO
listener (`job_status_changed`), not by polling. Samples run one after another; each job is
cancelled once processing, so the worker is idle before the next POST. Goal: p50 ≤ 200 ms.

Two kinds of job: a URL job (a YouTube link: the POST carries no file, so this is the queue's
own latency; the download that follows fails offline, after `processing` was seen), and an
upload of the test talk, whose POST also carries the file and stores it in the bucket before
the job row exists (so a worker on another host can claim it).
Run: .venv/bin/python -m bench.queue_latency [--samples N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._scaleout import topology
from tests.jobs.helpers import FAST_OPTIONS, wait_for
from tests.media import Talk, talk
from tests.scaleout.cluster import User, listen, sign_up


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(samples: int) -> None:
    media = talk()
    results: dict[str, tuple[list[float], list[float]]] = {}
    with topology("bench-queue-") as topo:
        base = topo.cluster.web()
        topo.cluster.worker(1, DATA_DIR=topo.worker_data_dir("worker"))
        user = sign_up(base, "bench@example.com")
        sock = listen(base, user.token)
        try:
            for kind in ("url", "upload"):
                results[kind] = ([], [])
                for _ in range(samples):
                    start = time.monotonic()
                    job_id = _create(user, kind, media)
                    created = time.monotonic()
                    seen = wait_for(lambda j=job_id: _processing_at(sock, j), 60, 0.005)
                    results[kind][0].append((seen - start) * 1000)
                    results[kind][1].append((seen - created) * 1000)
                    user.post(f"/api/v1/jobs/{job_id}/cancel", json={})
                    user.wait_job(job_id, "cancelled", "completed", "failed", timeout=120)
        finally:
            sock.close()
    for kind, (before_post, after_201) in results.items():
        for name, values in (("from before the POST", before_post), ("from the 201", after_201)):
            print(
                f"{kind:>6} job: POST /jobs -> processing, {name:>20}: p50 {pct(values, 0.5):.0f} ms, "
                f"p90 {pct(values, 0.9):.0f} ms, p99 {pct(values, 0.99):.0f} ms, max {max(values):.0f} ms "
                f"({len(values)} samples)"
            )


def _create(user: User, kind: str, media: Talk) -> str:
    if kind == "upload":
        return user.upload(media, FAST_OPTIONS)
    response = user.post(
        "/api/v1/jobs", json={"source_url": "https://youtu.be/dQw4w9WgXcQ", "options": FAST_OPTIONS}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _processing_at(sock: object, job_id: str) -> float | None:
    for at, name, payload in list(sock.events):  # type: ignore[attr-defined]
        if (
            name == "job_status_changed"
            and payload.get("id") == job_id
            and payload.get("status") == "processing"
        ):
            return float(at)
    return None


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=40)
    main(parser.parse_args().samples)
