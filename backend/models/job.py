from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.models.base import ID, UTCDateTime, new_id, utcnow
from backend.pipeline.stages import STAGE_NAMES


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobEventType(enum.StrEnum):
    """What a JobEvent records (the dashboard colours and filters by these, never by text)."""

    CREATED = "created"
    STATUS = "status"
    RETRY = "retry"
    CANCEL_REQUESTED = "cancel_requested"
    STAGE_STARTED = "stage_started"
    STAGE_COMPLETED = "stage_completed"
    STAGE_SKIPPED = "stage_skipped"
    WARNING = "warning"
    ERROR = "error"
    RECOVERED = "recovered"
    ARTIFACTS_REMOVED = "artifacts_removed"
    PUBLICATIONS = "publications"


# Derived from the stage registry: a new stage is one spec there, not an edit here.
JobStage = enum.StrEnum("JobStage", [(name.upper(), name) for name in STAGE_NAMES])  # type: ignore[misc]


class Job(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_user_created", "user_id", "created_at"),
        Index("ix_jobs_user_status_created", "user_id", "status", "created_at"),
        Index("ix_jobs_status_priority", "status", "priority", "created_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"))
    source_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    source_type: Mapped[str] = mapped_column(String(16))  # youtube | url | upload
    video_title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    video_duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    thumbnail_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING.value)
    stage: Mapped[str | None] = mapped_column(String(16), nullable=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    priority: Mapped[int] = mapped_column(Integer, default=5)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the analysis used: model, prompt sha256, criteria names/revisions/sha256 and texts.
    analysis_meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    # How many times in a row the job's worker died under it (backend/work/kinds.py).
    redeliveries: Mapped[int] = mapped_column(Integer, default=0)
    storage_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # When the job last entered the queue: FIFO order within a priority (a retry goes to the back).
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # JOB_BACKEND=celery: refreshed by the worker running the job; stale = that worker died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    clips: Mapped[list[Clip]] = relationship(
        back_populates="job", cascade="all, delete-orphan", passive_deletes=True
    )
    events: Mapped[list[JobEvent]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    # The publications the job started (option `publish`): child work items, not a stage.
    publications: Mapped[list[Publication]] = relationship(
        primaryjoin="Job.id == foreign(Publication.job_id)", viewonly=True, order_by="Publication.created_at"
    )


class JobEvent(db.Model):  # type: ignore[name-defined,misc]
    """status changes, stage starts/ends, warnings and errors of a job, in order."""

    __tablename__ = "job_events"
    __table_args__ = (Index("ix_job_events_job_seq", "job_id", "seq"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    job_id: Mapped[str] = mapped_column(ID, ForeignKey("jobs.id", ondelete="CASCADE"))
    # Timestamps can tie; seq gives a total order within a job.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    stage: Mapped[str | None] = mapped_column(String(16), nullable=True)
    progress: Mapped[float | None] = mapped_column(Float, nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


from backend.models.clip import Clip  # noqa: E402  (circular: Clip refers back to Job)
from backend.models.youtube import Publication  # noqa: E402
