"""The one channel through which the pipeline reports progress (the server persists and emits it,
the CLI draws bars)."""

from __future__ import annotations

from typing import Any, Protocol


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
