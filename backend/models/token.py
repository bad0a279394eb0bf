from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models.base import ID, UTCDateTime, new_id, utcnow


class AuthSession(db.Model):  # type: ignore[name-defined,misc]
    """One login: the family of refresh tokens rotated from it and the access tokens they issued.

    Every token carries the session id (`fam` claim), so revoking this row revokes all of them
    at once. Only `refresh_jti`, the newest refresh token, may be exchanged; presenting an older
    one of the family means it was copied, and the whole session is revoked.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    refresh_jti: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the newest refresh token expires: after that the row is dead weight and is pruned.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # logout | logout_all | password | reuse
    revoked_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
