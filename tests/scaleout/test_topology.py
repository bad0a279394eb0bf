"""The multi-host topology on one machine (issue 12's acceptance): two gunicorn web processes on
different ports and two Celery workers, with Redis, PostgreSQL and a real S3 server (SeaweedFS).

Every process gets a DATA_DIR of its own, as if each ran on its own host: the only things they
share are the database, Redis and the bucket. So a clip served by web A after a worker rendered
it can only have come from the bucket, and a job resumed by the second worker can only have
found the first one's finished stages there.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import requests
from flask import Flask
from sqlalchemy import select

from backend.extensions import db
from backend.models import Clip
from backend.services.objects import ObjectStore, job_prefix
from tests.jobs.helpers import FAST_OPTIONS, wait_for
from tests.media import Talk
from tests.scaleout.cluster import HEARTBEAT, STALE, Cluster, User, _up, free_port, listen, sign_up
from tests.scaleout.conftest import wait_resumed
from tests.scaleout.test_celery import SLOW_RENDER, ffmpeg_under
from tests.storage import weed

pytestmark = pytest.mark.slow
BUCKET = "viral-clipper-topology"


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        with weed.seaweedfs(tmp_path_factory.mktemp("topology-s3")) as endpoint:
            yield endpoint
    except weed.WeedError as exc:
        pytest.fail(str(exc))


@dataclass
class Hosts(Cluster):
    """The Cluster of tests/scaleout with a host (its own DATA_DIR) per process and S3 storage."""

    s3: dict[str, str] = field(default_factory=dict)

    def _spawn(self, argv: list[str], host: str) -> subprocess.Popen[bytes]:
        folder = self.data_dir.parent / host
        folder.mkdir(exist_ok=True)
        log = self.data_dir.parent / f"{host}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            env = {**self.env(), **self.s3, "DATA_DIR": str(folder)}
            cwd = self.data_dir.parent  # outside the repository: no developer's .env is read
            proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def gunicorn(self, host: str) -> str:
        """A web process as production runs it (Dockerfile's command), on a port of its own."""
        port = free_port()
        self._spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-k",
                "gthread",
                "-w",
                "1",
                "--threads",
                "16",
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "0",
                "backend.wsgi:app",
            ],
            host,
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _up(base), timeout=90, step=0.2)
        return base

    def worker_on(self, host: str) -> subprocess.Popen[bytes]:
        client = redis.Redis.from_url(self.redis_url)
        before = len(list(client.scan_iter(match="viral_clipper:worker:*")))
        proc = self._spawn([sys.executable, "-m", "backend", "worker", "--concurrency", "1"], host)
        wait_for(lambda: len(list(client.scan_iter(match="viral_clipper:worker:*"))) > before, 90, 0.2)
        return proc

    def host_dir(self, host: str) -> Path:
        return self.data_dir.parent / host


@pytest.fixture
def hosts(app: Flask, template_db: str, tmp_path: Path, redis_url: str, s3_endpoint: str) -> Iterator[Hosts]:
    config = weed.s3_config(s3_endpoint, BUCKET)
    ObjectStore(config).create_bucket()
    (tmp_path / "data").mkdir(exist_ok=True)
    s3 = {
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_BUCKET": BUCKET,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": weed.ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": weed.SECRET_KEY,
    }
    running = Hosts(tmp_path / "data", template_db, redis_url, s3=s3)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def bucket(s3_endpoint: str) -> ObjectStore:
    return ObjectStore(weed.s3_config(s3_endpoint, BUCKET))


def _runner_pid(hosts: Hosts, job_id: str) -> int | None:
    mark = redis.Redis.from_url(hosts.redis_url).get(f"viral_clipper:running:job:{job_id}")
    return int(mark.decode().rsplit(":", 1)[1]) if mark else None


def _clip_files(app: Flask, job_id: str) -> set[str]:
    """Every file the job's clip rows name, as bucket keys."""
    with app.app_context():
        db.session.expire_all()
        rows = list(db.session.scalars(select(Clip).where(Clip.job_id == job_id)))
    paths = [
        p
        for row in rows
        for p in (row.video_path, row.thumbnail_path, row.captions_srt_path, row.captions_vtt_path)
        if p
    ]
    return {job_prefix(job_id) + p for p in paths}


def _bucket_clips(bucket: ObjectStore, job_id: str) -> set[str]:
    return {o.key for o in bucket.list_prefix(job_prefix(job_id) + "clips/")}


