"""Background work of the server process: the JobManager, its DB reporter and the clean-up."""

from __future__ import annotations

from flask import Flask

from backend.config import Config
from backend.jobs.manager import JobManager


def init_jobs(app: Flask, config: Config) -> JobManager:
    """Create the app's JobManager; `start_runtime` (serving processes only) starts it."""
    manager = JobManager(app, config)
    app.extensions["job_manager"] = manager
    app.extensions["start_runtime"] = manager.start
    return manager
