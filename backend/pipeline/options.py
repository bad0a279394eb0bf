"""The options a job runs with, fully resolved."""

from __future__ import annotations

from dataclasses import dataclass


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
