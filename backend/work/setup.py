"""The app's work backend (JOB_BACKEND): the thread pool in this process, or, with celery, a
`CeleryDispatcher` that only enqueues for the worker processes."""

from __future__ import annotations

from flask import Flask

from backend.config import Config
from backend.realtime.emitter import Emitter, SocketEmitter
from backend.work.job import JobLifecycle
from backend.work.threads import JobManager


def init_jobs(app: Flask, config: Config) -> None:
    if config.job_backend == "celery":
        _init_celery(app, config, SocketEmitter())
    else:
        init_worker(app, config)


def init_worker(app: Flask, config: Config, emitter: Emitter | None = None) -> JobManager:
    """Create the app's thread pool; `start_runtime` (serving processes only) starts it."""
    manager = JobManager(app, config, emitter or SocketEmitter())
    app.extensions["job_manager"] = manager
    app.extensions["job_lifecycle"] = manager.lifecycle
    app.extensions["start_runtime"] = manager.start
    return manager


def _init_celery(app: Flask, config: Config, emitter: Emitter) -> None:
    # Imported here: the threads default never loads Celery.
    from backend.work.celery_app import CeleryDispatcher

    dispatcher = CeleryDispatcher(config)
    app.extensions["job_manager"] = dispatcher
    app.extensions["job_lifecycle"] = JobLifecycle.enqueuing(config, emitter, dispatcher)
    # Nothing to start: recovery is the workers' sweep (a web process restarting must not
    # re-queue what live workers are running).
