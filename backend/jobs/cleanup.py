"""TTL clean-up: the artifacts of failed and cancelled jobs are removed after ARTIFACT_TTL_HOURS.

The rows stay (the user still sees what happened and why); only the files go, and the job's
storage_bytes drops to what is left (nothing), so /auth/me reports the space as freed.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from backend.config import Config
from backend.extensions import db
from backend.models import Job, JobStatus, utcnow
from backend.services import jobs as job_service
from backend.services import storage


def remove_expired_artifacts(app: Flask, config: Config, ttl: timedelta) -> list[str]:
    """Remove the files of failed/cancelled jobs finished before now - ttl; their ids."""
    cutoff = utcnow() - ttl
    with app.app_context():
        jobs = db.session.scalars(
            select(Job).where(
                Job.status.in_((JobStatus.FAILED.value, JobStatus.CANCELLED.value)),
                Job.completed_at < cutoff,
                Job.storage_bytes > 0,
            )
        ).all()
        for job in jobs:
            storage.remove_tree(storage.job_dir(config, job.id))
            job.storage_bytes = 0
            job_service.add_event(
                job, "artifacts_removed", f"Files removed after {ttl.total_seconds() / 3600:g} h"
            )
        db.session.commit()
        return [job.id for job in jobs]
