"""Health checks: the database answers, ffmpeg runs, and the job queue's state."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, select, text

from backend.extensions import db
from backend.models import Job, JobStatus

_FFMPEG_TTL = 30.0
_cache_lock = threading.Lock()
_ffmpeg_cache: tuple[float, str | None] = (0.0, None)


@dataclass(frozen=True)
class QueueCounts:
    queued: int
    running: int
    workers: int


def database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "down" for a health check
        db.session.rollback()
        return False


def ffmpeg_version() -> str | None:
    """`ffmpeg -version`'s number, cached briefly: /health must stay cheap under load."""
    global _ffmpeg_cache
    with _cache_lock:
        checked_at, version = _ffmpeg_cache
        if version is not None and time.monotonic() - checked_at < _FFMPEG_TTL:
            return version
    version = _probe_ffmpeg()
    with _cache_lock:
        _ffmpeg_cache = (time.monotonic(), version)
    return version


def _probe_ffmpeg() -> str | None:
    try:
        out = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"ffmpeg version (\S+)", out.stdout)
    return match.group(1) if match else "unknown"


def queue_counts_from_db(workers: int) -> QueueCounts:
    rows = dict(
        db.session.execute(
            select(Job.status, func.count())
            .where(Job.status.in_([JobStatus.QUEUED.value, JobStatus.PROCESSING.value]))
            .group_by(Job.status)
        ).all()
    )
    return QueueCounts(rows.get(JobStatus.QUEUED.value, 0), rows.get(JobStatus.PROCESSING.value, 0), workers)
