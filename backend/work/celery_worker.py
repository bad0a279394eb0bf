"""`python -m backend worker`: a Celery worker process running every kind of work item through
the same kinds as the thread pool (backend/work/registry.py).

Pool: Celery's thread pool. The heavy part of every item is ffmpeg (or whisper's native code),
which runs outside the GIL, so threads lose nothing to processes; and a thread pool keeps each
item's CancelToken in this one process, where the supervisor thread can fire it (killing the
item's ffmpeg process group) the moment the row asks for a cancel.

The supervisor thread of each worker, every WORKER_CANCEL_POLL_SECONDS, fires the tokens of the
items whose row (or Redis cancel mark) asks them to stop; every WORKER_HEARTBEAT_SECONDS it
refreshes its items' heartbeats and running marks, and sweeps: any item in a running state whose
heartbeat is older than WORKER_STALE_SECONDS lost its worker, and is handed back to the queue.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import redis
from celery import Celery
from flask import Flask

from backend.config import Config
from backend.models import utcnow
from backend.pipeline import ffmpeg
from backend.realtime.emitter import QueueEmitter
from backend.work import chores, liveness, registry
from backend.work.celery_app import (
    TASK,
    CeleryDispatcher,
    cancel_key,
    make_celery,
    mark_ttl,
    running_key,
    worker_key,
)
from backend.work.kinds import WorkContext
from backend.work.running import RunningItems, run_item
from backend.work.threads import default_factory

log = logging.getLogger(__name__)


class WorkerRuntime:
    """What one worker process holds: the app, the kinds, the items running here."""

    def __init__(self, app: Flask, config: Config, factory: Any = None) -> None:
        self.app = app
        self.config = config
        self.dispatcher = CeleryDispatcher(config)
        emitter = QueueEmitter(config.redis_url)
        ctx = WorkContext(config, emitter, self.dispatcher, app=app, factory=factory or default_factory)
        self.kinds = registry.build(ctx)
        self.lifecycle = registry.job_kind(self.kinds)
        self.redis: Any = redis.Redis.from_url(config.redis_url)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.running = RunningItems()

    def cutoff(self) -> Any:
        return utcnow() - timedelta(seconds=self.config.worker_stale_seconds)

    # -- one task

    def run(self, kind: str, item_id: str, force: bool) -> None:
        """Run one delivered item; a duplicate or a re-delivery of an item that is done or alive
        elsewhere ends here as a no-op (its claim fails)."""
        running = self.running.enter(kind, item_id)
        if running is None:
            return
        try:
            # An item its dead worker left running is released first (the sweep's conditional
            # UPDATE), so this delivery can claim it; a live one stays with its worker.
            with self.app.app_context():
                self.kinds[kind].release(item_id, self.cutoff())
            self.redis.set(running_key(kind, item_id), self.name, ex=mark_ttl(self.config))
            run_item(self.app, self.kinds[kind], item_id, running, force)
        except Exception:
            log.exception("worker failed on %s %s", kind, item_id)
        finally:
            self.running.leave(kind, item_id)
            self.redis.delete(running_key(kind, item_id), cancel_key(kind, item_id))

    # -- the supervisor's rounds

    def poll_cancels(self) -> None:
        running = self.running.by_kind()
        keys = [(kind, item_id) for kind, ids in running.items() for item_id in ids]
        if not keys:
            return
        with self.app.app_context():
            stop = liveness.to_cancel(self.kinds, running)
        marks = self.redis.mget([cancel_key(kind, item_id) for kind, item_id in keys])
        stop |= {key for key, mark in zip(keys, marks, strict=True) if mark}
        for kind, item_id in stop:
            item = self.running.get(kind, item_id)
            if item is not None and not item.token.cancelled:
                log.info("cancelling %s %s", kind, item_id)
                item.token.cancel()

    def beat(self) -> None:
        running = self.running.by_kind()
        self.redis.set(worker_key(self.name), "1", ex=mark_ttl(self.config))
        for kind, ids in running.items():
            for item_id in ids:
                self.redis.set(running_key(kind, item_id), self.name, ex=mark_ttl(self.config))
        if running:
            with self.app.app_context():
                liveness.beat(self.kinds, running)

    def sweep(self) -> None:
        """Hand back to the queue what a dead worker left running (each release is atomic)."""
        cutoff = self.cutoff()
        with self.app.app_context():
            mine = {(kind, i) for kind, ids in self.running.by_kind().items() for i in ids}
            for kind, item_id, priority in liveness.stale(self.kinds, cutoff):
                if (kind, item_id) not in mine and self.kinds[kind].release(item_id, cutoff):
                    log.warning("%s %s lost its worker: re-queued", kind, item_id)
                    self.dispatcher.submit(kind, item_id, priority)

    def chore(self, chore: chores.Chore) -> None:
        """A per-host chore runs here every round; a cluster chore once per interval across all
        workers (whoever takes the Redis mark first)."""
        key = f"viral_clipper:chore:{chore.name}"
        if chore.per_host or self.redis.set(key, self.name, nx=True, ex=max(1, int(chore.interval))):
            chore.task()

    def stop_all(self) -> None:
        self.running.cancel_all()


class Supervisor:
    """The worker's one background thread: cancels, heartbeats, the sweep and the chores."""

    def __init__(self, runtime: WorkerRuntime) -> None:
        self.runtime = runtime
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="worker-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(10.0)

    def _loop(self) -> None:
        config = self.runtime.config
        last_beat = 0.0
        while not self._stopping.wait(config.worker_cancel_poll_seconds):
            self._guarded("cancel poll", self.runtime.poll_cancels)
            if time.monotonic() - last_beat >= config.worker_heartbeat_seconds:
                last_beat = time.monotonic()
                self._guarded("heartbeat", self.runtime.beat)
                self._guarded("sweep", self.runtime.sweep)
                self._guarded("chores", self._chores)

    def _chores(self) -> None:
        runtime = self.runtime
        for chore in chores.for_process(runtime.app, runtime.config, runtime.lifecycle):
            self._guarded(chore.name, functools.partial(runtime.chore, chore))

    @staticmethod
    def _guarded(name: str, step: Callable[[], None]) -> None:
        # One failed round (a database restart, say) must not end the thread.
        try:
            step()
        except Exception:
            log.exception("worker %s failed", name)


def register_task(celery: Celery, runtime: WorkerRuntime) -> None:
    @celery.task(name=TASK, acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
    def run_item(kind: str, item_id: str, force: bool = False) -> None:
        runtime.run(kind, item_id, bool(force))


def run_worker(config: Config, concurrency: int, loglevel: str = "INFO") -> int:
    from backend.app import create_app

    if not ffmpeg.die_with_parent():
        log.warning("setpriv not found: ffmpeg started by this worker would outlive a kill -9 of it")
    app = create_app(config)
    runtime = WorkerRuntime(app, config)
    celery = make_celery(config)
    register_task(celery, runtime)
    supervisor = Supervisor(runtime)
    supervisor.start()
    try:
        celery.worker_main(
            [
                "worker",
                "--pool=threads",
                f"--concurrency={max(1, concurrency)}",
                f"--loglevel={loglevel}",
                f"--hostname=viral-clipper-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
        )
    finally:
        runtime.stop_all()
        supervisor.stop()
    return 0
