"""VideoProcessor: runs the ordered stages of one job and returns its PipelineResult.

Job directory layout (`ctx.job_dir`, normally DATA_DIR/jobs/<job id>/; the CLI uses --out)::

    source/source.<ext>          downloaded video (yt-dlp); local files are used in place
    source/captions.<ext>        source captions (downloaded, or copied from an upload)
    transcript.json              {language, text, segments: [{start, end, text, words?}], source}
    analysis.json                {meta: {method, model, prompt_sha256, criteria: [...]}, clips: [...]}
    clips/clip_NN.mp4            one H.264/AAC encode per clip (NN = 01, 02, ... best score first)
    clips/clip_NN.jpg            thumbnail (never a black/blank frame)
    clips/clip_NN.srt, .vtt      captions rebased to the clip start
    result.json                  PipelineResult.to_dict() (asset paths relative to the job dir)
    .stages/<stage>.json         completion record of each finished stage

A re-run skips every stage whose record exists and whose outputs are still there (unless
`ctx.force`); once one stage runs again, all later stages run again too. Transcripts made by
Whisper are also cached across jobs in DATA_DIR/cache/transcripts/ keyed by
(source sha256, model, language).
"""

from __future__ import annotations

import json
from typing import Any

from backend.config import Config
from backend.pipeline.context import JobContext
from backend.pipeline.errors import PipelineError
from backend.pipeline.files import atomic_write_json
from backend.pipeline.result import PipelineResult
from backend.pipeline.stages import PipelineState, Stage, default_stages

MARKER_DIR = ".stages"


class VideoProcessor:
    def __init__(self, config: Config, stages: list[Stage] | None = None) -> None:
        self.config = config
        self.stages = stages if stages is not None else default_stages()

    def run(self, ctx: JobContext) -> PipelineResult:
        """Run (or resume) the job; raises a typed PipelineError subclass on failure."""
        ctx.job_dir.mkdir(parents=True, exist_ok=True)
        state = PipelineState()
        may_skip = not ctx.force
        for stage in self.stages:
            ctx.cancel.raise_if_cancelled()
            ctx.reporter.stage_started(stage.name)
            if may_skip and self._restore(ctx, stage, state):
                ctx.reporter.stage_completed(stage.name, skipped=True)
                continue
            may_skip = False
            ctx.logger.info("stage %s started", stage.name)
            record = stage.run(ctx, state)
            atomic_write_json(self._marker(ctx, stage), record)
            ctx.reporter.stage_completed(stage.name)
        if state.result is None:
            raise PipelineError("The pipeline ended without a result (no finalize stage)")
        return state.result

    def _marker(self, ctx: JobContext, stage: Stage) -> Any:
        return ctx.job_dir / MARKER_DIR / f"{stage.name}.json"

    def _restore(self, ctx: JobContext, stage: Stage, state: PipelineState) -> bool:
        marker = self._marker(ctx, stage)
        if not marker.is_file():
            return False
        try:
            return stage.restore(ctx, state, json.loads(marker.read_text(encoding="utf-8")))
        except (KeyError, TypeError, ValueError, OSError, PipelineError):
            return False  # a stale or foreign record: run the stage again