def test_two_gunicorn_webs_two_workers_events_isolation_media_and_cancel(
    hosts: Hosts, media: Talk, app: Flask, bucket: ObjectStore
) -> None:
    web_a, web_b = hosts.gunicorn("web-a"), hosts.gunicorn("web-b")
    workers = [hosts.worker_on("worker-1"), hosts.worker_on("worker-2")]
    ada, bob = sign_up(web_a, "ada@example.com"), sign_up(web_b, "bob@example.com")
    ada_on_a = listen(web_a, ada.token)
    bob_on_a, bob_on_b = listen(web_a, bob.token), listen(web_b, bob.token)
    try:
        # Created through web B, run on a worker, watched from web A.
        job_id = User(web_b, ada.token).upload(media, FAST_OPTIONS)
        wait_for(lambda: ada_on_a.of("job_completed", job_id), 240, 0.1)
        assert ada_on_a.of("job_progress", job_id), "progress reached web A's socket"
        statuses = [p["status"] for p in ada_on_a.of("job_status_changed", job_id)]
        assert statuses[0] == "queued" and "processing" in statuses and statuses[-1] == "completed"
        assert not bob_on_a.events and not bob_on_b.events, "no other user's socket, on either process"

        # Web A never saw the files (they are on a worker's disk and in the bucket): it streams them.
        keys = _clip_files(app, job_id)
        assert keys and keys == _bucket_clips(bucket, job_id)
        assert not (hosts.host_dir("web-a") / "jobs" / job_id).exists()
        clip = ada.get(f"/api/v1/clips?job_id={job_id}")["items"][0]
        url = web_a + clip["assets"]["video_url"]
        video = requests.get(url, headers=ada.headers, timeout=30)
        with app.app_context():
            row = db.session.get(Clip, clip["id"])
            assert row is not None and row.video_path
            key = job_prefix(job_id) + row.video_path
        stored = bucket.open_range(key, 0, 99)
        assert stored is not None
        head, size = b"".join(stored.chunks()), stored.obj.size
        assert video.status_code == 200 and len(video.content) == size and video.content[:100] == head
        part = requests.get(url, headers={**ada.headers, "Range": "bytes=0-99"}, timeout=30)
        assert part.status_code == 206 and part.content == head

        # Cancel from web A of a job rendering on whichever worker took it.
        slow = User(web_b, ada.token).upload(media, SLOW_RENDER)
        wait_for(
            lambda: ada.job(slow)["stage"] == "rendering"
            and (p := _runner_pid(hosts, slow))
            and ffmpeg_under(p),
            240,
            0.05,
        )
        runner = _runner_pid(hosts, slow)
        asked = time.monotonic()
        assert ada.post(f"/api/v1/jobs/{slow}/cancel", json={}).status_code == 200
        ada.wait_job(slow, "cancelled", timeout=10)
        took = time.monotonic() - asked
        print(f"\ncancel from web A -> cancelled on worker pid {runner}: {took:.2f} s")
        assert took < 3.0
        assert runner is not None and not ffmpeg_under(runner), "no ffmpeg left on that worker"
        assert all(w.poll() is None for w in workers)
        assert not bob_on_a.events and not bob_on_b.events
    finally:
        for sock in (ada_on_a, bob_on_a, bob_on_b):
            sock.close()


def test_kill_9_mid_render_resumes_on_the_other_host_without_duplicates_or_orphans(
    hosts: Hosts, media: Talk, app: Flask, bucket: ObjectStore
) -> None:
    web = hosts.gunicorn("web-a")
    workers = {p.pid: p for p in (hosts.worker_on("worker-1"), hosts.worker_on("worker-2"))}
    ada = sign_up(web, "ada@example.com")
    job_id = ada.upload(media, SLOW_RENDER)
    wait_for(
        lambda: ada.job(job_id)["stage"] == "rendering"
        and (p := _runner_pid(hosts, job_id))
        and ffmpeg_under(p),
        240,
        0.05,
    )
    victim = workers.pop(_runner_pid(hosts, job_id) or 0)
    victim.send_signal(signal.SIGKILL)  # mid-render, as when its host dies
    killed = time.monotonic()
    victim.wait(10)

    wait_resumed(app, job_id)
    delay = time.monotonic() - killed
    print(
        f"\nkill -9 mid-render -> resumed on the other host: {delay:.1f} s "
        f"(heartbeat {HEARTBEAT:g} s, stale after {STALE:g} s)"
    )
    done = ada.wait_job(job_id, "completed", timeout=300)

    with app.app_context():
        rows = list(db.session.scalars(select(Clip).where(Clip.job_id == job_id)))
    assert len(rows) == done["clip_count"] >= 1
    assert len({row.rank for row in rows}) == len(rows), "no duplicate clips"
    assert _bucket_clips(bucket, job_id) == _clip_files(app, job_id), "no orphaned clip objects"
    # Every stage's files came from the bucket to the second host: nothing half-written is stored.
    keys = [o.key for o in bucket.list_prefix(job_prefix(job_id))]
    assert not [k for k in keys if k.endswith((".part", ".tmp"))], keys
    assert all(p.poll() is None for p in workers.values())
    # Deleting the job takes its objects with it.
    assert requests.delete(f"{web}/api/v1/jobs/{job_id}", headers=ada.headers, timeout=30).status_code == 204
    assert bucket.list_prefix(job_prefix(job_id)) == []
