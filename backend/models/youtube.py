"""YouTube: a user's linked channel, pending OAuth states, publications, their stats and quota."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models.base import ID, UTCDateTime, new_id, utcnow


class YouTubeAccount(db.Model):  # type: ignore[name-defined,misc]
    """One linked channel per user. `credentials` is Fernet ciphertext, never plain tokens."""

    __tablename__ = "youtube_accounts"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    channel_title: Mapped[str] = mapped_column(String(200), default="")
    channel_thumbnail_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    credentials: Mapped[str] = mapped_column(Text)
    # Set when Google answers invalid_grant (a testing app's tokens die after 7 days).
    needs_relink: Mapped[bool] = mapped_column(default=False)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class OAuthState(db.Model):  # type: ignore[name-defined,misc]
    """A pending authorization: single use, bound to its user, with the PKCE verifier (encrypted)."""

    __tablename__ = "youtube_oauth_states"

    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_verifier: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PublicationStatus(enum.StrEnum):
    QUEUED = "queued"
    UPLOADING = "uploading"
    PROCESSING = "processing"
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Publication(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "publications"
    __table_args__ = (
        Index("ix_publications_user_created", "user_id", "created_at"),
        Index("ix_publications_clip_channel", "clip_id", "channel_id"),
        Index("ix_publications_status", "status"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"))
    # A published video outlives its clip and job: deleting them keeps this record of it (their
    # ids become null); publications that never reached the platform are deleted with them.
    clip_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("clips.id", ondelete="SET NULL"), nullable=True
    )
    job_id: Mapped[str | None] = mapped_column(ID, ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=PublicationStatus.QUEUED.value)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    privacy_status: Mapped[str] = mapped_column(String(16))
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    made_for_kids: Mapped[bool] = mapped_column(default=False)
    youtube_video_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The resumable session, stored before the first chunk: a restart resumes it, never a new video.
    session_uri: Mapped[str | None] = mapped_column(Text, nullable=True)
    confirmed_offset: Mapped[int] = mapped_column(BigInteger, default=0)
    # The exact file the upload started with (path in the job's folder, size, sha256): a resume
    # sends these bytes or none, whatever happened to the clip meanwhile.
    file_path: Mapped[str | None] = mapped_column(String(512), nullable=True)
    file_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    file_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    warning: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    redeliveries: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # FIFO in the queue
    # JOB_BACKEND=celery: refreshed by the worker uploading it; stale = that worker died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class PublicationStat(db.Model):  # type: ignore[name-defined,misc]
    """One statistics reading of a published video: the dashboard's chart over time."""

    __tablename__ = "publication_stats"
    __table_args__ = (Index("ix_publication_stats_pub_time", "publication_id", "recorded_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    publication_id: Mapped[str] = mapped_column(ID, ForeignKey("publications.id", ondelete="CASCADE"))
    views: Mapped[int] = mapped_column(BigInteger, default=0)
    likes: Mapped[int] = mapped_column(BigInteger, default=0)
    comments: Mapped[int] = mapped_column(BigInteger, default=0)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class YouTubeQuotaDay(db.Model):  # type: ignore[name-defined,misc]
    """Both of Google's documented upload limits, counted per API project (client id) per day:
    Data API units (1,600 per upload of 10,000) and uploads (about 100)."""

    __tablename__ = "youtube_quota_days"

    project: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # Pacific time, as Google resets
    units: Mapped[int] = mapped_column(Integer, default=0)
    uploads: Mapped[int] = mapped_column(Integer, default=0)
