"""The stage protocol and the state passed from one stage to the next.

A stage's `run(ctx, state)` does its work, writes its outputs atomically under `ctx.job_dir`,
fills `state` and returns a JSON-able *record*. The processor stores the record as the stage's
completion marker; on a later run `restore(ctx, state, record)` refills `state` from it (and
returns False when an output has gone missing, so the stage runs again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from backend.pipeline.context import JobContext
from backend.pipeline.ffmpeg import MediaInfo
from backend.pipeline.grounding import ClipCandidate
from backend.pipeline.result import PipelineResult, RenderedClip
from backend.pipeline.transcript import Transcript


@dataclass
class PipelineState:
    media_path: Path | None = None
    media: MediaInfo | None = None
    captions_path: Path | None = None
    captions_language: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    transcript: Transcript | None = None
    candidates: list[ClipCandidate] = field(default_factory=list)
    analysis_meta: dict[str, Any] = field(default_factory=dict)
    clips: list[RenderedClip] = field(default_factory=list)
    result: PipelineResult | None = None


class Stage(Protocol):
    name: str  # the job's `stage` value while it runs

    def run(self, ctx: JobContext, state: PipelineState) -> dict[str, Any]: ...

    def restore(self, ctx: JobContext, state: PipelineState, record: dict[str, Any]) -> bool: ...


def relative(path: Path, job_dir: Path) -> str:
    return str(path.resolve().relative_to(job_dir.resolve()))


def stored_path(value: str | None, job_dir: Path) -> Path | None:
    """Paths in records are relative to the job dir when inside it, else absolute."""
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else job_dir / path


def path_for_record(path: Path | None, job_dir: Path) -> str | None:
    if path is None:
        return None
    try:
        return relative(path, job_dir)
    except ValueError:
        return str(path.resolve())
