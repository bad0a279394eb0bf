"""The worker pool of the server process: JobManager threads, the DB reporter, one job's run."""

from __future__ import annotations

from flask import Flask

from backend.config import Config
from backend.realtime.emitter import Emitter, SocketEmitter
from backend.services import renders
from backend.worker import rerender
from backend.worker.manager import JobManager
from backend.youtube import uploader

PUBLICATION = "publication"


def init_worker(app: Flask, config: Config, emitter: Emitter | None = None) -> JobManager:
    """Create the app's JobManager and lifecycle; `start_runtime` (serving processes only) starts it."""
    emitter = emitter or SocketEmitter()
    manager = JobManager(app, config, emitter)
    manager.register(
        PUBLICATION, lambda item_id, token, _force: uploader.run(app, config, emitter, item_id, token)
    )
    manager.register(
        renders.KIND, lambda item_id, token, _force: rerender.run(app, config, emitter, item_id, token)
    )
    app.extensions["job_manager"] = manager
    app.extensions["job_lifecycle"] = manager.lifecycle
    app.extensions["start_runtime"] = lambda: _start(app, manager)
    return manager


def _start(app: Flask, manager: JobManager) -> None:
    manager.start()
    with app.app_context():
        uploader.recover(manager)
        renders.recover(manager)
