"""JOB_BACKEND=celery end to end: the web process only enqueues, real Celery workers run jobs and
re-renders through the shared handlers, events come back through Redis to the web's sockets,
cancel reaches the worker, and a killed worker's job resumes on another worker."""

from __future__ import annotations

import signal
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import redis
import requests
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import select

from backend.extensions import db
from backend.models import Clip, Job
from tests.jobs.helpers import FAST_OPTIONS, wait_for
from tests.media import Talk
from tests.scaleout.cluster import HEARTBEAT, STALE, Cluster, User, descendants, listen, sign_up
from tests.scaleout.conftest import wait_resumed
from tests.youtube.google_server import GoogleServer
from tests.youtube.helpers import consent

# The default vertical Shorts render of ~20-30 s clips: several seconds of ffmpeg per clip even on
# a fast machine, so a test can act while a render is running.
SLOW_RENDER: dict[str, Any] = {"min_clip_duration": 20, "max_clip_duration": 30, "max_clips": 2}


def ffmpeg_under(pid: int) -> list[int]:
    return [p for p in descendants(pid) if _name(p) == "ffmpeg"]


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def test_job_runs_on_a_worker_and_its_events_reach_the_owner_only(
    cluster: Cluster, media: Talk, app: Flask
) -> None:
    web_a, web_b = cluster.web(), cluster.web()
    cluster.worker()
    ada, bob = sign_up(web_a, "ada@example.com"), sign_up(web_b, "bob@example.com")
    # Ada's socket is on web A, her requests go to web B; Bob listens on both.
    ada_sock, bob_sock, bob_sock_a = (
        listen(web_a, ada.token),
        listen(web_b, bob.token),
        listen(web_a, bob.token),
    )
    ada = User(web_b, ada.token)
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
        assert not bob_sock.events and not bob_sock_a.events, "another user's sockets receive nothing of it"

        # A re-render runs on the worker too, its clip_updated event reaching the owner.
        clip = ada.get(f"/api/v1/clips?job_id={job_id}")["items"][0]
        response = ada.post(f"/api/v1/clips/{clip['id']}/render", json={"title": "Re-rendered on a worker"})
        assert response.status_code == 202, response.text
        wait_for(
            lambda: any(
                p["id"] == clip["id"] and p["render_status"] == "ready" for p in ada_sock.of("clip_updated")
            ),
            120,
            0.1,
        )
        after = ada.get(f"/api/v1/clips/{clip['id']}")
        assert after["title"] == "Re-rendered on a worker" and after["render_status"] == "ready"
        with app.app_context():
            row = db.session.get(Clip, clip["id"])
            assert row is not None and row.render_version == 1 and "-v1." in row.video_path
        assert not bob_sock.events and not bob_sock_a.events
    finally:
        for sock in (ada_sock, bob_sock, bob_sock_a):
            sock.close()


def _status_event(sock: Any, job_id: str, status: str) -> float | None:
    for at, name, payload in list(sock.events):
        if name == "job_status_changed" and payload.get("id") == job_id and payload.get("status") == status:
            return at
    return None


def test_cancel_stops_the_workers_ffmpeg_within_3_s(cluster: Cluster, media: Talk) -> None:
    web_a, web_b = cluster.web(), cluster.web()
    worker = cluster.worker()
    ada = sign_up(web_b, "ada@example.com")
    job_id = ada.upload(media, SLOW_RENDER)
    wait_for(lambda: ada.job(job_id)["stage"] == "rendering" and ffmpeg_under(worker.pid), 180, 0.05)

    asked = time.monotonic()
    response = User(web_a, ada.token).post(f"/api/v1/jobs/{job_id}/cancel", json={})  # another web process
    assert response.status_code == 200, response.text
    ada.wait_job(job_id, "cancelled", timeout=10)
    took = time.monotonic() - asked
    print(f"\ncancel -> cancelled on the worker: {took:.2f} s")
    assert took < 3.0
    assert not ffmpeg_under(worker.pid), "the worker's ffmpeg process group was killed"
    assert worker.poll() is None, "the worker itself lives on"


