"""What a kind of work item declares, and everything around running one, written once.

A kind names its row model, its status enum and transition table, the status a queued item has
(`waiting`), the one its worker holds (`running`) and its run function. Claiming, fencing a run
by its attempt, ending, giving up after an unexpected error, handing a dead worker's item back
and recovery after a restart are the methods below, the same for every kind and for both
dispatchers (threads and Celery). A kind overrides only `run`, `priority` and, to tell the user,
`announce` / `note`.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from sqlalchemy import ColumnElement, or_, select, update

from backend.extensions import db
from backend.models import utcnow
from backend.pipeline.cancel import CancelToken
from backend.work.rows import advance

if TYPE_CHECKING:
    from flask import Flask

    from backend.config import Config
    from backend.realtime.emitter import Emitter

log = logging.getLogger(__name__)


class Kind(enum.StrEnum):
    JOB = "job"
    RENDER = "render"
    PUBLICATION = "publication"


class Dispatcher(Protocol):
    """Moves (kind, id) to a worker, and reaches the worker running an item to stop it."""

    def submit(self, kind: str, item_id: str, priority: int, force: bool = False) -> None: ...

    def cancel(self, kind: str, item_id: str, wait: float) -> bool: ...


@dataclass
class WorkContext:
    """What every kind needs from the process: plain objects, no Flask globals. `app` and
    `factory` (the job's pipeline) are set where items run; a web process that only enqueues
    (JOB_BACKEND=celery) has neither."""

    config: Config
    emitter: Emitter
    dispatcher: Dispatcher
    app: Flask | None = None
    factory: Any = None


def transitions(table: Mapping[enum.StrEnum, tuple[enum.StrEnum, ...]]) -> dict[str, frozenset[str]]:
    return {str(old): frozenset(str(new) for new in news) for old, news in table.items()}


# Every declared kind by name (the last subclass to declare a name wins: JobRun over JobLifecycle),
# so that what counts over all kinds (a user's active work) needs no list of them.
DECLARED: dict[str, type[WorkKind]] = {}


class WorkKind:
    """A kind's row model must have the columns `id`, `user_id` and `heartbeat_at`; the others are
    named by the class attributes below."""

    kind: ClassVar[str]
    model: ClassVar[type[Any]]
    statuses: ClassVar[type[enum.StrEnum]]
    transitions: ClassVar[Mapping[str, frozenset[str]]]
    status_attr: ClassVar[str] = "status"
    waiting: ClassVar[str]
    running: ClassVar[str]
    failed: ClassVar[str]
    cancelled_status: ClassVar[str | None] = None
    error_attr: ClassVar[str] = "error_message"
    cancel_attr: ClassVar[str | None] = "cancel_requested"
    attempt_attr: ClassVar[str] = "attempt"
    redeliveries_attr: ClassVar[str] = "redeliveries"
    noun: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            DECLARED[str(cls.kind)] = cls

    def __init__(self, ctx: WorkContext) -> None:
        self.ctx = ctx

    @classmethod
    def active_statuses(cls) -> tuple[str, ...]:
        """The statuses in which an item counts toward its owner's active limit."""
        return (cls.waiting, cls.running)

    # -- what a kind provides

    def run(self, item_id: str, token: CancelToken, force: bool) -> None:
        raise NotImplementedError

    def priority(self, row: Any) -> int:
        return 5

    def announce(self, row: Any) -> None:
        """After a commit that changed the row: tell its owner (a kind emits its own event)."""

    def note(self, row: Any, kind: str, message: str) -> None:
        """Record a user-readable line about the row in the caller's transaction (job events)."""

    # -- columns

    def col(self, name: str) -> Any:
        return getattr(self.model, name)

    @property
    def status(self) -> Any:
        return self.col(self.status_attr)

    def allowed(self, old: str, new: str) -> bool:
        return new in self.transitions.get(old, frozenset())

    def move(self, row: Any, new: str) -> None:
        """A transition on a row the caller holds (locked or just won): refused if the table
        does not have it, so no code path can invent one."""
        old = getattr(row, self.status_attr)
        if not self.allowed(old, new):
            raise ValueError(f"{self.noun} {row.id}: {old} → {new} is not a transition")
        setattr(row, self.status_attr, new)

    # -- claim, fence, end (the worker's side)

    def claim(self, item_id: str, **values: Any) -> Any | None:
        """waiting → running, atomically, with the attempt counted; None when the item is not
        runnable (cancelled, taken by another worker, gone)."""
        where = [self.status == self.waiting]
        if self.cancel_attr:
            where.append(self.col(self.cancel_attr).is_(False))
        attempt = self.col(self.attempt_attr)
        values[self.status_attr] = self.running
        values[self.attempt_attr] = attempt + 1
        return advance(self.model, item_id, *where, heartbeat_at=utcnow(), **values)

    def fenced(self, item_id: str, attempt: int | None) -> Any | None:
        """The row while it is running *for this run*: a run whose worker was taken for dead and
        whose item was claimed again must not write over the new run. Locked (PostgreSQL) so a
        claim cannot slip in between this check and the caller's commit."""
        query = select(self.model).where(self.col("id") == item_id, self.status == self.running)
        if attempt is not None:
            query = query.where(self.col(self.attempt_attr) == attempt)
        return db.session.scalar(query.with_for_update())

    def end(self, item_id: str, attempt: int | None, status: str, **values: Any) -> Any | None:
        """running → `status` for this run only; the fresh row (uncommitted) or None."""
        if not self.allowed(self.running, status):
            raise ValueError(f"{self.noun}: {self.running} → {status} is not a transition")
        where = [self.status == self.running]
        if attempt is not None:
            where.append(self.col(self.attempt_attr) == attempt)
        return advance(self.model, item_id, *where, **self.ending(status), **values)

    def ending(self, status: str) -> dict[str, Any]:
        """The columns an end sets besides the status (a kind adds its own, e.g. completed_at)."""
        return {self.status_attr: status, "heartbeat_at": None}

    def give_up(self, item_id: str, message: str) -> bool:
        """After an unexpected error (its own end could not be recorded, say): the item ends
        `failed` with a message a user can act on, never raw exception text. A bare conditional
        UPDATE first, so it holds even when the richer recording fails."""
        db.session.rollback()
        values = {**self.ending(self.failed), self.error_attr: message[:2000]}
        active = self.status.in_([self.waiting, self.running])
        row = advance(self.model, item_id, active, **values)
        if row is None:
            return False
        db.session.commit()
        self._tell(row, "error", message)
        return True

    def _tell(self, row: Any, kind: str, message: str) -> None:
        """Note and announce a committed change; a failure here must not undo the change."""
        try:
            self.note(row, kind, message)
            db.session.commit()
            self.announce(row)
        except Exception:
            log.exception("%s %s: telling the user failed", self.noun, row.id)
            db.session.rollback()

    # -- the dead worker's items (JOB_BACKEND=celery) and a restart (threads)

    def stale(self, cutoff: datetime) -> list[tuple[str, int]]:
        heartbeat = self.col("heartbeat_at")
        query = select(self.model).where(self.status == self.running, heartbeat < cutoff)
        rows: list[Any] = list(db.session.scalars(query))
        return [(row.id, self.priority(row)) for row in rows]

    def release(self, item_id: str, cutoff: datetime | None = None) -> bool:
        """running → waiting when its worker is gone (silent since before `cutoff`; any running
        item on a restart). An item whose cancel was asked for ends cancelled; one whose workers
        died MAX_REDELIVERIES times in a row ends failed (a run that kills its worker every
        time must not be re-delivered forever). True if it went back to the queue."""
        where = [self.status == self.running]
        if cutoff is not None:
            heartbeat = self.col("heartbeat_at")
            where.append(or_(heartbeat.is_(None), heartbeat < cutoff))
        if self._release_cancelled(item_id, where):
            return False
        limit = self.ctx.config.work_max_redeliveries
        over = self.col(self.redeliveries_attr) >= limit
        message = _gave_up(self, limit)
        row: Any = advance(self.model, item_id, *where, over, **self._failed(message))
        if row is not None:
            db.session.commit()
            self._tell(row, "error", message)
            return False
        values = {**self.ending(self.waiting), self.redeliveries_attr: self.col(self.redeliveries_attr) + 1}
        if (row := advance(self.model, item_id, *where, **values)) is None:
            return False
        db.session.commit()
        self._tell(row, "recovered", "Re-queued: its worker stopped responding")
        return True

    def _failed(self, message: str) -> dict[str, Any]:
        return {**self.ending(self.failed), self.error_attr: message}

    def _release_cancelled(self, item_id: str, where: list[ColumnElement[bool]]) -> bool:
        if self.cancelled_status is None or self.cancel_attr is None:
            return False
        flagged = self.col(self.cancel_attr).is_(True)
        row = advance(self.model, item_id, *where, flagged, **self.ending(self.cancelled_status))
        if row is None:
            return False
        db.session.commit()
        self._tell(row, "status", "Cancelled (its worker had stopped)")
        return True

    def recover(self) -> list[tuple[str, int]]:
        """On the start of a process that owns all work (threads): running items lost their
        worker with the previous process; every waiting item is (id, priority) to submit."""
        running: list[str] = list(
            db.session.scalars(select(self.col("id")).where(self.status == self.running))
        )
        for item_id in running:
            self.release(item_id)
        rows: list[Any] = list(db.session.scalars(select(self.model).where(self.status == self.waiting)))
        return [(row.id, self.priority(row)) for row in rows]

    def to_cancel(self, ids: set[str]) -> set[str]:
        """Of the items running here, those whose row asks them to stop (a flag, or gone)."""
        if self.cancel_attr is None:
            present: set[str] = set(db.session.scalars(select(self.col("id")).where(self.col("id").in_(ids))))
            return ids - present
        query = select(self.col("id"), self.col(self.cancel_attr)).where(self.col("id").in_(ids))
        flags = {row[0]: bool(row[1]) for row in db.session.execute(query)}
        return {item_id for item_id in ids if flags.get(item_id, True)}

    def beat(self, ids: set[str], now: datetime) -> None:
        running = (self.col("id").in_(ids), self.status == self.running)
        db.session.execute(update(self.model).where(*running).values(heartbeat_at=now))


def _gave_up(kind: WorkKind, limit: int) -> str:
    return (
        f"Gave up after {limit} attempts: the worker running this {kind.noun} stopped each time "
        "(out of memory, or killed). Retry it once the cause is fixed."
    )
