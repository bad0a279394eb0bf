"""The database side of the Celery workers' liveness (JOB_BACKEND=celery): the heartbeats of the
items a worker runs, the cancel flags it polls, and the sweep that gives a dead worker's items
back to the queue. Every change of ownership is one conditional UPDATE, so of two workers racing
for the same row exactly one wins. Callers hold an app context.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select, update

from backend.extensions import db
from backend.models import Clip, Job, JobStatus, Publication, PublicationStatus, utcnow
from backend.models.job import UPLOADING
from backend.services import publications as pub_service
from backend.services import renders

JOB = "job"
RENDER = renders.KIND
PUBLICATION = pub_service.KIND


def beat(running: dict[str, set[str]]) -> None:
    """Refresh the heartbeat of every item of `running` ({kind: ids}) still in its running state."""
    now = utcnow()
    if ids := running.get(JOB):
        running_jobs = (Job.id.in_(ids), Job.status == JobStatus.PROCESSING.value)
        db.session.execute(update(Job).where(*running_jobs).values(heartbeat_at=now))
    if ids := running.get(RENDER):
        db.session.execute(
            update(Clip).where(Clip.id.in_(ids), Clip.render_status == "rendering").values(heartbeat_at=now)
        )
    if ids := running.get(PUBLICATION):
        db.session.execute(
            update(Publication)
            .where(Publication.id.in_(ids), Publication.status == PublicationStatus.UPLOADING.value)
            .values(heartbeat_at=now)
        )
    db.session.commit()


def to_cancel(running: dict[str, set[str]]) -> set[str]:
    """The running items whose row asks them to stop: a cancel flag, or the row deleted."""
    stop: set[str] = set()
    if ids := running.get(JOB):
        flags = {
            row[0]: row[1]
            for row in db.session.execute(select(Job.id, Job.cancel_requested).where(Job.id.in_(ids)))
        }
        stop |= {i for i in ids if flags.get(i, True)}
    if ids := running.get(PUBLICATION):
        query = select(Publication.id, Publication.cancel_requested).where(Publication.id.in_(ids))
        flags = {row[0]: row[1] for row in db.session.execute(query)}
        stop |= {i for i in ids if flags.get(i, True)}
    if ids := running.get(RENDER):
        stop |= set(ids) - set(db.session.scalars(select(Clip.id).where(Clip.id.in_(ids))))
    db.session.rollback()  # read only: end the transaction, so the next poll sees new commits
    return stop


def stale(cutoff: datetime) -> list[tuple[str, str, int]]:
    """(kind, id, priority) of every item in a running state whose heartbeat stopped before cutoff."""
    jobs = db.session.execute(
        select(Job.id, Job.priority).where(
            Job.status == JobStatus.PROCESSING.value,
            Job.heartbeat_at < cutoff,
            or_(Job.stage.is_(None), Job.stage != UPLOADING),
        )
    )
    found = [(JOB, row[0], int(row[1])) for row in jobs]
    clips = db.session.scalars(
        select(Clip.id).where(Clip.render_status == "rendering", Clip.heartbeat_at < cutoff)
    )
    found += [(RENDER, clip_id, renders.PRIORITY) for clip_id in clips]
    pubs = db.session.scalars(
        select(Publication.id).where(
            Publication.status == PublicationStatus.UPLOADING.value, Publication.heartbeat_at < cutoff
        )
    )
    found += [(PUBLICATION, pub_id, pub_service.PRIORITY) for pub_id in pubs]
    db.session.rollback()
    return found


def release_render(clip_id: str, cutoff: datetime) -> bool:
    """A re-render whose worker died goes back to 'not started' (its files were never switched)."""
    return _one(
        update(Clip)
        .where(Clip.id == clip_id, Clip.render_status == "rendering", Clip.heartbeat_at < cutoff)
        .values(heartbeat_at=None)
    )


def claim_render(clip_id: str, cutoff: datetime) -> bool:
    """A re-render is taken by setting its heartbeat: only when nobody (alive) holds it."""
    return _one(
        update(Clip)
        .where(
            Clip.id == clip_id,
            Clip.render_status == "rendering",
            or_(Clip.heartbeat_at.is_(None), Clip.heartbeat_at < cutoff),
        )
        .values(heartbeat_at=utcnow())
    )


def end_render(clip_id: str) -> None:
    db.session.execute(update(Clip).where(Clip.id == clip_id).values(heartbeat_at=None))
    db.session.commit()


def release_upload(publication_id: str, cutoff: datetime) -> bool:
    """uploading → queued when its worker died; its stored session URI makes the next run resume."""
    return _one(
        update(Publication)
        .where(
            Publication.id == publication_id,
            Publication.status == PublicationStatus.UPLOADING.value,
            Publication.heartbeat_at < cutoff,
        )
        .values(status=PublicationStatus.QUEUED.value, heartbeat_at=None, updated_at=utcnow())
    )


def _one(statement: object) -> bool:
    done = db.session.execute(statement)  # type: ignore[call-overload]
    db.session.commit()
    return bool(getattr(done, "rowcount", 0))


def ids_of(items: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    by_kind: dict[str, set[str]] = {}
    for kind, item_id in items:
        by_kind.setdefault(kind, set()).add(item_id)
    return by_kind
