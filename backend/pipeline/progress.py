"""The one channel through which the pipeline reports progress (the server persists and emits it,
the CLI draws bars)."""

from __future__ import annotations

from typing import Any, Protocol


class ProgressReporter(Protocol):
    """The one channel through which the pipeline reports; implementations throttle and persist.

    `fraction` is progress *within* the current stage (0..1); the server's reporter maps it into
    the stage's band of the job's 0-100 progress (`backend.pipeline.stages.bands_for`).
    """

    def stage_started(self, stage: str) -> None: ...

    def progress(self, stage: str, fraction: float, message: str | None = None) -> None: ...

    def stage_completed(self, stage: str, skipped: bool = False) -> None: ...

    def warning(self, message: str) -> None: ...

    def metadata(self, info: dict[str, Any]) -> None:
        """Source metadata known early (title, duration, channel, thumbnail_url)."""
        ...
