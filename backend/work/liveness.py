"""The database side of the Celery workers' liveness (JOB_BACKEND=celery), over every kind: the
heartbeats of the items a worker runs, the cancel flags it polls, and the stale items a dead
worker left. Ownership changes are the kinds' conditional UPDATEs (backend/work/kinds.py).
Callers hold an app context."""

from __future__ import annotations

from datetime import datetime

from backend.extensions import db
from backend.models import utcnow
from backend.work.kinds import WorkKind

Kinds = dict[str, WorkKind]


def beat(kinds: Kinds, running: dict[str, set[str]]) -> None:
    """Refresh the heartbeat of every item of `running` ({kind: ids}) still in its running state."""
    now = utcnow()
    for name, ids in running.items():
        kinds[name].beat(ids, now)
    db.session.commit()


def to_cancel(kinds: Kinds, running: dict[str, set[str]]) -> set[tuple[str, str]]:
    """The running items whose row asks them to stop: a cancel flag, or the row deleted."""
    stop = {(name, item_id) for name, ids in running.items() for item_id in kinds[name].to_cancel(ids)}
    db.session.rollback()  # read only: end the transaction, so the next poll sees new commits
    return stop


def stale(kinds: Kinds, cutoff: datetime) -> list[tuple[str, str, int]]:
    """(kind, id, priority) of every item in a running state whose heartbeat stopped before cutoff."""
    found = [
        (name, item_id, priority) for name, kind in kinds.items() for item_id, priority in kind.stale(cutoff)
    ]
    db.session.rollback()
    return found
