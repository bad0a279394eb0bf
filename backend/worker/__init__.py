"""The worker side of the server: the JobManager threads (JOB_BACKEND=threads) or, with
JOB_BACKEND=celery, a `CeleryDispatcher` that only enqueues for the worker processes."""

from __future__ import annotations

from flask import Flask

from backend.config import Config
from backend.realtime.emitter import Emitter, SocketEmitter
from backend.services import renders
from backend.services.lifecycle import JobLifecycle
from backend.worker import handlers
from backend.worker.handlers import PUBLICATION, refresh_stats
from backend.worker.manager import JobManager
from backend.youtube import uploader

__all__ = ["PUBLICATION", "init_jobs", "init_worker", "refresh_stats"]


def init_jobs(app: Flask, config: Config) -> None:
    """The app's job backend (JOB_BACKEND)."""
    if config.job_backend == "celery":
        _init_celery(app, config, SocketEmitter())
    else:
        init_worker(app, config)


def init_worker(app: Flask, config: Config, emitter: Emitter | None = None) -> JobManager:
    """Create the app's JobManager and lifecycle; `start_runtime` (serving processes only) starts it."""
    emitter = emitter or SocketEmitter()
    manager = JobManager(app, config, emitter)
    for kind, handler in handlers.build(app, config, emitter, manager.lifecycle, manager.factory).items():
        if kind != handlers.JOB:  # the manager's own runs its factory (tests inject theirs)
            manager.register(kind, handler)
    if config.youtube_configured:
        manager.every(config.youtube_stats_interval, "youtube-stats", lambda: refresh_stats(app, config))
    app.extensions["job_manager"] = manager
    app.extensions["job_lifecycle"] = manager.lifecycle
    app.extensions["start_runtime"] = lambda: _start(app, manager)
    return manager


def _init_celery(app: Flask, config: Config, emitter: Emitter) -> None:
    # Imported here: the threads default never loads Celery.
    from backend.worker.celery_app import CeleryDispatcher

    dispatcher = CeleryDispatcher(config)
    app.extensions["job_manager"] = dispatcher
    app.extensions["job_lifecycle"] = JobLifecycle(config, emitter, dispatcher)
    # Nothing to start: recovery is the workers' sweep (a web process restarting must not
    # re-queue what live workers are running).


def _start(app: Flask, manager: JobManager) -> None:
    manager.start()
    with app.app_context():
        uploader.recover(manager)
        renders.recover(manager)
        manager.lifecycle.settle_uploads()