def test_m4_a_job_that_keeps_killing_its_worker_ends_failed_after_the_cap(
    cluster: Cluster, media: Talk
) -> None:
    """A job whose worker dies under it every time used to be re-queued forever. With
    WORK_MAX_REDELIVERIES=1 its second death ends it failed, within a stale period or two."""
    web = cluster.web(WORK_MAX_REDELIVERIES="1")
    ada = sign_up(web, "ada@example.com")
    job_id = ada.upload(media, SLOW_RENDER)

    def rendering(attempt: int) -> bool:
        events = [e["message"] or "" for e in ada.get(f"/api/v1/jobs/{job_id}/events")]
        started = f"Processing (attempt {attempt})" in events
        return started and events[-1].startswith("Rendering")

    def kill_its_worker(proc: subprocess.Popen[bytes], attempt: int) -> None:
        wait_for(lambda: rendering(attempt), 180, 0.1)
        cluster.kill(proc)

    kill_its_worker(cluster.worker(WORK_MAX_REDELIVERIES="1"), 1)
    kill_its_worker(cluster.worker(WORK_MAX_REDELIVERIES="1"), 2)  # the first re-delivery, killed too
    killed = time.monotonic()
    cluster.worker(WORK_MAX_REDELIVERIES="1")  # a live worker's sweep finds the second death
    failed = ada.wait_job(job_id, "failed", timeout=60)
    took = time.monotonic() - killed
    print(f"\nsecond death -> failed: {took:.1f} s (stale after {STALE:g} s, cap 1)")
    assert failed["error_message"].startswith("Gave up after 1 attempts")
    assert took < STALE * 2 + 15


def test_kill_9_of_the_worker_resumes_the_job_on_the_other(cluster: Cluster, media: Talk, app: Flask) -> None:
    web = cluster.web()
    workers = {proc.pid: proc for proc in (cluster.worker(), cluster.worker())}
    ada = sign_up(web, "ada@example.com")
    job_id = ada.upload(media, SLOW_RENDER)
    marks = redis.Redis.from_url(cluster.redis_url)

    def runner_pid() -> int | None:
        mark = marks.get(f"viral_clipper:running:job:{job_id}")
        return int(mark.decode().rsplit(":", 1)[1]) if mark else None

    wait_for(
        lambda: ada.job(job_id)["stage"] == "rendering" and (p := runner_pid()) and ffmpeg_under(p), 180, 0.05
    )
    victim = workers.pop(runner_pid() or 0)
    its_ffmpeg = ffmpeg_under(victim.pid)
    victim.send_signal(signal.SIGKILL)  # the worker process alone, mid-render
    killed = time.monotonic()
    victim.wait(10)
    # Its ffmpeg dies with it (PDEATHSIG), instead of writing on under the resumed render.
    wait_for(lambda: not any(_alive(pid) for pid in its_ffmpeg), 10)

    wait_resumed(app, job_id)
    delay = time.monotonic() - killed
    print(
        f"\nkill -9 -> resumed on the other worker: {delay:.1f} s "
        f"(heartbeat {HEARTBEAT:g} s, stale after {STALE:g} s)"
    )
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


def test_priorities_are_honoured_and_queue_position_follows_them(
    cluster: Cluster, media: Talk, app: Flask
) -> None:
    web = cluster.web()
    ada = sign_up(web, "ada@example.com")
    # Queued while no worker runs: the broker holds them, the rows give their positions.
    low, mid, high = (ada.upload(media, FAST_OPTIONS, priority=p) for p in (1, 5, 9))
    assert [ada.job(j)["queue_position"] for j in (high, mid, low)] == [1, 2, 3]
    cluster.worker(concurrency=1)
    for job_id in (low, mid, high):
        ada.wait_job(job_id, "completed")
    with app.app_context():
        started = {j: db.session.get(Job, j).started_at for j in (low, mid, high)}  # type: ignore[union-attr]
    assert sorted(started, key=lambda j: started[j]) == [high, mid, low]


