"""JOB_BACKEND=threads: JOB_WORKERS OS threads in the web process, fed by a priority queue of
(kind, id) pairs.

The database row is the source of truth: the queue holds only (kind, id) (rebuilt from the rows
on start), the kind claims its row atomically before running it, and a cancel is both flagged on
the row and delivered to the running item's CancelToken (which kills its subprocess group).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

from backend.config import Config
from backend.realtime.emitter import Emitter
from backend.services import jobs as job_service
from backend.work import chores, registry
from backend.work.job import JobLifecycle
from backend.work.job_run import ProcessorFactory
from backend.work.kinds import Kind, WorkContext, WorkKind
from backend.work.running import RunningItems, run_item

log = logging.getLogger(__name__)


@dataclass(order=True)
class _Entry:
    sort_key: tuple[int, int]
    kind: str = field(compare=False)
    item_id: str = field(compare=False)
    force: bool = field(compare=False, default=False)


def default_factory(config: Config) -> object:
    from backend.pipeline.processor import VideoProcessor

    return VideoProcessor(config)


class JobManager:
    """The thread pool: a Dispatcher that runs every kind of work item in this process."""

    def __init__(
        self, app: Flask, config: Config, emitter: Emitter, factory: ProcessorFactory | None = None
    ) -> None:
        self.app = app
        self.config = config
        self.ctx = ctx = WorkContext(config, emitter, self, app=app, factory=factory or default_factory)
        self.kinds: dict[str, WorkKind] = registry.build(ctx)
        self.lifecycle: JobLifecycle = registry.job_kind(self.kinds)
        self.running = RunningItems()
        self._heap: list[_Entry] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._chores: list[chores.Chore] = chores.for_process(app, config, self.lifecycle)

    @property
    def factory(self) -> ProcessorFactory:
        return self.ctx.factory  # type: ignore[no-any-return]

    @factory.setter
    def factory(self, factory: ProcessorFactory) -> None:
        """Tests swap the pipeline of a running pool."""
        self.ctx.factory = factory

    def every(self, interval: float, name: str, task: Callable[[], None]) -> None:
        """Run `task` every `interval` s once started."""
        self._chores.append(chores.Chore(name, interval, task))

    # -- lifecycle of the pool

    def start(self) -> None:
        """Recover what a previous process left, then start the workers and the chores."""
        if self._threads:
            return
        with self.app.app_context():
            for name, kind in self.kinds.items():
                for item_id, priority in kind.recover():
                    self.submit(name, item_id, priority)
        for index in range(max(1, self.config.job_workers)):
            self._spawn(self._work, f"job-worker-{index + 1}")
        for chore in self._chores:
            self._spawn(functools.partial(self._periodically, chore), chore.name)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self.running.cancel_all()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    # -- the Dispatcher protocol

    def submit(self, kind: str, item_id: str, priority: int, force: bool = False) -> None:
        with self._cond:
            heapq.heappush(self._heap, _Entry((-priority, next(self._seq)), str(kind), item_id, force))
            self._cond.notify()

    def cancel(self, kind: str, item_id: str, wait: float) -> bool:
        """Stop an item running in this process; True once its worker has recorded the end."""
        running = self.running.cancel(str(kind), item_id)
        return running is not None and running.done.wait(wait)

    def stats(self) -> dict[str, int]:
        with self.app.app_context():
            counts = job_service.status_counts()
        workers = sum(1 for t in self._threads if t.name.startswith("job-worker") and t.is_alive())
        return {
            "queued": counts.get("queued", 0),
            "running": len(self.running),
            "workers": workers or self.config.job_workers,
        }

    # -- workers

    def _next(self) -> _Entry | None:
        with self._cond:
            while not self._heap and not self._stopping.is_set():
                self._cond.wait(timeout=1.0)
            if self._stopping.is_set():
                return None
            return heapq.heappop(self._heap)

    def _work(self) -> None:
        while (entry := self._next()) is not None:
            running = self.running.enter(entry.kind, entry.item_id)
            if running is None:
                continue  # a duplicate queue entry of an item already running here
            try:
                run_item(self.app, self.kinds[entry.kind], entry.item_id, running, entry.force)
            finally:
                self.running.leave(entry.kind, entry.item_id)

    def _periodically(self, chore: chores.Chore) -> None:
        # Errors are logged, not raised: one failed round must not end the thread.
        while not self._stopping.wait(max(0.05, chore.interval)):
            try:
                chore.task()
            except Exception:
                log.exception("periodic task %s failed", chore.name)


__all__ = ["JobManager", "Kind", "default_factory"]
