"""Health checks: the database answers, ffmpeg runs, and the job queue's state."""

from __future__ import annotations

import re
import threading
import time

from sqlalchemy import text

from backend.extensions import db
from backend.pipeline import ffmpeg
from backend.pipeline.errors import PipelineError

_FFMPEG_TTL = 30.0
_cache_lock = threading.Lock()
_ffmpeg_cache: tuple[float, str | None] = (0.0, None)


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
        out = ffmpeg.run(["ffmpeg", "-version"], timeout=10).decode("utf-8", "replace")
    except (OSError, PipelineError):
        return None
    match = re.search(r"ffmpeg version (\S+)", out)
    return match.group(1) if match else "unknown"
