"""Deleting a parent row removes its children through the schema's ON DELETE CASCADE, on SQLite
(the embedded default, where foreign keys are off unless each connection turns them on) and on
PostgreSQL alike."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from backend.extensions import db
from backend.models.clip import Clip
from backend.models.job import Job, JobEvent
from backend.models.user import User


def _user_with_a_job(email: str) -> tuple[str, str]:
    user = User(email=email, password_hash="x")
    db.session.add(user)
    db.session.flush()
    job = Job(user_id=user.id, source_type="upload")
    db.session.add(job)
    db.session.flush()
    db.session.add(Clip(job_id=job.id, user_id=user.id, start_time=1.0, end_time=2.0, duration=1.0))
    db.session.add(JobEvent(job_id=job.id, type="status", seq=1))
    db.session.commit()
    return user.id, job.id


def _count(model: type, **where: str) -> int:
    query = select(func.count()).select_from(model).filter_by(**where)
    return int(db.session.scalar(query) or 0)


def test_deleting_a_user_cascades_to_jobs_clips_and_events(app: Flask) -> None:
    with app.app_context():
        user_id, job_id = _user_with_a_job("gone@example.com")
        kept_user, kept_job = _user_with_a_job("kept@example.com")
        # A bulk SQL delete: no ORM relationship helps, only the database's own cascade.
        db.session.execute(delete(User).where(User.id == user_id))
        db.session.commit()
        assert _count(Job, user_id=user_id) == 0
        assert _count(Clip, user_id=user_id) == 0
        assert _count(JobEvent, job_id=job_id) == 0
        assert _count(Job, user_id=kept_user) == 1
        assert _count(Clip, job_id=kept_job) == 1
        assert _count(JobEvent, job_id=kept_job) == 1


def test_a_row_pointing_at_no_parent_is_refused(app: Flask) -> None:
    with app.app_context():
        db.session.add(Job(user_id="00000000-0000-0000-0000-000000000000", source_type="upload"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
