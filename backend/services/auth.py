"""Users, passwords and token revocation."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend.errors import Conflict, Unauthorized
from backend.extensions import bcrypt, db
from backend.models import Job, RevokedToken, User


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


def revoke(jti: str, user_id: str, token_type: str, expires_at: int) -> None:
    if db.session.get(RevokedToken, jti) is not None:
        return
    db.session.add(
        RevokedToken(
            jti=jti,
            user_id=user_id,
            token_type=token_type,
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )
    )
    db.session.commit()


def is_revoked(jti: str) -> bool:
    return db.session.get(RevokedToken, jti) is not None


def _hash(password: str) -> str:
    return bcrypt.generate_password_hash(password).decode("utf-8")


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    """A hash with the configured cost (keyed by it: a cheaper hash would leak timing)."""
    return bcrypt.generate_password_hash("timing-equaliser-not-a-password", rounds).decode("utf-8")
