"""Jobs with STORAGE_BACKEND=s3 against a real S3 server (SeaweedFS): the pipeline stores into
the bucket, media are streamed from it with Range, a stage resumes on an empty local disk, and
delete and the TTL clean-up leave no objects behind."""

from __future__ import annotations

import shutil
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.api.common import CONFIG_KEY
from backend.config import Config
from backend.extensions import db
from backend.models import Job, utcnow
from backend.pipeline.context import JobContext
from backend.pipeline.errors import AnalysisError
from backend.pipeline.options import JobOptions
from backend.pipeline.processor import VideoProcessor
from backend.pipeline.stages import build_stages
from backend.pipeline.stages.base import PipelineState, Stage
from backend.services import cache, storage
from backend.services.objects import ObjectStore, job_key, job_prefix
from backend.work.threads import JobManager
from tests.conftest import register
from tests.jobs.helpers import upload, wait_for, wait_status
from tests.jobs.test_retry import attempts
from tests.media import Talk

STAGE_RECORDS = {
    f".stages/{s}.json" for s in ("downloading", "transcribing", "analyzing", "rendering", "finalizing")
}


def _objects(store: ObjectStore, job_id: str) -> dict[str, int]:
    return {obj.key[len(job_prefix(job_id)) :]: obj.size for obj in store.list_prefix(job_prefix(job_id))}


def _object_bytes(store: ObjectStore, job_id: str, relative: str, tmp: Any) -> bytes:
    target = tmp / relative.replace("/", "_")
    assert store.fetch(job_key(job_id, relative), target)
    return target.read_bytes()


def _config(app: Flask) -> Config:
    config: Config = app.extensions[CONFIG_KEY]
    return config


def _run_job(client: FlaskClient, headers: dict[str, str], media: Talk) -> tuple[str, dict[str, Any]]:
    created = upload(client, headers, media)
    assert created.status_code == 201, created.get_json()
    job_id = created.get_json()["id"]
    done = wait_status(client, headers, job_id, "completed", "failed", timeout=240)
    assert done["status"] == "completed", done.get("error_message")
    return job_id, done


def test_a_job_completes_into_the_bucket_and_its_media_stream_from_it(
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    manager: JobManager,
    media: Talk,
    store: ObjectStore,
    tmp_path: Any,
) -> None:
    job_id, done = _run_job(client, auth_headers, media)
    stored = _objects(store, job_id)
    assert {
        "source/upload/garden_talk.mp4",
        "source/captions.vtt",
        "transcript.json",
        "analysis.json",
        "result.json",
    } <= set(stored)
    assert set(stored) >= STAGE_RECORDS
    clips = client.get(f"/api/v1/clips?job_id={job_id}", headers=auth_headers).get_json()["items"]
    assert clips and len(clips) == done["clip_count"]
    for n in range(1, len(clips) + 1):
        assert {f"clips/clip_{n:02d}{ext}" for ext in (".mp4", ".jpg", ".srt", ".vtt")} <= set(stored)
    with app.app_context():  # the bucket's bytes, not a cache's
        assert db.session.get(Job, job_id).storage_bytes == sum(stored.values())  # type: ignore[union-attr]

    # The web process needs no local copy: wipe it, then serve from the bucket.
    shutil.rmtree(storage.job_dir(_config(app), job_id))
    expected = _object_bytes(store, job_id, "clips/clip_01.mp4", tmp_path)
    video = f"/api/v1/clips/{clips[0]['id']}/video"
    whole = client.get(video, headers=auth_headers)
    assert whole.status_code == 200 and whole.data == expected
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.mimetype == "video/mp4"

    part = client.get(video, headers={**auth_headers, "Range": "bytes=100-1099"})
    assert part.status_code == 206 and part.data == expected[100:1100]
    assert part.headers["Content-Range"] == f"bytes 100-1099/{len(expected)}"
    tail = client.get(video, headers={**auth_headers, "Range": "bytes=-500"})
    assert tail.status_code == 206 and tail.data == expected[-500:]
    beyond = client.get(video, headers={**auth_headers, "Range": f"bytes={len(expected) + 10}-"})
    assert beyond.status_code == 416
    etag = whole.headers["ETag"]
    assert client.get(video, headers={**auth_headers, "If-None-Match": etag}).status_code == 304
    other = client.get(video, headers={**auth_headers, "Range": "bytes=0-9", "If-Range": '"another-version"'})
    assert other.status_code == 200 and other.data == expected  # a changed file: the whole new one
    head = client.head(video, headers=auth_headers)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(expected)) and not head.data
    download = client.get(video + "?download=1", headers=auth_headers)
    assert download.headers["Content-Disposition"].startswith("attachment")

    thumb = client.get(f"/api/v1/clips/{clips[0]['id']}/thumbnail", headers=auth_headers)
    assert thumb.status_code == 200 and thumb.data == _object_bytes(
        store, job_id, "clips/clip_01.jpg", tmp_path
    )
    transcript = client.get(f"/api/v1/jobs/{job_id}/transcript", headers=auth_headers)
    assert transcript.status_code == 200 and transcript.get_json()["segments"]
    assert not storage.job_dir(_config(app), job_id).joinpath("clips").exists()  # streamed, not cached

    # Deleting the job deletes its objects.
    assert client.delete(f"/api/v1/jobs/{job_id}", headers=auth_headers).status_code == 204
    assert _objects(store, job_id) == {}


