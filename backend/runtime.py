"""What a serving process does after the app is built: migrate, then start background work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from backend.extensions import db

# Any constant shared by every process of this app: the key of the migration lock.
MIGRATION_LOCK_KEY = 0x56434C4950  # "VCLIP"


def upgrade_database(app: Flask) -> None:
    """Bring the schema up to date. Several processes starting at once (gunicorn web processes,
    workers) must not run the same migration twice: on PostgreSQL they take turns under an
    advisory lock, and the later ones find nothing left to do."""
    with app.app_context(), _migration_lock():
        upgrade()


@contextmanager
def _migration_lock() -> Iterator[None]:
    if db.engine.dialect.name != "postgresql":
        yield  # SQLite is the one-process embedded default
        return
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            conn.commit()


def start_runtime(app: Flask) -> None:
    """Start the in-process services (the JobManager, once it exists) for a serving process."""
    starter = app.extensions.get("start_runtime")
    if starter is not None:
        starter()
