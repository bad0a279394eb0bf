from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models.base import ID, UTCDateTime, new_id, utcnow


class User(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    # Stored already normalised (trimmed, lower-cased) so the unique index is case-insensitive.
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def youtube_connected(self) -> bool:
        from backend.models.youtube import YouTubeAccount  # circular: the account refers to users

        linked = select(YouTubeAccount.id).where(YouTubeAccount.user_id == self.id)
        return db.session.scalar(linked) is not None


class UserSettings(db.Model):  # type: ignore[name-defined,misc]
    """A user's defaults for every job option (CONTRACTS §3); absent keys use server defaults."""

    __tablename__ = "user_settings"

    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
