"""The job state machine through the API (no worker running unless a test starts one)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.config import Config
from backend.pipeline.context import JobContext
from backend.pipeline.errors import PipelineError
from backend.pipeline.result import PipelineResult
from backend.work.threads import JobManager
from tests.jobs.helpers import FAST_OPTIONS, job, upload, wait_for, wait_status
from tests.media import Talk

YOUTUBE = "https://youtu.be/dQw4w9WgXcQ?t=3"


def create_url_job(client: FlaskClient, headers: dict[str, str], priority: int = 5) -> dict[str, Any]:
    response = client.post(
        "/api/v1/jobs", json={"source_url": YOUTUBE, "priority": priority}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def test_create_youtube_job_is_canonical_and_queued(
    client: FlaskClient, auth_headers: dict[str, str]
) -> None:
    body = create_url_job(client, auth_headers)
    assert body["source_url"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert body["source_type"] == "youtube"
    assert body["thumbnail_url"] == "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"
    assert body["status"] == "queued" and body["stage"] is None and body["queue_position"] == 1
    assert body["options"]["criteria"] and "file" not in json.dumps(body)
    listing = client.get("/api/v1/jobs", headers=auth_headers).get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == body["id"]


def test_illegal_transitions_are_409(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    job_id = create_url_job(client, auth_headers)["id"]
    assert client.post(f"/api/v1/jobs/{job_id}/retry", json={}, headers=auth_headers).status_code == 409
    cancelled = client.post(f"/api/v1/jobs/{job_id}/cancel", json={"reason": "typo"}, headers=auth_headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    again = client.post(f"/api/v1/jobs/{job_id}/cancel", json={}, headers=auth_headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    retried = client.post(f"/api/v1/jobs/{job_id}/retry", json={}, headers=auth_headers)
    assert retried.status_code == 200 and retried.get_json()["status"] == "queued"
    assert client.post(f"/api/v1/jobs/{job_id}/retry", json={}, headers=auth_headers).status_code == 409
    assert client.get(f"/api/v1/jobs/{job_id}/transcript", headers=auth_headers).status_code == 409
    types = [e["type"] for e in client.get(f"/api/v1/jobs/{job_id}/events", headers=auth_headers).get_json()]
    assert types == ["created", "status", "status", "retry", "status"]


def test_completed_job_cannot_be_cancelled_or_retried(
    client: FlaskClient, auth_headers: dict[str, str], manager: JobManager, media: Talk
) -> None:
    job_id = upload(client, auth_headers, media).get_json()["id"]
    done = wait_status(client, auth_headers, job_id, "completed", "failed")
    assert done["status"] == "completed", done["error_message"]
    assert client.post(f"/api/v1/jobs/{job_id}/cancel", json={}, headers=auth_headers).status_code == 409
    assert client.post(f"/api/v1/jobs/{job_id}/retry", json={}, headers=auth_headers).status_code == 409
    transcript = client.get(f"/api/v1/jobs/{job_id}/transcript", headers=auth_headers).get_json()
    assert transcript["source"] == "captions" and transcript["segments"]
    me = client.get("/api/v1/auth/me", headers=auth_headers).get_json()["user"]
    assert me["storage_bytes"] > media.video.stat().st_size
    assert client.delete(f"/api/v1/jobs/{job_id}", headers=auth_headers).status_code == 204
    assert client.get(f"/api/v1/jobs/{job_id}", headers=auth_headers).status_code == 404
    assert client.get("/api/v1/auth/me", headers=auth_headers).get_json()["user"]["storage_bytes"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source_url": YOUTUBE, "options": {"colour": "red"}}, "options.colour"),
        ({"source_url": "https://evil.example.com/v.mp4"}, "source_url"),
        ({"source_url": "http://169.254.169.254/latest"}, "source_url"),
        ({"source_url": YOUTUBE, "options": {"criteria": ["no_such_criteria"]}}, "criteria"),
        ({"source_url": YOUTUBE, "priority": 11}, "priority"),
    ],
)
def test_bad_input_is_400(
    client: FlaskClient, auth_headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/jobs", json=body, headers=auth_headers)
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["error"].get("fields", {})


def test_upload_checks(client: FlaskClient, auth_headers: dict[str, str], media: Talk, app: Flask) -> None:
    not_video = {"file": (io.BytesIO(b"hello, not a video" * 100), "clip.mp4")}
    response = client.post(
        "/api/v1/jobs", data=not_video, headers=auth_headers, content_type="multipart/form-data"
    )
    assert response.status_code == 415
    message = response.get_json()["error"]["message"]
    assert "'clip.mp4'" in message and ".part" not in message  # the user's name, not our temp file
    bad_captions = {
        "file": (media.video.open("rb"), "talk.mp4"),
        "captions": (io.BytesIO(b"no cues here"), "c.srt"),
    }
    response = client.post(
        "/api/v1/jobs", data=bad_captions, headers=auth_headers, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "captions" in response.get_json()["error"]["fields"]
    bad_options = upload(client, auth_headers, media, options={"min_clip_duration": 5, "colour": 1})
    assert bad_options.status_code == 400 and "options.colour" in bad_options.get_json()["error"]["fields"]
    incoming = Config.jobs_dir.fget(app.extensions["viral_clipper_config"]) / ".incoming"  # type: ignore[attr-defined]
    assert not any(incoming.iterdir()), "failed uploads leave no temp file behind"


class RecordingProcessor:
    """Records the order jobs reach the pipeline, then fails them (nothing else to do)."""

    order: list[str] = []

    def __init__(self, config: Config) -> None:
        self.config = config

    def run(self, ctx: JobContext) -> PipelineResult:
        RecordingProcessor.order.append(ctx.job_id)
        raise PipelineError("recorded")


def test_priority_order_is_higher_first_then_fifo(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str]
) -> None:
    ids = {
        name: create_url_job(client, auth_headers, priority)["id"]
        for name, priority in [("low", 1), ("mid-a", 5), ("high", 9), ("mid-b", 5)]
    }
    positions = {
        j["id"]: j["queue_position"]
        for j in client.get("/api/v1/jobs", headers=auth_headers).get_json()["items"]
    }
    assert [positions[ids[n]] for n in ("high", "mid-a", "mid-b", "low")] == [1, 2, 3, 4]
    manager: JobManager = app.extensions["job_manager"]
    RecordingProcessor.order = []
    manager.factory = RecordingProcessor
    manager.start()
    try:
        wait_for(lambda: len(RecordingProcessor.order) == 4, timeout=30)
    finally:
        manager.stop()
    assert RecordingProcessor.order == [ids[n] for n in ("high", "mid-a", "mid-b", "low")]
    failed = job(client, auth_headers, ids["low"])
    assert failed["status"] == "failed" and failed["error_message"] == "recorded"


def test_upload_streams_options_and_title(
    client: FlaskClient, auth_headers: dict[str, str], media: Talk
) -> None:
    response = upload(client, auth_headers, media, priority=7)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["source_type"] == "upload" and body["source_url"] is None and body["priority"] == 7
    assert body["video_title"] == "garden_talk"
    assert body["options"]["min_clip_duration"] == FAST_OPTIONS["min_clip_duration"]


def test_a_run_that_lost_its_job_to_another_worker_records_nothing(
    client: FlaskClient, auth_headers: dict[str, str], app: Flask
) -> None:
    """A worker taken for dead (its heartbeats stalled) whose job was re-queued and claimed by
    another worker may still be running: its progress and its end must not touch the new run."""
    from datetime import timedelta

    from backend.extensions import db
    from backend.models import Clip, Job, utcnow
    from backend.pipeline.result import SourceMetadata, TranscriptInfo

    job_id = create_url_job(client, auth_headers)["id"]
    lifecycle = app.extensions["job_lifecycle"]
    result = PipelineResult(SourceMetadata("t", 60.0), TranscriptInfo("en", "captions", "t.json"), {})
    with app.app_context():
        first = lifecycle.claim(job_id)
        assert first is not None and first.attempt == 1
        assert lifecycle.requeue_stale(job_id, utcnow() + timedelta(seconds=1))
        second = lifecycle.claim(job_id)
        assert second is not None and second.attempt == 2
        lifecycle.progress(job_id, "rendering", 77.0, "old run", attempt=1)
        lifecycle.complete(job_id, result, attempt=1)
        lifecycle.fail(job_id, "the old run failed", attempt=1)
        lifecycle.cancelled(job_id, "the old run stopped", attempt=1)
        db.session.expire_all()
        row = db.session.get(Job, job_id)
        assert row is not None and (row.status, row.attempt, row.progress) == ("processing", 2, 0.0)
        assert db.session.query(Clip).filter_by(job_id=job_id).count() == 0
        lifecycle.progress(job_id, "rendering", 40.0, "new run", attempt=2)
        lifecycle.fail(job_id, "the new run failed", attempt=2)
        db.session.expire_all()
        row = db.session.get(Job, job_id)
        assert row is not None and (row.status, row.progress, row.error_message) == (
            "failed",
            40.0,
            "the new run failed",
        )
