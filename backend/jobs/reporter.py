"""The server's ProgressReporter: throttled, persisted, then emitted (in that order).

Each write opens its own short app context (its own DB session) and commits before the event is
emitted, so a client never sees a state the database does not have. Progress is clamped to be
monotonic within the run; the pipeline may call from several render threads at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from backend.extensions import db
from backend.models import Job, JobStatus, utcnow
from backend.pipeline.stages import Band, overall_progress
from backend.realtime import emitter
from backend.services import jobs as job_service

MIN_INTERVAL = 0.25  # at most ~4 progress updates per second per job


class DbReporter:
    def __init__(self, app: Flask, job_id: str, user_id: str, bands: dict[str, Band],
                 clock: Callable[[], float] = time.monotonic):  # fmt: skip
        self.app = app
        self.bands = bands
        self.job_id = job_id
        self.user_id = user_id
        self.clock = clock
        self._lock = threading.Lock()
        self._stage: str | None = None
        self._progress = 0.0
        self._last_write = 0.0

    @property
    def progress_value(self) -> float:
        return self._progress

    # -- ProgressReporter protocol

    def stage_started(self, stage: str) -> None:
        with self._lock:
            self._stage = stage
            self._progress = max(self._progress, overall_progress(self.bands, stage, 0.0))
            self._write(stage, None, event=("stage_started", f"{stage.capitalize()} started"))

    def progress(self, stage: str, fraction: float, message: str | None = None) -> None:
        with self._lock:
            changed = stage != self._stage
            value = max(self._progress, overall_progress(self.bands, stage, fraction))
            if not changed and self.clock() - self._last_write < MIN_INTERVAL:
                self._progress = value  # remembered; the next write carries it
                return
            self._stage, self._progress = stage, value
            self._write(stage, message)

    def stage_completed(self, stage: str, skipped: bool = False) -> None:
        with self._lock:
            self._progress = max(self._progress, overall_progress(self.bands, stage, 1.0))
            kind, text = ("stage_skipped", "done earlier, reused") if skipped else ("stage_completed", "done")
            self._write(stage, None, event=(kind, f"{stage.capitalize()} {text}"))

    def warning(self, message: str) -> None:
        with self._lock:
            self._write(self._stage, message, event=("warning", message))

    def metadata(self, info: dict[str, Any]) -> None:
        with self._lock, self.app.app_context():
            job = db.session.get(Job, self.job_id)
            if job is None:
                return
            job.video_title = str(info.get("title") or job.video_title or "")[:500] or None
            if info.get("duration"):
                job.video_duration = float(info["duration"])
            db.session.commit()
            emitter.emit_to_user(self.user_id, "job_status_changed", job_service.serialize(job))

    # -- persistence

    def _write(self, stage: str | None, message: str | None, event: tuple[str, str] | None = None) -> None:
        self._last_write = self.clock()
        with self.app.app_context():
            job = db.session.get(Job, self.job_id)
            if job is None or job.status != JobStatus.PROCESSING.value:
                return  # deleted or cancelled under us: nothing to report
            job.stage, job.progress, job.updated_at = stage, self._progress, utcnow()
            if event is not None:
                job_service.add_event(job, event[0], event[1])
            db.session.commit()
            payload = {
                "job_id": job.id,
                "status": job.status,
                "stage": stage,
                "progress": self._progress,
                "message": message if event is None else event[1],
                "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
            }
        emitter.emit_to_user(self.user_id, "job_progress", payload)
