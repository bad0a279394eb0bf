"""What a serving process does after the app is built: migrate, then start background work."""

from __future__ import annotations

from flask import Flask
from flask_migrate import upgrade


def upgrade_database(app: Flask) -> None:
    with app.app_context():
        upgrade()


def start_runtime(app: Flask) -> None:
    """Start the in-process services (the JobManager, once it exists) for a serving process."""
    starter = app.extensions.get("start_runtime")
    if starter is not None:
        starter()
