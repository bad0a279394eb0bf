from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models.base import ID, UTCDateTime, new_id, utcnow


class CriteriaRevision(db.Model):  # type: ignore[name-defined,misc]
    """One saved revision of a user's own copy of a criteria text (files are never rewritten)."""

    __tablename__ = "criteria_revisions"
    __table_args__ = (
        UniqueConstraint("user_id", "name", "revision", name="uq_criteria_revision"),
        Index("ix_criteria_user_name", "user_id", "name"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
