"""JOB_BACKEND=celery end to end: the web process only enqueues, real Celery workers run jobs and
re-renders through the shared handlers, events come back through Redis to the web's sockets,
cancel reaches the worker, and a killed worker's job resumes on another worker."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import redis
from flask import Flask
from sqlalchemy import select

from backend.extensions import db
from backend.models import Clip, Job
from tests.jobs.helpers import FAST_OPTIONS, wait_for
from tests.media import Talk
from tests.scaleout.conftest import HEARTBEAT, STALE, Cluster, descendants, listen, sign_up

# The default vertical Shorts render of ~20-30 s clips: several seconds of ffmpeg per clip even on
# a fast machine, so a test can act while a render is running.
SLOW_RENDER: dict[str, Any] = {"min_clip_duration": 20, "max_clip_duration": 30, "max_clips": 2}


def ffmpeg_under(pid: int) -> list[int]:
    return [p for p in descendants(pid) if _name(p) == "ffmpeg"]


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def test_job_runs_on_a_worker_and_its_events_reach_the_owner_only(
    cluster: Cluster, media: Talk, app: Flask
) -> None:
    web = cluster.web()
    cluster.worker()
    ada, bob = sign_up(web, "ada@example.com"), sign_up(web, "bob@example.com")
    ada_sock, bob_sock = listen(web, ada.token), listen(web, bob.token)
    try:
        latencies = []
        for _ in range(3):
            posted = time.monotonic()
            job_id = ada.upload(media, FAST_OPTIONS)
            processing = wait_for(lambda j=job_id: _status_event(ada_sock, j, "processing"), 60, 0.01)
            latencies.append(processing - posted)
            wait_for(lambda j=job_id: ada_sock.of("job_completed", j), 180, 0.1)
        p50, worst = statistics.median(latencies) * 1000, max(latencies) * 1000
        print(f"\nqueue latency POST /jobs -> processing (idle worker): p50 {p50:.0f} ms, max {worst:.0f} ms")

        job = ada.job(job_id)
        assert job["status"] == "completed" and job["clip_count"] >= 1
        assert ada_sock.of("job_progress", job_id), "progress events reach the web process's socket"
        assert not bob_sock.events, "another user's socket receives nothing of it"

        # A re-render runs on the worker too, its clip_updated event reaching the owner.
        clip = ada.get(f"/api/v1/clips?job_id={job_id}")["items"][0]
        response = ada.post(f"/api/v1/clips/{clip['id']}/render", json={"title": "Re-rendered on a worker"})
        assert response.status_code == 202, response.text
        wait_for(lambda: any(p["id"] == clip["id"] and p["render_status"] == "ready"
                             for p in ada_sock.of("clip_updated")), 120, 0.1)  # fmt: skip
        after = ada.get(f"/api/v1/clips/{clip['id']}")
        assert after["title"] == "Re-rendered on a worker" and after["render_status"] == "ready"
        with app.app_context():
            row = db.session.get(Clip, clip["id"])
            assert row is not None and row.render_version == 1 and "-v1." in row.video_path
        assert not bob_sock.events
    finally:
        ada_sock.close()
        bob_sock.close()


def _status_event(sock: Any, job_id: str, status: str) -> float | None:
    for at, name, payload in list(sock.events):
        if name == "job_status_changed" and payload.get("id") == job_id and payload.get("status") == status:
            return at
    return None


def test_cancel_stops_the_workers_ffmpeg_within_3_s(cluster: Cluster, media: Talk) -> None:
    web = cluster.web()
    worker = cluster.worker()
    ada = sign_up(web, "ada@example.com")
    job_id = ada.upload(media, SLOW_RENDER)
    wait_for(lambda: ada.job(job_id)["stage"] == "rendering" and ffmpeg_under(worker.pid), 180, 0.05)

    asked = time.monotonic()
    response = ada.post(f"/api/v1/jobs/{job_id}/cancel", json={})
    assert response.status_code == 200, response.text
    ada.wait_job(job_id, "cancelled", timeout=10)
    took = time.monotonic() - asked
    print(f"\ncancel -> cancelled on the worker: {took:.2f} s")
    assert took < 3.0
    assert not ffmpeg_under(worker.pid), "the worker's ffmpeg process group was killed"
    assert worker.poll() is None, "the worker itself lives on"


def test_kill_9_of_the_worker_resumes_the_job_on_the_other(cluster: Cluster, media: Talk, app: Flask) -> None:
    web = cluster.web()
    workers = {proc.pid: proc for proc in (cluster.worker(), cluster.worker())}
    ada = sign_up(web, "ada@example.com")
    job_id = ada.upload(media, SLOW_RENDER)
    marks = redis.Redis.from_url(cluster.redis_url)

    def runner_pid() -> int | None:
        mark = marks.get(f"viral_clipper:running:{job_id}")
        return int(mark.decode().rsplit(":", 1)[1]) if mark else None

    wait_for(lambda: ada.job(job_id)["stage"] == "rendering" and (p := runner_pid()) and ffmpeg_under(p),
             180, 0.05)  # fmt: skip
    victim = workers.pop(runner_pid() or 0)
    cluster.kill(victim)
    killed = time.monotonic()

    with app.app_context():

        def resumed() -> bool:
            db.session.expire_all()
            job = db.session.get(Job, job_id)
            return job is not None and job.attempt == 2 and job.status in ("processing", "completed")

        wait_for(resumed, 120, 0.05)
    delay = time.monotonic() - killed
    print(f"\nkill -9 -> resumed on the other worker: {delay:.1f} s "
          f"(heartbeat {HEARTBEAT:g} s, stale after {STALE:g} s)")  # fmt: skip
    done = ada.wait_job(job_id, "completed", timeout=240)

    events = [e["message"] or "" for e in ada.get(f"/api/v1/jobs/{job_id}/events")]
    assert any("worker stopped responding" in m for m in events)
    assert any(m.startswith("Downloading done earlier") or "reused" in m for m in events), events
    with app.app_context():
        rows = list(db.session.scalars(select(Clip).where(Clip.job_id == job_id)))
    assert len(rows) == done["clip_count"] >= 1
    assert len({row.rank for row in rows}) == len(rows), "no duplicate clips"
    files = sorted(p.name for p in (cluster.data_dir / "jobs" / job_id / "clips").glob("*.mp4"))
    assert files == sorted(Path(row.video_path).name for row in rows), "one file per clip, nothing left over"
    assert all(proc.poll() is None for proc in workers.values())
