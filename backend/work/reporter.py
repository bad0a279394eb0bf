"""The server's ProgressReporter: throttled, then persisted and emitted by the lifecycle.

Progress is clamped to be monotonic within the run; the pipeline may call from several render
threads at once. Each write opens its own short app context (its own DB session).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask

from backend.pipeline.stages import Band, overall_progress

if TYPE_CHECKING:
    from backend.work.job import JobLifecycle

MIN_INTERVAL = 0.25  # at most ~4 progress updates per second per job


class DbReporter:
    def __init__(
        self,
        app: Flask,
        lifecycle: JobLifecycle,
        job_id: str,
        bands: dict[str, Band],
        attempt: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.app = app
        self.lifecycle = lifecycle
        self.job_id = job_id
        self.attempt = attempt  # the run's: a run that lost its job reports nothing
        self.bands = bands
        self.clock = clock
        self._lock = threading.Lock()
        self._stage: str | None = None
        self._progress = 0.0
        self._last_write = 0.0

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
            self.lifecycle.metadata(self.job_id, info)

    def _write(self, stage: str | None, message: str | None, event: tuple[str, str] | None = None) -> None:
        self._last_write = self.clock()
        with self.app.app_context():
            self.lifecycle.progress(self.job_id, stage, self._progress, message, event, self.attempt)
