"""What every stage receives: the job's context, its progress reporter and its cancel token.

This module is the seam between the pipeline and its two callers (the server's JobManager and
the `process` CLI). Neither caller's details (database, Socket.IO, terminal) leak in here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from backend.config import Config


class PipelineError(Exception):
    """Base of the typed pipeline errors; `str(err)` is a message a user can act on."""

    stage: str = "pipeline"


class DownloadError(PipelineError):
    stage = "downloading"


class TranscriptionError(PipelineError):
    stage = "transcribing"


class AnalysisError(PipelineError):
    stage = "analyzing"


class RenderError(PipelineError):
    stage = "rendering"


class JobCancelled(PipelineError):
    """Raised at the next cancel check after a cancel was requested."""


class CancelToken:
    """Thread-safe cancel flag; callbacks let a cancel kill running subprocesses at once."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        with self._lock:
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise JobCancelled("The job was cancelled")

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Register `callback` (runs immediately if already cancelled); returns an unregister."""
        with self._lock:
            self._callbacks.append(callback)
            already = self._event.is_set()
        if already:
            callback()

        def unregister() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unregister


class ProgressReporter(Protocol):
    """The one channel through which the pipeline reports; implementations throttle and persist.

    `fraction` is progress *within* the current stage (0..1); the reporter maps it into the
    stage's band of the job's 0-100 progress (downloading 0-20, transcribing 20-60,
    analyzing 60-80, rendering 80-100).
    """

    def stage_started(self, stage: str) -> None: ...

    def progress(self, stage: str, fraction: float, message: str | None = None) -> None: ...

    def stage_completed(self, stage: str, skipped: bool = False) -> None: ...

    def warning(self, message: str) -> None: ...

    def metadata(self, info: dict[str, Any]) -> None:
        """Source metadata known early (title, duration, channel, thumbnail_url)."""
        ...


STAGE_BANDS: dict[str, tuple[float, float]] = {
    "downloading": (0.0, 20.0),
    "transcribing": (20.0, 60.0),
    "analyzing": (60.0, 80.0),
    "rendering": (80.0, 100.0),
    "finalizing": (100.0, 100.0),
}


def overall_progress(stage: str, fraction: float) -> float:
    low, high = STAGE_BANDS.get(stage, (0.0, 100.0))
    return round(low + (high - low) * min(max(fraction, 0.0), 1.0), 2)


@dataclass(frozen=True)
class CriterionText:
    """A criteria text exactly as a job uses it (builtin file or a user's revision)."""

    name: str
    title: str
    content: str
    source: str  # "builtin" | "user"
    revision: int
    sha256: str


@dataclass(frozen=True)
class JobOptions:
    """Fully resolved options (request > user settings > server config)."""

    language: str = "auto"
    whisper_model: str | None = None  # None: config.whisper_model
    use_source_captions: bool = True
    criteria: tuple[str, ...] = ()
    prompt: str = ""
    min_clip_duration: float = 20.0
    max_clip_duration: float = 60.0
    max_clips: int = 5
    min_score: float = 0.0


@dataclass(frozen=True)
class Source:
    """Where the video comes from. `url` is already validated/canonical for youtube/url kinds."""

    kind: str  # "youtube" | "url" | "file"
    url: str | None = None
    path: Path | None = None
    captions_path: Path | None = None


@dataclass
class JobContext:
    job_id: str
    job_dir: Path
    source: Source
    options: JobOptions
    config: Config
    reporter: ProgressReporter
    criteria: list[CriterionText] = field(default_factory=list)
    cancel: CancelToken = field(default_factory=CancelToken)
    force: bool = False
    logger: logging.LoggerAdapter[logging.Logger] = field(
        default_factory=lambda: logging.LoggerAdapter(logging.getLogger("backend.pipeline"), {})
    )
