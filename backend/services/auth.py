"""Users, passwords and login sessions (the unit that token revocation works on)."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from backend.errors import Conflict, Unauthorized, ValidationFailed
from backend.extensions import bcrypt, db
from backend.models import AuthSession, Job, User, new_id, utcnow

log = logging.getLogger(__name__)


def register(email: str, password: str, name: str = "") -> User:
    """Create a user; `email` arrives normalised (trimmed, lower-case) from the schema."""
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("An account with this email already exists.", {"email": ["already registered"]})
    user = User(email=email, name=name, password_hash=_hash(password))
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent registration won the race
        db.session.rollback()
        raise Conflict(
            "An account with this email already exists.", {"email": ["already registered"]}
        ) from exc
    return user


def authenticate(email: str, password: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        # Spend the same bcrypt time as a wrong password, so timing does not reveal accounts.
        bcrypt.check_password_hash(_dummy_hash(bcrypt._log_rounds), password)
        raise Unauthorized("Email or password is incorrect.", code="invalid_credentials")
    if not bcrypt.check_password_hash(user.password_hash, password):
        raise Unauthorized("Email or password is incorrect.", code="invalid_credentials")
    return user


def get_user(user_id: str) -> User | None:
    return db.session.get(User, user_id)


def storage_used(user_id: str) -> int:
    total = db.session.scalar(
        select(func.coalesce(func.sum(Job.storage_bytes), 0)).where(Job.user_id == user_id)
    )
    return int(total or 0)


class RefreshReused(Unauthorized):
    """A retired refresh token came back: someone holds a copy. Its session is now revoked."""

    code = "refresh_token_reused"


def start_session(user_id: str, lifetime: timedelta) -> AuthSession:
    """A new login session; its first refresh token gets `session.refresh_jti` as jti."""
    now = utcnow()
    # Rows of sessions that can no longer be refreshed are pruned here, per user, so the
    # table stays the size of the live sessions without a separate clean-up job.
    db.session.execute(
        delete(AuthSession).where(AuthSession.user_id == user_id, AuthSession.expires_at < now)
    )
    session = AuthSession(user_id=user_id, refresh_jti=new_id(), expires_at=now + lifetime)
    db.session.add(session)
    db.session.commit()
    return session


def rotate(session_id: str, presented_jti: str, lifetime: timedelta) -> str:
    """Retire the presented refresh token and return the jti of its successor.

    One conditional UPDATE does the check and the swap, so two concurrent uses of the same
    token cannot both succeed (on SQLite and PostgreSQL alike): the loser is a reuse.
    """
    now, successor = utcnow(), new_id()
    swapped = db.session.execute(
        update(AuthSession)
        .where(
            AuthSession.id == session_id,
            AuthSession.refresh_jti == presented_jti,
            AuthSession.revoked_at.is_(None),
        )
        .values(refresh_jti=successor, last_used_at=now, expires_at=now + lifetime)
    )
    db.session.commit()
    if _rowcount(swapped) == 1:
        return successor
    if _revoke_where(AuthSession.id == session_id, reason="reuse"):
        log.warning("refresh token reused: session %s revoked", session_id)
        raise RefreshReused("This refresh token was already used; the session has been revoked.")
    raise Unauthorized("The token has been revoked.")


def revoke_session(session_id: str, user_id: str, reason: str) -> bool:
    """Revoke one session of this user; False when it was not live (or not theirs)."""
    return bool(_revoke_where(AuthSession.id == session_id, AuthSession.user_id == user_id, reason=reason))


def revoke_user_sessions(user_id: str, reason: str, keep: str | None = None) -> list[str]:
    """Revoke every live session of a user except `keep`; the ids revoked."""
    conditions = [AuthSession.user_id == user_id]
    if keep is not None:
        conditions.append(AuthSession.id != keep)
    return _revoke_where(*conditions, reason=reason)


def is_session_active(session_id: str | None) -> bool:
    """Whether tokens of this session are still honoured. Tokens without a session (issued
    before sessions existed) are not: they cannot be revoked by logout-all."""
    if not session_id:
        return False
    session = db.session.get(AuthSession, session_id)
    return session is not None and session.revoked_at is None


def active_sessions(session_ids: set[str]) -> set[str]:
    """The live ones among these sessions, in one query (the socket sweep asks for many)."""
    if not session_ids:
        return set()
    rows = db.session.scalars(
        select(AuthSession.id).where(AuthSession.id.in_(session_ids), AuthSession.revoked_at.is_(None))
    )
    return set(rows)


def change_password(user: User, current: str, new: str, keep_session: str | None) -> list[str]:
    """Set a new password after checking the current one; every other session is revoked (the
    ids are returned), the caller's own keeps working."""
    if not bcrypt.check_password_hash(user.password_hash, current):
        raise ValidationFailed(
            "The current password is incorrect.",
            {"current_password": ["incorrect"]},
            code="invalid_current_password",
        )
    user.password_hash = _hash(new)
    # One commit for both: a new password with the old sessions still live must not persist.
    return revoke_user_sessions(user.id, "password", keep=keep_session)


def _revoke_where(*conditions: ColumnElement[bool], reason: str) -> list[str]:
    live = [*conditions, AuthSession.revoked_at.is_(None)]
    ids = list(db.session.scalars(select(AuthSession.id).where(*live)))
    if ids:
        db.session.execute(
            update(AuthSession)
            .where(AuthSession.id.in_(ids), AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_reason=reason)
        )
    db.session.commit()
    return ids


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _hash(password: str) -> str:
    return bcrypt.generate_password_hash(password).decode("utf-8")


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    """A hash with the configured cost (keyed by it: a cheaper hash would leak timing)."""
    return bcrypt.generate_password_hash("timing-equaliser-not-a-password", rounds).decode("utf-8")
