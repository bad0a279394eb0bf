from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.models.base import ID, UTCDateTime, new_id, utcnow

if TYPE_CHECKING:
    from backend.models.job import Job


class RenderStatus(enum.StrEnum):
    """A clip's files: `ready`; a re-render `queued` behind the user's other work, then
    `rendering`; `failed` keeps the previous files (render_error says why)."""

    READY = "ready"
    QUEUED = "queued"
    RENDERING = "rendering"
    FAILED = "failed"


class Clip(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "clips"
    __table_args__ = (
        Index("ix_clips_job_score", "job_id", "score"),
        Index("ix_clips_user_created", "user_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    job_id: Mapped[str] = mapped_column(ID, ForeignKey("jobs.id", ondelete="CASCADE"))
    # Denormalised owner so every clip query is scoped without a join.
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    start_time: Mapped[float] = mapped_column(Float)
    end_time: Mapped[float] = mapped_column(Float)
    duration: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasoning: Mapped[str] = mapped_column(Text, default="")
    key_quote: Mapped[str] = mapped_column(Text, default="")
    criteria_matched: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    transcript_segment: Mapped[str] = mapped_column(Text, default="")
    # Paths relative to the job's folder; never serialised.
    video_path: Mapped[str | None] = mapped_column(String(512), nullable=True)
    thumbnail_path: Mapped[str | None] = mapped_column(String(512), nullable=True)
    captions_srt_path: Mapped[str | None] = mapped_column(String(512), nullable=True)
    captions_vtt_path: Mapped[str | None] = mapped_column(String(512), nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    file_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Seconds each cut moved from the transcript boundary into the nearest pause {start, end}.
    cut_shift: Mapped[dict[str, float] | None] = mapped_column(JSON, nullable=True)
    # Shorts rendering (CONTRACTS §9): what the current files are, and the state of a re-render.
    format: Mapped[str] = mapped_column(String(16), default="original")
    layout: Mapped[str] = mapped_column(String(16), default="fit")
    caption_style: Mapped[str] = mapped_column(String(16), default="none")
    loudness: Mapped[float | None] = mapped_column(Float, nullable=True)
    shots: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    render_options: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    render_status: Mapped[str] = mapped_column(String(16), default=RenderStatus.READY.value)
    render_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The pending re-render ({start_time, end_time, title, options}); the worker reads it.
    render_request: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Bumped by each re-render: its files get new names, so the old ones stay served meanwhile.
    render_version: Mapped[int] = mapped_column(Integer, default=0)
    # The re-render's run (fences a run whose worker was taken for dead) and how many times in a
    # row its worker died (backend/work/kinds.py).
    render_attempt: Mapped[int] = mapped_column(Integer, default=0)
    render_redeliveries: Mapped[int] = mapped_column(Integer, default=0)
    render_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # JOB_BACKEND=celery: set by the worker running the re-render (its claim), cleared at its end.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    job: Mapped[Job] = relationship(back_populates="clips")
