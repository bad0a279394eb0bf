"""TTL clean-up of failed/cancelled jobs' files (the rows stay, the space is freed)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from backend.api.common import CONFIG_KEY
from backend.extensions import db
from backend.models import Job, JobEvent, utcnow
from backend.services import storage
from tests.conftest import register


def _job(app: Flask, user_id: str, status: str, hours_ago: float) -> str:
    config = app.extensions[CONFIG_KEY]
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
        folder = storage.job_dir(config, job.id)
        (folder / "clips").mkdir(parents=True)
        (folder / "clips" / "clip_01.mp4").write_bytes(b"mp4")
        return job.id


def remove_expired_artifacts(app: Flask, ttl: timedelta) -> list[str]:
    with app.app_context():
        return list(app.extensions["job_lifecycle"].expire(ttl))


def test_only_expired_failed_or_cancelled_jobs_lose_their_files(app: Flask, client: FlaskClient) -> None:
    user_id = register(client)["id"]
    old_failed = _job(app, user_id, "failed", 100)
    old_cancelled = _job(app, user_id, "cancelled", 80)
    recent_failed = _job(app, user_id, "failed", 1)
    old_completed = _job(app, user_id, "completed", 500)
    config = app.extensions[CONFIG_KEY]

    removed = remove_expired_artifacts(app, timedelta(hours=72))

    assert sorted(removed) == sorted([old_failed, old_cancelled])
    for job_id in (old_failed, old_cancelled):
        assert not storage.job_dir(config, job_id).exists()
    for job_id in (recent_failed, old_completed):
        assert (storage.job_dir(config, job_id) / "clips" / "clip_01.mp4").is_file()
    with app.app_context():
        assert db.session.get(Job, old_failed).storage_bytes == 0  # the row stays, the space is freed
        assert db.session.get(Job, recent_failed).storage_bytes == 3
        types = [e.type for e in db.session.query(JobEvent).filter_by(job_id=old_failed)]
        assert "artifacts_removed" in types
    assert remove_expired_artifacts(app, timedelta(hours=72)) == []  # nothing left to do


def test_a_job_folder_without_a_row_is_removed(app: Flask, client: FlaskClient) -> None:
    """A delete that could not wait for its worker leaves the folder to the clean-up."""
    import os
    import uuid

    config = app.extensions[CONFIG_KEY]
    orphan = storage.job_dir(config, str(uuid.uuid4()))
    (orphan / "source").mkdir(parents=True)
    (orphan / "source" / "source.mp4.part").write_bytes(b"half")
    old = (utcnow() - timedelta(hours=100)).timestamp()
    os.utime(orphan, (old, old))
    kept = _job(app, register(client)["id"], "failed", 1)
    os.utime(storage.job_dir(config, kept), (old, old))
    remove_expired_artifacts(app, timedelta(hours=72))
    assert not orphan.exists()
    assert storage.job_dir(config, kept).exists()