class FailFirstTime:
    """Fails the first run of its stage in this process, whatever the disk holds (a worker that
    crashed there); later runs work."""

    failed: set[str] = set()

    def __init__(self, inner: Stage) -> None:
        self.inner, self.name = inner, inner.name

    def run(self, ctx: JobContext, state: PipelineState) -> dict[str, Any]:
        if ctx.job_id not in self.failed:
            self.failed.add(ctx.job_id)
            raise AnalysisError("The worker stopped here")
        return self.inner.run(ctx, state)

    def restore(self, ctx: JobContext, state: PipelineState, record: dict[str, Any]) -> bool:
        return self.inner.restore(ctx, state, record)


def test_a_stage_resumes_on_an_empty_local_disk_from_the_bucket(
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    manager: JobManager,
    media: Talk,
    store: ObjectStore,
) -> None:
    def factory(config: Config) -> VideoProcessor:
        stages = [FailFirstTime(s) if s.name == "analyzing" else s for s in build_stages(JobOptions())]
        return VideoProcessor(config, stages=stages)

    manager.factory = factory
    job_id = upload(client, auth_headers, media).get_json()["id"]
    failed = wait_status(client, auth_headers, job_id, "failed", "completed", timeout=240)
    assert failed["status"] == "failed"
    stored = set(_objects(store, job_id))
    assert {".stages/downloading.json", ".stages/transcribing.json", "transcript.json"} <= stored
    assert ".stages/analyzing.json" not in stored

    # Another worker, with nothing on its disk: the whole local folder is gone.
    shutil.rmtree(storage.job_dir(_config(app), job_id))
    assert client.post(f"/api/v1/jobs/{job_id}/retry", json={}, headers=auth_headers).status_code == 200
    done = wait_status(client, auth_headers, job_id, "completed", "failed", timeout=240)
    assert done["status"] == "completed", done.get("error_message")
    second = attempts(client.get(f"/api/v1/jobs/{job_id}/events", headers=auth_headers).get_json())[-1]
    assert ("stage_skipped", "downloading") in second and ("stage_skipped", "transcribing") in second
    assert ("stage_completed", "analyzing") in second and ("stage_completed", "rendering") in second
    assert set(_objects(store, job_id)) >= STAGE_RECORDS


@pytest.fixture
def small_cache(config_overrides: dict[str, Any]) -> dict[str, Any]:
    config_overrides["storage_cache_bytes"] = 0  # every idle file is evicted at once
    return config_overrides


def test_the_cache_bound_is_kept_and_never_evicts_a_running_job(
    small_cache: dict[str, Any],
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    manager: JobManager,
    media: Talk,
    store: ObjectStore,
) -> None:
    """With a bound of 0 every stage's trim would evict the job's inputs if it could: the job
    still completes (its files are locked while it runs), and once it ends nothing is kept."""
    job_id, done = _run_job(client, auth_headers, media)
    assert done["clip_count"] >= 1
    wait_for(lambda: cache.cached_bytes(_config(app)) == 0, timeout=30)  # the trim after the job's end
    assert "clips/clip_01.mp4" in _objects(store, job_id)


