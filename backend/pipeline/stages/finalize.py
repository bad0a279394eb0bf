"""Stage 5: assemble the PipelineResult and write `result.json`."""

from __future__ import annotations

import json
from typing import Any

from backend.pipeline.context import JobContext
from backend.pipeline.files import atomic_write_json
from backend.pipeline.layout import RESULT_FILE, TRANSCRIPT_FILE
from backend.pipeline.result import PipelineResult, SourceMetadata, TranscriptInfo
from backend.pipeline.stages.base import PipelineState


class FinalizeStage:
    name = "finalizing"

    def run(self, ctx: JobContext, state: PipelineState) -> dict[str, Any]:
        assert state.transcript is not None
        meta = state.metadata
        result = PipelineResult(
            source=SourceMetadata(
                title=str(meta.get("title") or "video"),
                duration=float(meta.get("duration") or (state.media.duration if state.media else 0.0)),
                channel=meta.get("channel"),
                thumbnail_url=meta.get("thumbnail_url"),
            ),
            transcript=TranscriptInfo(state.transcript.language, state.transcript.source, TRANSCRIPT_FILE),
            analysis_meta=state.analysis_meta,
            clips=state.clips,
        )
        atomic_write_json(ctx.job_dir / RESULT_FILE, result.to_dict())
        state.result = result
        ctx.reporter.progress(self.name, 1.0, f"{len(result.clips)} clips ready")
        return {"path": RESULT_FILE}

    def restore(self, ctx: JobContext, state: PipelineState, record: dict[str, Any]) -> bool:
        path = ctx.job_dir / record["path"]
        if not path.is_file():
            return False
        state.result = PipelineResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
        return True
