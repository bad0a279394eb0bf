"""How much work a user has in flight, counted over every kind: the active limit and the queue
position see jobs, re-renders and publications alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, func, select, update

from backend.config import Config
from backend.errors import Conflict, RateLimited
from backend.extensions import db
from backend.models import Clip, Publication, PublicationStatus, RenderStatus, User
from backend.work.kinds import DECLARED

ACTIVE_RENDERS = (RenderStatus.QUEUED.value, RenderStatus.RENDERING.value)
# A publication still moving bytes or waiting to (`processing`: the platform has the whole file).
ACTIVE_PUBLICATIONS = (PublicationStatus.QUEUED.value, PublicationStatus.UPLOADING.value)


def lock_user(user_id: str) -> None:
    """A no-op write takes the user's row lock on PostgreSQL and the database write lock on
    SQLite: concurrent admissions for one user run one after the other until commit."""
    db.session.execute(update(User).where(User.id == user_id).values(id=User.id))


def active_count(user_id: str) -> int:
    """Items of every declared kind in one of its active statuses."""
    from backend.work import registry  # noqa: F401  (declares every kind, even where none runs)

    total = 0
    for kind in DECLARED.values():
        status = getattr(kind.model, kind.status_attr)
        query = (
            select(func.count())
            .select_from(kind.model)
            .where(kind.model.user_id == user_id, status.in_(kind.active_statuses()))
        )
        total += int(db.session.scalar(query) or 0)
    return total


def check_active_limit(config: Config, user_id: str, adding: int = 1) -> None:
    """MAX_ACTIVE_JOBS_PER_USER over jobs, re-renders and uploads (call with the user locked)."""
    active = active_count(user_id)
    limit = config.max_active_jobs_per_user
    if active + adding > limit:
        raise RateLimited(
            f"You already have {active} jobs, re-renders or uploads in progress (the limit is {limit}); "
            "wait for one to finish or cancel one, then try again."
        )


def rendering_clips(job_id: str) -> list[str]:
    query = select(Clip.id).where(Clip.job_id == job_id, Clip.render_status.in_(ACTIVE_RENDERS))
    return list(db.session.scalars(query))


def publishing_clause(where: Any) -> ColumnElement[bool]:
    """EXISTS a publication matching `where` that is queued or moving bytes (for use inside a
    conditional UPDATE, so the check and the change are one statement)."""
    return exists(select(Publication.id).where(where, Publication.status.in_(ACTIVE_PUBLICATIONS)))


def publishing(where: Any) -> bool:
    return bool(db.session.scalar(select(publishing_clause(where))))


def refuse_while_publishing(where: Any, what: str, action: str) -> None:
    """A clip whose file an upload is sending keeps that file: no re-render or delete under it
    (nor of its job) until that publication ends or is cancelled."""
    if publishing(where):
        raise Conflict(
            f"{what} is being published; wait for it or cancel the publication, then {action}.",
            code="publication_in_progress",
        )
