"""Real pipeline stages made slow or failing on purpose, to hit a cancel or a failure at a known
stage. They run real subprocesses through the pipeline's own helper (process group, cancel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.config import Config
from backend.pipeline import ffmpeg
from backend.pipeline.context import JobContext
from backend.pipeline.errors import AnalysisError
from backend.pipeline.options import JobOptions
from backend.pipeline.processor import VideoProcessor
from backend.pipeline.stages import build_stages
from backend.pipeline.stages.base import PipelineState, Stage

# ffmpeg reading a 10-minute silent source in real time (-re): long-running until killed.
SLOW_FFMPEG = [
    "ffmpeg",
    "-nostdin",
    "-v",
    "error",
    "-re",
    "-f",
    "lavfi",
    "-i",
    "anullsrc=d=600",
    "-f",
    "null",
    "-",
]


class Stalled:
    """Runs `inner` after a real ffmpeg that would take minutes; only a cancel ends it early."""

    def __init__(self, inner: Stage) -> None:
        self.inner = inner
        self.name = inner.name

    def run(self, ctx: JobContext, state: PipelineState) -> dict[str, Any]:
        ctx.reporter.progress(self.name, 0.1, "working slowly")
        ffmpeg.run(SLOW_FFMPEG, cancel=ctx.cancel, timeout=600)
        return self.inner.run(ctx, state)

    def restore(self, ctx: JobContext, state: PipelineState, record: dict[str, Any]) -> bool:
        return self.inner.restore(ctx, state, record)


class FailOnce:
    """Fails the first time it runs in a job folder (like a flaky provider), then works."""

    def __init__(self, inner: Stage) -> None:
        self.inner = inner
        self.name = inner.name

    def run(self, ctx: JobContext, state: PipelineState) -> dict[str, Any]:
        flag = Path(ctx.job_dir) / f".failed-once-{self.name}"
        if not flag.exists():
            flag.write_text("1")
            raise AnalysisError("The analysis provider timed out")
        return self.inner.run(ctx, state)

    def restore(self, ctx: JobContext, state: PipelineState, record: dict[str, Any]) -> bool:
        return self.inner.restore(ctx, state, record)


def processor_with(stage_name: str, wrapper: type) -> Any:
    """A processor factory whose `stage_name` stage is wrapped."""

    def factory(config: Config) -> VideoProcessor:
        stages = [wrapper(s) if s.name == stage_name else s for s in build_stages(JobOptions())]
        return VideoProcessor(config, stages=stages)

    return factory