def test_trim_evicts_least_recently_used_files_of_idle_jobs(tmp_path: Any) -> None:
    import os

    config = Config(data_dir=tmp_path, storage_backend="s3", s3_bucket="unused", storage_cache_bytes=2500)
    ids = ["00000000-0000-4000-8000-00000000000" + str(n) for n in range(3)]
    for age, job_id in enumerate(ids):
        path = storage.job_dir(config, job_id) / "clips" / "clip_01.mp4"
        path.parent.mkdir(parents=True)
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1_000_000 + age, 1_000_000 + age))  # ids[0] least recently used
    with cache.in_use(config, ids[0]):  # running: never evicted, though the oldest
        assert cache.trim(config) == 1000
    remaining = {job_id for job_id in ids if (storage.job_dir(config, job_id) / "clips/clip_01.mp4").exists()}
    assert remaining == {ids[0], ids[2]}  # ids[1]: the oldest idle file went
    assert cache.cached_bytes(config) <= 2500


def _stored_job(
    app: Flask, store: ObjectStore, tmp_path: Any, user_id: str, status: str, hours_ago: float
) -> str:
    with app.app_context():
        job = Job(
            user_id=user_id,
            source_type="upload",
            status=status,
            storage_bytes=3,
            completed_at=utcnow() - timedelta(hours=hours_ago),
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    (tmp_path / "clip.mp4").write_bytes(b"mp4")
    store.put_file(tmp_path / "clip.mp4", job_key(job_id, "clips/clip_01.mp4"))
    return job_id


def test_the_ttl_clean_up_removes_expired_and_orphaned_objects(
    app: Flask, client: FlaskClient, store: ObjectStore, tmp_path: Any
) -> None:
    user_id = register(client)["id"]
    expired = _stored_job(app, store, tmp_path, user_id, "failed", 100)
    recent = _stored_job(app, store, tmp_path, user_id, "failed", 1)
    completed = _stored_job(app, store, tmp_path, user_id, "completed", 500)
    orphan = "11111111-2222-4333-8444-555555555555"  # objects, no row (a crash mid-delete)
    store.put_file(tmp_path / "clip.mp4", job_key(orphan, "clips/clip_01.mp4"))

    with app.app_context():
        removed = app.extensions["job_lifecycle"].expire(timedelta(hours=72))
    assert removed == [expired]
    assert _objects(store, expired) == {}
    assert _objects(store, recent) and _objects(store, completed)
    assert _objects(store, orphan)  # just written: it may be an upload whose row is being created

    with app.app_context():  # once older than the TTL, the orphan goes; rows' objects stay
        app.extensions["job_lifecycle"].expire(timedelta(seconds=0.001))
    assert _objects(store, orphan) == {}
    assert _objects(store, completed)


def test_a_rerender_on_an_empty_disk_stores_its_version_and_drops_the_old_objects(
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    manager: JobManager,
    media: Talk,
    store: ObjectStore,
    tmp_path: Any,
) -> None:
    job_id, _done = _run_job(client, auth_headers, media)
    clip = client.get(f"/api/v1/clips?job_id={job_id}", headers=auth_headers).get_json()["items"][0]
    shutil.rmtree(storage.job_dir(_config(app), job_id))  # the worker re-rendering it has no copy

    wanted = {"start_time": clip["start_time"] + 1.0, "end_time": clip["end_time"] - 1.0}
    response = client.post(f"/api/v1/clips/{clip['id']}/render", json=wanted, headers=auth_headers)
    assert response.status_code == 202, response.get_json()
    after = wait_for(
        lambda: (c := client.get(f"/api/v1/clips/{clip['id']}", headers=auth_headers).get_json())[
            "render_status"
        ]
        not in ("queued", "rendering")
        and c,
        timeout=180,
    )
    assert after["render_status"] == "ready", after["render_error"]
    clip_objects = {k for k in _objects(store, job_id) if k.startswith("clips/clip_01")}
    assert clip_objects == {f"clips/clip_01-v1{ext}" for ext in (".mp4", ".jpg", ".srt", ".vtt")}
    served = client.get(f"/api/v1/clips/{clip['id']}/video", headers=auth_headers)
    assert served.status_code == 200 and served.data == _object_bytes(
        store, job_id, "clips/clip_01-v1.mp4", tmp_path
    )

    # What the YouTube uploader does first: the clip file, fetched to the local cache when missing.
    shutil.rmtree(storage.job_dir(_config(app), job_id))
    local = storage.resolve_in_job(_config(app), job_id, "clips/clip_01-v1.mp4")
    assert local.read_bytes() == served.data
