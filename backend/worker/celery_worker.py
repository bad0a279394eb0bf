"""`python -m backend worker`: a Celery worker process running jobs, re-renders and publications
through the same handlers as the JobManager (backend/worker/handlers.py).

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

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import redis
from celery import Celery
from flask import Flask

from backend.config import Config
from backend.models import utcnow
from backend.pipeline import ffmpeg
from backend.pipeline.cancel import CancelToken
from backend.realtime.emitter import QueueEmitter
from backend.services import heartbeats
from backend.services.lifecycle import JobLifecycle
from backend.worker import handlers
from backend.worker.celery_app import (
    TASK,
    CeleryDispatcher,
    cancel_key,
    make_celery,
    mark_ttl,
    running_key,
    worker_key,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Item:
    kind: str
    token: CancelToken


class WorkerRuntime:
    """What one worker process holds: the app, the shared handlers, the items running here."""

    def __init__(self, app: Flask, config: Config, factory: Any = None) -> None:
        self.app = app
        self.config = config
        self.dispatcher = CeleryDispatcher(config)
        self.lifecycle = JobLifecycle(config, QueueEmitter(config.redis_url), self.dispatcher)
        self.handlers = handlers.build(app, config, self.lifecycle.emitter, self.lifecycle,
                                       factory or handlers.default_factory)  # fmt: skip
        self.redis: Any = redis.Redis.from_url(config.redis_url)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._lock = threading.Lock()
        self._running: dict[str, _Item] = {}

    def cutoff(self) -> Any:
        return utcnow() - timedelta(seconds=self.config.worker_stale_seconds)

    # -- one task

    def run(self, kind: str, item_id: str, force: bool) -> None:
        """Run one delivered item; a duplicate or a re-delivery of an item that is done or alive
        elsewhere ends here as a no-op (its claim fails)."""
        token = CancelToken()
        with self._lock:
            if item_id in self._running:
                return
            self._running[item_id] = _Item(kind, token)
        try:
            if self._take(kind, item_id):
                self.redis.set(running_key(item_id), self.name, ex=mark_ttl(self.config))
                self.handlers[kind](item_id, token, force)
        except Exception:
            log.exception("worker failed on %s %s", kind, item_id)
        finally:
            with self._lock:
                self._running.pop(item_id, None)
            self.redis.delete(running_key(item_id), cancel_key(item_id))
            if kind == handlers.RENDER:
                with self.app.app_context():
                    heartbeats.end_render(item_id)

    def _take(self, kind: str, item_id: str) -> bool:
        """Before the handler's own claim: an item its dead worker left running is released (the
        same conditional UPDATE as the sweep's), and a re-render is claimed by its heartbeat."""
        with self.app.app_context():
            if kind == handlers.JOB:
                self.lifecycle.requeue_stale(item_id, self.cutoff())
            elif kind == handlers.PUBLICATION:
                heartbeats.release_upload(item_id, self.cutoff())
            elif kind == handlers.RENDER:
                return heartbeats.claim_render(item_id, self.cutoff())
        return True

    # -- the supervisor's rounds

    def running(self) -> dict[str, set[str]]:
        with self._lock:
            return heartbeats.ids_of((item.kind, item_id) for item_id, item in self._running.items())

    def poll_cancels(self) -> None:
        running = self.running()
        ids = [i for group in running.values() for i in group]
        if not ids:
            return
        with self.app.app_context():
            stop = heartbeats.to_cancel(running)
        marks = self.redis.mget([cancel_key(i) for i in ids])
        stop |= {i for i, mark in zip(ids, marks, strict=True) if mark}
        for item_id in stop:
            with self._lock:
                item = self._running.get(item_id)
            if item is not None and not item.token.cancelled:
                log.info("cancelling %s %s", item.kind, item_id)
                item.token.cancel()

    def beat(self) -> None:
        running = self.running()
        self.redis.set(worker_key(self.name), "1", ex=mark_ttl(self.config))
        for group in running.values():
            for item_id in group:
                self.redis.set(running_key(item_id), self.name, ex=mark_ttl(self.config))
        if running:
            with self.app.app_context():
                heartbeats.beat(running)

    def sweep(self) -> None:
        """Hand back to the queue what a dead worker left running (each release is atomic)."""
        cutoff = self.cutoff()
        with self.app.app_context():
            mine = {i for group in self.running().values() for i in group}
            for kind, item_id, priority in heartbeats.stale(cutoff):
                if item_id not in mine and self._release(kind, item_id, cutoff):
                    log.warning("%s %s lost its worker: re-queued", kind, item_id)
                    self.dispatcher.submit(item_id, priority, kind=kind)

    def _release(self, kind: str, item_id: str, cutoff: Any) -> bool:
        if kind == handlers.JOB:
            return self.lifecycle.requeue_stale(item_id, cutoff)
        if kind == handlers.RENDER:
            return heartbeats.release_render(item_id, cutoff)
        return heartbeats.release_upload(item_id, cutoff)

    def once_per_cluster(self, name: str, interval: float, task: Callable[[], None]) -> None:
        """A periodic chore (clean-up, statistics) that one worker of all should do per interval."""
        if self.redis.set(f"viral_clipper:chore:{name}", self.name, nx=True, ex=max(1, int(interval))):
            task()

    def stop_all(self) -> None:
        with self._lock:
            items = list(self._running.values())
        for item in items:
            item.token.cancel()


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
        runtime, config = self.runtime, self.runtime.config

        def expire() -> None:
            with runtime.app.app_context():
                runtime.lifecycle.expire(timedelta(hours=config.artifact_ttl_hours))

        runtime.once_per_cluster("cleanup", config.cleanup_interval_seconds, expire)
        if config.youtube_configured:
            stats = lambda: handlers.refresh_stats(runtime.app, config)  # noqa: E731
            runtime.once_per_cluster("youtube-stats", config.youtube_stats_interval, stats)

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
            ["worker", "--pool=threads", f"--concurrency={max(1, concurrency)}", f"--loglevel={loglevel}",
             f"--hostname=viral-clipper-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat"]
        )  # fmt: skip
    finally:
        runtime.stop_all()
        supervisor.stop()
    return 0
