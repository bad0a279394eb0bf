"""JobManager: JOB_WORKERS OS threads fed by a priority queue of work items.

The database row is the source of truth: the queue holds only (kind, id) pairs (rebuilt from
the rows on start), a handler claims its row atomically before running it, and a cancel is
both flagged on the row and delivered to the running worker's CancelToken (which kills its
subprocess group). Each kind of work (a job today; re-renders and publications later) is one
registered handler (backend/worker/handlers.py, shared with the Celery worker), so the same
pool runs them all.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask

from backend.config import Config
from backend.pipeline.cancel import CancelToken
from backend.realtime.emitter import Emitter
from backend.services import jobs as job_service
from backend.services.lifecycle import JobLifecycle
from backend.worker import handlers, runner
from backend.worker.handlers import JOB, Handler

log = logging.getLogger(__name__)


@dataclass(order=True)
class _Entry:
    sort_key: tuple[int, int]
    kind: str = field(compare=False)
    item_id: str = field(compare=False)
    force: bool = field(compare=False, default=False)


@dataclass
class _Running:
    token: CancelToken
    done: threading.Event = field(default_factory=threading.Event)


class JobManager:
    def __init__(self, app: Flask, config: Config, emitter: Emitter,
                 factory: runner.ProcessorFactory | None = None) -> None:  # fmt: skip
        self.app = app
        self.config = config
        self.factory = factory or handlers.default_factory
        self.lifecycle = JobLifecycle(config, emitter, dispatcher=self)
        self._handlers: dict[str, Handler] = {JOB: self._run_job}
        self._heap: list[_Entry] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._running: dict[str, _Running] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._periodic: list[tuple[str, float, Callable[[], None]]] = []

    def every(self, interval: float, name: str, task: Callable[[], None]) -> None:
        """Run `task` every `interval` s once started (a thread like the clean-up's)."""
        self._periodic.append((name, interval, task))

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    # -- lifecycle of the pool

    def start(self) -> None:
        """Recover what a previous process left, then start the workers and the clean-up."""
        if self._threads:
            return
        with self.app.app_context():
            self.lifecycle.recover()
        for index in range(max(1, self.config.job_workers)):
            self._spawn(self._work, f"job-worker-{index + 1}")
        self._spawn(self._clean_periodically, "job-cleanup")
        for name, interval, task in self._periodic:
            self._spawn(functools.partial(self._periodically, interval, task, name), name)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        with self._cond:
            for entry in self._running.values():
                entry.token.cancel()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    # -- the Dispatcher protocol

    def submit(self, job_id: str, priority: int, force: bool = False, kind: str = JOB) -> None:
        with self._cond:
            heapq.heappush(self._heap, _Entry((-priority, next(self._seq)), kind, job_id, force))
            self._cond.notify()

    def cancel(self, job_id: str, wait: float) -> bool:
        """Stop an item running in this process; True once its worker has recorded the end."""
        with self._cond:
            running = self._running.get(job_id)
        if running is None:
            return False
        running.token.cancel()
        return running.done.wait(wait)

    def stats(self) -> dict[str, int]:
        with self.app.app_context():
            counts = job_service.status_counts()
        with self._cond:
            running = len(self._running)
        workers = sum(1 for t in self._threads if t.name.startswith("job-worker") and t.is_alive())
        return {"queued": counts.get("queued", 0), "running": running,
                "workers": workers or self.config.job_workers}  # fmt: skip

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
            try:
                self._run_one(entry)
            except Exception:  # a bug in one item must not kill the worker
                log.exception("worker failed on %s %s", entry.kind, entry.item_id)

    def _run_one(self, entry: _Entry) -> None:
        running = _Running(CancelToken())
        with self._cond:
            if entry.item_id in self._running:
                return  # a duplicate queue entry of an item already running here
            # Registered before the claim so a cancel arriving right after it finds the token.
            self._running[entry.item_id] = running
        try:
            self._handlers[entry.kind](entry.item_id, running.token, entry.force)
        finally:
            with self._cond:
                self._running.pop(entry.item_id, None)
            running.done.set()

    def _run_job(self, job_id: str, token: CancelToken, force: bool) -> None:
        handlers.run_job(self.app, self.lifecycle, self.factory, job_id, token, force)

    def _clean_periodically(self) -> None:
        interval = max(1.0, self.config.cleanup_interval_seconds)
        while not self._stopping.wait(interval):
            try:
                with self.app.app_context():
                    self.lifecycle.expire(timedelta(hours=self.config.artifact_ttl_hours))
            except Exception:
                log.exception("artifact clean-up failed")

    def _periodically(self, interval: float, task: Callable[[], None], name: str) -> None:
        # Errors are logged, not raised: one failed round must not end the thread.
        while not self._stopping.wait(max(0.05, interval)):
            try:
                task()
            except Exception:
                log.exception("periodic task %s failed", name)
