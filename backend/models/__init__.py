"""Typed SQLAlchemy 2.0 models. Import from here so Alembic sees every table."""

from backend.models.base import new_id, utcnow
from backend.models.clip import Clip
from backend.models.criteria import CriteriaRevision
from backend.models.job import Job, JobEvent, JobStage, JobStatus
from backend.models.token import AuthSession
from backend.models.user import User, UserSettings

__all__ = [
    "AuthSession",
    "Clip",
    "CriteriaRevision",
    "Job",
    "JobEvent",
    "JobStage",
    "JobStatus",
    "User",
    "UserSettings",
    "new_id",
    "utcnow",
]
