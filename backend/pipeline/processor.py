"""VideoProcessor: runs the stages of one job (assembled from its options) and returns its result.

The job folder's layout is `backend.pipeline.layout`. A re-run skips every stage whose record
exists and whose outputs are still there (unless `ctx.force`); once one stage runs again, all
later stages run again too. Transcripts made by Whisper are also cached across jobs in
DATA_DIR/cache/transcripts/ keyed by (source sha256, model, language).

With a remote copy (`ctx.remote`, the bucket), the remote stage records decide what is done: a
stage's outputs are stored remotely before its record is, and restoring a stage first fetches
the files its record lists (`backend.pipeline.remote`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backend.config import Config
from backend.pipeline.context import JobContext
from backend.pipeline.errors import PipelineError
from backend.pipeline.files import atomic_write_json
from backend.pipeline.layout import STAGES_DIR, stage_record
from backend.pipeline.remote import STORED_KEY, Snapshot, snapshot, written_since
from backend.pipeline.result import PipelineResult
from backend.pipeline.stages import build_stages
from backend.pipeline.stages.base import PipelineState, Stage


class VideoProcessor:
    def __init__(self, config: Config, stages: list[Stage] | None = None) -> None:
        self.config = config
        self.stages = stages  # None: the stages this job's options call for

    def run(self, ctx: JobContext) -> PipelineResult:
        """Run (or resume) the job; raises a typed PipelineError subclass on failure."""
        ctx.job_dir.mkdir(parents=True, exist_ok=True)
        state = PipelineState()
        may_skip = not ctx.force
        for stage in self.stages if self.stages is not None else build_stages(ctx.options):
            ctx.cancel.raise_if_cancelled()
            ctx.reporter.stage_started(stage.name)
            if may_skip and self._restore(ctx, stage, state):
                ctx.reporter.stage_completed(stage.name, skipped=True)
                continue
            may_skip = False
            ctx.logger.info("stage %s started", stage.name)
            before = snapshot(ctx.job_dir) if ctx.remote is not None else {}
            record = stage.run(ctx, state)
            self._record(ctx, stage, record, before)
            ctx.reporter.stage_completed(stage.name)
        if state.result is None:
            raise PipelineError("The pipeline ended without a result (no finalize stage)")
        return state.result

    def _marker(self, ctx: JobContext, stage: Stage) -> Path:
        return stage_record(ctx.job_dir, stage.name)

    def _record(self, ctx: JobContext, stage: Stage, record: dict[str, Any], before: Snapshot) -> None:
        marker = self._marker(ctx, stage)
        if ctx.remote is None:
            atomic_write_json(marker, record)
            return
        outputs = written_since(ctx.job_dir, before)
        ctx.remote.put(sorted(outputs))  # outputs first: a stored record always has its files
        atomic_write_json(marker, {**record, STORED_KEY: outputs})
        ctx.remote.put([f"{STAGES_DIR}/{marker.name}"])

    def _restore(self, ctx: JobContext, stage: Stage, state: PipelineState) -> bool:
        marker = self._marker(ctx, stage)
        if ctx.remote is not None and not ctx.remote.fetch_fresh(f"{STAGES_DIR}/{marker.name}"):
            return False
        if not marker.is_file():
            return False
        try:
            record = json.loads(marker.read_text(encoding="utf-8"))
            if ctx.remote is not None:
                for relative, size in dict(record.get(STORED_KEY) or {}).items():
                    ctx.remote.fetch(relative, size)
            return stage.restore(ctx, state, record)
        except (KeyError, TypeError, ValueError, OSError, PipelineError):
            return False  # a stale or foreign record: run the stage again
