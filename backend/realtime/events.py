"""Every Socket.IO event the server sends: its name and its payload type, in one place.

`SocketEvents` is exported into the OpenAPI document (see backend/api/spec.py), so the
dashboard's socket types are generated like its REST types. Payloads are the REST serializers.
"""

from __future__ import annotations

from pydantic import BaseModel

from backend.models.job import JobStage
from backend.schemas.clips import ClipOut
from backend.schemas.common import UTCTime
from backend.schemas.jobs import JobDetail, JobOut, JobStatusName
from backend.schemas.publications import PublicationOut, PublicationProgress


class JobProgress(BaseModel):
    """Throttled progress of a running job (at most ~4/s, always on a stage change)."""

    job_id: str
    status: JobStatusName
    stage: JobStage | None
    progress: float
    message: str | None
    timestamp: UTCTime


class SocketEvents(BaseModel):
    """Field name = event name, field type = its payload."""

    job_status_changed: JobOut
    job_progress: JobProgress
    job_completed: JobDetail
    job_failed: JobOut
    publication_progress: PublicationProgress
    publication_updated: PublicationOut
    clip_updated: ClipOut


EVENT_NAMES = frozenset(SocketEvents.model_fields)
