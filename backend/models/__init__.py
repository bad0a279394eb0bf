"""Typed SQLAlchemy 2.0 models. Import from here so Alembic sees every table."""

from backend.models.base import new_id, utcnow
from backend.models.clip import Clip, RenderStatus
from backend.models.criteria import CriteriaRevision
from backend.models.job import Job, JobEvent, JobEventType, JobStage, JobStatus
from backend.models.token import AuthSession
from backend.models.user import User, UserSettings
from backend.models.youtube import (
    OAuthState,
    Publication,
    PublicationStat,
    PublicationStatus,
    YouTubeAccount,
    YouTubeQuotaDay,
)

__all__ = [
    "AuthSession",
    "Clip",
    "CriteriaRevision",
    "Job",
    "JobEvent",
    "JobEventType",
    "JobStage",
    "JobStatus",
    "OAuthState",
    "Publication",
    "PublicationStat",
    "PublicationStatus",
    "RenderStatus",
    "User",
    "UserSettings",
    "YouTubeAccount",
    "YouTubeQuotaDay",
    "new_id",
    "utcnow",
]