def test_delete_of_a_running_job_waits_for_its_worker(cluster: Cluster, media: Talk, app: Flask) -> None:
    web = cluster.web()
    worker = cluster.worker()
    ada = sign_up(web, "ada@example.com")
    job_id = ada.upload(media, SLOW_RENDER)
    wait_for(lambda: ada.job(job_id)["stage"] == "rendering" and ffmpeg_under(worker.pid), 180, 0.05)
    response = requests.delete(f"{web}/api/v1/jobs/{job_id}", headers=ada.headers, timeout=30)
    assert response.status_code == 204, response.text
    assert not ffmpeg_under(worker.pid), "the worker had stopped before the answer"
    assert requests.get(f"{web}/api/v1/jobs/{job_id}", headers=ada.headers, timeout=30).status_code == 404
    wait_for(lambda: not (cluster.data_dir / "jobs" / job_id).exists(), 10)
    with app.app_context():
        assert db.session.scalar(select(Clip.id).where(Clip.job_id == job_id)) is None
    assert worker.poll() is None


def test_a_publication_runs_on_the_worker(cluster: Cluster, media: Talk, google: GoogleServer) -> None:
    key = Fernet.generate_key().decode()
    cluster.extra_env.update({name.upper(): value for name, value in google.endpoints.items()})
    cluster.extra_env.update(
        {
            "GOOGLE_CLIENT_ID": google.state.client_id,
            "GOOGLE_CLIENT_SECRET": google.state.client_secret,
            "TOKEN_ENCRYPTION_KEY": key,
            "OAUTHLIB_INSECURE_TRANSPORT": "1",  # the emulator is plain HTTP
        }
    )
    web = cluster.web()
    cluster.worker()
    ada = sign_up(web, "ada@example.com")
    url = ada.post("/api/v1/youtube/connect").json()["authorization_url"]
    back = consent(url)
    assert ada.post("/api/v1/youtube/callback", json={"code": back["code"], "state": back["state"]}).ok
    sock = listen(web, ada.token)
    try:
        job_id = ada.upload(media, FAST_OPTIONS)
        ada.wait_job(job_id, "completed")
        clip = ada.get(f"/api/v1/clips?job_id={job_id}")["items"][0]
        answer = ada.post(f"/api/v1/clips/{clip['id']}/publish", json={"privacy_status": "private"})
        assert answer.status_code == 202, answer.text
        pub_id = answer.json()["id"]
        pub = wait_for(
            lambda: (p := ada.get(f"/api/v1/publications/{pub_id}"))["status"]
            in {"published", "failed", "cancelled"}
            and p,
            120,
            0.2,
        )
        assert pub["status"] == "published", pub
        uploaded = google.state.videos[pub["youtube_video_id"]].data
        video = requests.get(web + clip["assets"]["video_url"], headers=ada.headers, timeout=30).content
        assert uploaded == video
        assert sock.of("publication_progress") and sock.of("publication_updated")
    finally:
        sock.close()


def test_duplicate_deliveries_are_no_ops(cluster: Cluster, media: Talk, app: Flask) -> None:
    """A message delivered again (Redis's visibility timeout, a sweep racing a re-delivery) for an
    item running elsewhere or already done changes nothing: the claims are conditional UPDATEs."""
    web = cluster.web()
    cluster.worker(concurrency=2)
    ada = sign_up(web, "ada@example.com")
    dispatcher = app.extensions["job_manager"]
    job_id = ada.upload(media, FAST_OPTIONS)
    ada.wait_job(job_id, "processing", "completed")
    dispatcher.submit("job", job_id, 5)  # while it runs: the other pool slot gets it
    done = ada.wait_job(job_id, "completed")
    dispatcher.submit("job", job_id, 5)  # once it is done
    later = ada.upload(media, FAST_OPTIONS)  # queued behind the duplicates: they are consumed first
    ada.wait_job(later, "completed")

    events = [e["message"] or "" for e in ada.get(f"/api/v1/jobs/{job_id}/events")]
    assert sum(m.startswith("Processing (attempt") for m in events) == 1, events
    with app.app_context():
        job = db.session.get(Job, job_id)
        rows = list(db.session.scalars(select(Clip).where(Clip.job_id == job_id)))
    assert job is not None and job.attempt == 1 and job.status == "completed"
    assert len(rows) == done["clip_count"]
    files = sorted(p.name for p in (cluster.data_dir / "jobs" / job_id / "clips").glob("*.mp4"))
    assert files == sorted(Path(row.video_path).name for row in rows)
