"""The worker pool of the server process: JobManager threads, the DB reporter, one job's run."""

from __future__ import annotations

from flask import Flask

from backend.config import Config
from backend.realtime.emitter import Emitter, SocketEmitter
from backend.worker.manager import JobManager


def init_worker(app: Flask, config: Config, emitter: Emitter | None = None) -> JobManager:
    """Create the app's JobManager and lifecycle; `start_runtime` (serving processes only) starts it."""
    manager = JobManager(app, config, emitter or SocketEmitter())
    app.extensions["job_manager"] = manager
    app.extensions["job_lifecycle"] = manager.lifecycle
    app.extensions["start_runtime"] = manager.start
    return manager
