"""The periodic chores of a process that runs work, declared once for both dispatchers: the
thread pool runs each on its own timer; a Celery worker runs the per-host ones itself and the
cluster ones once per interval across all workers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask

from backend.config import Config
from backend.services import stats
from backend.work.job import JobLifecycle

# A job folder younger than this may belong to a row still being created (an upload).
DELETED_GRACE = timedelta(seconds=60)


@dataclass(frozen=True)
class Chore:
    name: str
    interval: float
    task: Callable[[], None]
    per_host: bool = False  # every host runs it (its own disk); else one host per interval


def for_process(app: Flask, config: Config, lifecycle: JobLifecycle) -> list[Chore]:
    def expire() -> None:
        with app.app_context():
            lifecycle.expire(timedelta(hours=config.artifact_ttl_hours))

    def drop_deleted() -> None:
        with app.app_context():
            lifecycle.drop_deleted(DELETED_GRACE)

    chores = [
        Chore("cleanup", max(1.0, config.cleanup_interval_seconds), expire),
        Chore("drop-deleted", max(1.0, config.worker_heartbeat_seconds), drop_deleted, per_host=True),
    ]
    if config.youtube_configured:

        def refresh() -> None:
            with app.app_context():
                stats.refresh_published(config)

        chores.append(Chore("youtube-stats", config.youtube_stats_interval, refresh))
    return chores
