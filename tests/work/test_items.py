"""Work items of one shape (backend/work/): the review's findings on jobs and re-renders, each a
test that failed on the code before the reshape. Real jobs on the generated talk, real rows."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.api.common import CONFIG_KEY
from backend.extensions import db
from backend.models import Clip, Job, JobStatus, RenderStatus, utcnow
from backend.services import storage
from backend.work import chores
from backend.work.kinds import Kind
from backend.work.threads import JobManager
from tests.jobs.helpers import FAST_OPTIONS, job, upload, wait_for, wait_status
from tests.jobs.stages import Stalled, processor_with
from tests.media import Talk


def _clips(client: FlaskClient, headers: dict[str, str], job_id: str) -> list[dict[str, Any]]:
    return list(job(client, headers, job_id)["clips"])


def test_h1_deleting_another_users_running_job_id_as_a_clip_cancels_nothing(
    client: FlaskClient,
    auth_headers: dict[str, str],
    other_headers: dict[str, str],
    manager: JobManager,
    media: Talk,
) -> None:
    """DELETE /clips/{id} used to cancel whatever ran under that id (a bare key) before it
    checked the owner: another user could stop any job by naming its id as a clip."""
    manager.factory = processor_with("transcribing", Stalled)
    job_id = upload(client, auth_headers, media).get_json()["id"]
    wait_for(lambda: job(client, auth_headers, job_id)["stage"] == "transcribing", 60)
    answer = client.delete(f"/api/v1/clips/{job_id}", headers=other_headers)
    assert answer.status_code == 404
    time.sleep(0.5)
    row = job(client, auth_headers, job_id)
    assert row["status"] == "processing" and row["stage"] == "transcribing"
    assert manager.running.get(Kind.JOB, job_id) is not None
    assert not manager.running.get(Kind.JOB, job_id).token.cancelled  # type: ignore[union-attr]
    client.post(f"/api/v1/jobs/{job_id}/cancel", headers=auth_headers, json={})


def test_h1_deleting_another_users_rerendering_clip_cancels_nothing(
    client: FlaskClient,
    auth_headers: dict[str, str],
    other_headers: dict[str, str],
    manager: JobManager,
    media: Talk,
) -> None:
    job_id = upload(client, auth_headers, media).get_json()["id"]
    clip = _clips(client, auth_headers, wait_status(client, auth_headers, job_id, "completed")["id"])[0]
    url = f"/api/v1/clips/{clip['id']}"
    assert client.post(f"{url}/render", headers=auth_headers, json={"layout": "fit"}).status_code == 202
    assert client.delete(url, headers=other_headers).status_code == 404
    busy = ("queued", "rendering")
    ended = wait_for(
        lambda: (c := client.get(url, headers=auth_headers).get_json())["render_status"] not in busy and c
    )
    assert ended["render_status"] == "ready", ended["render_error"]


def test_h1_a_cancel_names_its_kind(manager: JobManager) -> None:
    """Two items of different kinds under one id: cancelling one leaves the other running."""
    job_item = manager.running.enter(Kind.JOB, "same-id")
    render_item = manager.running.enter(Kind.RENDER, "same-id")
    assert job_item is not None and render_item is not None
    manager.cancel(Kind.RENDER, "same-id", wait=0)
    assert render_item.token.cancelled and not job_item.token.cancelled
    manager.running.leave(Kind.JOB, "same-id")
    manager.running.leave(Kind.RENDER, "same-id")


@pytest.fixture
def config_overrides(config_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**config_overrides, "max_active_jobs_per_user": 2}


def test_m5_rerenders_count_toward_the_active_limit_and_queue_at_the_jobs_priority(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str], media: Talk, manager: JobManager
) -> None:
    job_id = upload(client, auth_headers, media, priority=3).get_json()["id"]
    clips = _clips(client, auth_headers, wait_status(client, auth_headers, job_id, "completed")["id"])
    manager.stop()  # nothing runs from here on: what is queued stays queued
    for clip in clips[:2]:
        answer = client.post(
            f"/api/v1/clips/{clip['id']}/render", headers=auth_headers, json={"layout": "fit"}
        )
        assert answer.status_code == 202, answer.get_json()
    # Two re-renders are in flight: a new job is over the limit of 2 (it used to pass).
    refused = upload(client, auth_headers, media)
    assert refused.status_code == 429, refused.get_json()
    assert "re-renders" in refused.get_json()["error"]["message"]
    # They queue at their job's priority (3), not ahead of everything (10).
    queued = sorted(manager._heap)
    assert [(entry.kind, -entry.sort_key[0]) for entry in queued][-2:] == [("render", 3), ("render", 3)]


def test_m5_a_queued_job_counts_the_rerenders_queued_ahead_of_it(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str], media: Talk, manager: JobManager
) -> None:
    job_id = upload(client, auth_headers, media, priority=8).get_json()["id"]
    clip = _clips(client, auth_headers, wait_status(client, auth_headers, job_id, "completed")["id"])[0]
    manager.stop()
    client.post(f"/api/v1/clips/{clip['id']}/render", headers=auth_headers, json={"layout": "fit"})
    later = upload(client, auth_headers, media, priority=5).get_json()
    assert later["queue_position"] == 2  # behind the re-render at priority 8


def test_m4_a_nul_in_uploaded_captions_never_reaches_the_database(
    client: FlaskClient, auth_headers: dict[str, str], manager: JobManager, media: Talk, tmp_path: Path
) -> None:
    """PostgreSQL refuses a NUL: the job could not record its end and stayed `processing`."""
    vtt = media.vtt.read_text(encoding="utf-8").replace("garden", "gar\x00den\x07")
    poisoned = tmp_path / "poisoned.vtt"
    poisoned.write_text(vtt, encoding="utf-8")
    data = {
        "file": (media.video.open("rb"), "talk.mp4"),
        "captions": (poisoned.open("rb"), "talk.vtt"),
        "options": __import__("json").dumps(FAST_OPTIONS),
    }
    created = client.post("/api/v1/jobs", headers=auth_headers, data=data, content_type="multipart/form-data")
    assert created.status_code == 201, created.get_json()
    detail = wait_status(client, auth_headers, created.get_json()["id"], "completed", "failed", timeout=120)
    assert detail["status"] == "completed", detail["error_message"]
    transcript = client.get(f"/api/v1/jobs/{detail['id']}/transcript", headers=auth_headers).get_json()
    assert "\x00" not in transcript["text"] and "\x07" not in transcript["text"]
    assert "garden" in transcript["text"]


def test_m4_work_whose_end_cannot_be_recorded_ends_failed_with_a_sentence(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str], manager: JobManager, media: Talk
) -> None:
    """Any exception that escapes a kind's own handling (here: the end's commit fails) ends the
    item failed with a message a user can act on, never stuck running, never raw exception text."""

    def broken_complete(job_id: str, result: Any, attempt: int | None = None) -> None:
        raise RuntimeError("secret internals: /srv/data/jobs/... psycopg2 ...")

    manager.lifecycle.complete = broken_complete  # type: ignore[method-assign]
    job_id = upload(client, auth_headers, media).get_json()["id"]
    detail = wait_status(client, auth_headers, job_id, "completed", "failed", timeout=120)
    assert detail["status"] == "failed"
    assert detail["error_message"].startswith("An internal error stopped this job")
    assert "secret" not in detail["error_message"]


def test_m4_an_item_whose_worker_keeps_dying_ends_failed_after_the_cap(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str]
) -> None:
    """Each release of a dead worker's item counts; past WORK_MAX_REDELIVERIES it ends failed
    (it used to be re-queued forever)."""
    config = app.extensions[CONFIG_KEY]
    user_id = client.get("/api/v1/auth/me", headers=auth_headers).get_json()["user"]["id"]
    lifecycle = app.extensions["job_lifecycle"]
    with app.app_context():
        row = Job(user_id=user_id, source_type="upload", status="queued", options={})
        db.session.add(row)
        db.session.commit()
        job_id = row.id
        outcomes = []
        for _ in range(config.work_max_redeliveries + 1):
            assert lifecycle.claim(job_id) is not None
            outcomes.append(lifecycle.release(job_id, utcnow() + timedelta(seconds=1)))
            db.session.expire_all()
            if db.session.get(Job, job_id).status != JobStatus.QUEUED.value:
                break
        final = db.session.get(Job, job_id)
        assert outcomes == [True] * config.work_max_redeliveries + [False]
        assert final.status == JobStatus.FAILED.value
        assert final.error_message.startswith(f"Gave up after {config.work_max_redeliveries} attempts")


def test_m6_every_host_drops_the_files_of_deleted_jobs_promptly(app: Flask, client: FlaskClient) -> None:
    """With a bucket, a job deleted through another process left its cached files on this
    host until the TTL (72 h); the per-host chore removes them within a minute."""
    config = app.extensions[CONFIG_KEY]
    gone = storage.job_dir(config, "0b9a4f0e-0000-4000-8000-00000000dead")
    (gone / "clips").mkdir(parents=True)
    (gone / "clips" / "clip_01.mp4").write_bytes(b"x" * 1000)
    old = time.time() - 2 * chores.DELETED_GRACE.total_seconds()
    os.utime(gone, (old, old))
    fresh = storage.job_dir(config, "0b9a4f0e-0000-4000-8000-00000000f00d")
    fresh.mkdir(parents=True)  # too young: may be an upload whose row is being created
    drop = next(c for c in chores.for_process(app, config, app.extensions["job_lifecycle"]) if c.per_host)
    drop.task()
    assert not gone.exists() and fresh.exists()


def test_a_rerender_is_claimed_once_and_fenced_by_its_attempt(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str], media: Talk, manager: JobManager
) -> None:
    """A re-render run whose worker was taken for dead records nothing over the next run."""
    job_id = upload(client, auth_headers, media).get_json()["id"]
    clip = _clips(client, auth_headers, wait_status(client, auth_headers, job_id, "completed")["id"])[0]
    manager.stop()
    client.post(f"/api/v1/clips/{clip['id']}/render", headers=auth_headers, json={"layout": "fit"})
    kind = manager.kinds[Kind.RENDER]
    with app.app_context():
        first = kind.claim(clip["id"])
        db.session.commit()
        assert first is not None and first.render_attempt == 1
        assert kind.claim(clip["id"]) is None  # taken
        assert kind.release(clip["id"], utcnow() + timedelta(seconds=1))
        second = kind.claim(clip["id"])
        db.session.commit()
        assert second is not None and second.render_attempt == 2
        assert kind.end(clip["id"], 1, RenderStatus.FAILED.value, render_error="old run") is None
        assert kind.end(clip["id"], 2, RenderStatus.FAILED.value, render_error="new run") is not None
        db.session.commit()
        assert db.session.get(Clip, clip["id"]).render_error == "new run"


def test_concurrent_rerender_requests_queue_one(
    client: FlaskClient, auth_headers: dict[str, str], media: Talk, manager: JobManager
) -> None:
    job_id = upload(client, auth_headers, media).get_json()["id"]
    clip = _clips(client, auth_headers, wait_status(client, auth_headers, job_id, "completed")["id"])[0]
    manager.stop()

    def render() -> int:
        url = f"/api/v1/clips/{clip['id']}/render"
        return int(client.post(url, headers=auth_headers, json={"layout": "fit"}).status_code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = sorted(pool.map(lambda _: render(), range(8)))
    assert codes.count(202) == 1 and codes.count(409) == 7, codes
