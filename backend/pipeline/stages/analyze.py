"""Stage 3: propose clips (LLM, or the local ranker) and ground them in the transcript."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from backend.pipeline.audio import compute_energy
from backend.pipeline.context import JobContext
from backend.pipeline.criteria import bodies_for, hints_for
from backend.pipeline.errors import AnalysisError
from backend.pipeline.files import atomic_write_json
from backend.pipeline.grounding import Bounds, ClipCandidate, ground
from backend.pipeline.layout import ANALYSIS_FILE
from backend.pipeline.llm import LLMAnalyzer
from backend.pipeline.ranker import RANKER_MODEL, LocalRanker
from backend.pipeline.stages.base import PipelineState
from backend.pipeline.transcript import Transcript


def bounds_of(ctx: JobContext) -> Bounds:
    o = ctx.options
    return Bounds(o.min_clip_duration, o.max_clip_duration, o.max_clips, o.min_score)


class AnalyzeStage:
    name = "analyzing"

    def run(self, ctx: JobContext, state: PipelineState) -> dict[str, Any]:
        assert state.transcript is not None
        clips, meta = self._analyze(ctx, state, state.transcript)
        if not clips:
            o = ctx.options
            raise AnalysisError(
                f"No clip of {o.min_clip_duration:g}-{o.max_clip_duration:g} s with score ≥ {o.min_score:g} "
                "fits this transcript; try other duration bounds"
            )
        meta["criteria"] = [
            {
                "name": c.name,
                "title": c.title,
                "source": c.source,
                "revision": c.revision,
                "sha256": c.sha256,
                "text": c.content,
            }
            for c in ctx.criteria
        ]
        state.candidates, state.analysis_meta = clips, meta
        record = {"meta": meta, "clips": [_clip_json(c) for c in clips]}
        atomic_write_json(ctx.job_dir / ANALYSIS_FILE, record)
        ctx.reporter.progress(self.name, 1.0, f"{len(clips)} clips selected")
        return {"path": ANALYSIS_FILE}

    def restore(self, ctx: JobContext, state: PipelineState, record: dict[str, Any]) -> bool:
        path = ctx.job_dir / record["path"]
        if not path.is_file():
            return False
        data = json.loads(path.read_text(encoding="utf-8"))
        state.analysis_meta = data["meta"]
        state.candidates = [_clip_from_json(c) for c in data["clips"]]
        return True

    def _analyze(
        self, ctx: JobContext, state: PipelineState, transcript: Transcript
    ) -> tuple[list[ClipCandidate], dict[str, Any]]:
        if ctx.config.openai_api_key:
            try:
                return self._with_llm(ctx, state, transcript)
            except AnalysisError as exc:
                if not ctx.config.llm_fallback_to_local:
                    raise
                ctx.reporter.warning(f"{exc}; falling back to the local ranker")
                clips, meta = self._with_ranker(ctx, state, transcript)
                return clips, {**meta, "fallback_reason": str(exc)}
        return self._with_ranker(ctx, state, transcript)

    def _with_llm(
        self, ctx: JobContext, state: PipelineState, transcript: Transcript
    ) -> tuple[list[ClipCandidate], dict[str, Any]]:
        analyzer = LLMAnalyzer(ctx.config, ctx.cancel)
        result = analyzer.analyze(
            transcript,
            bodies_for(ctx.criteria),
            ctx.options.prompt,
            bounds_of(ctx),
            on_progress=lambda f: ctx.reporter.progress(self.name, 0.9 * f, "Asking the analysis model"),
        )
        clips = ground(result.candidates, transcript, bounds_of(ctx), _duration(state))
        if not clips:
            raise AnalysisError("The analysis model proposed no clip that fits the transcript and bounds")
        return clips, {"method": "llm", "model": result.model, "prompt_sha256": result.prompt_sha256}

    def _with_ranker(
        self, ctx: JobContext, state: PipelineState, transcript: Transcript
    ) -> tuple[list[ClipCandidate], dict[str, Any]]:
        energy = None
        if state.media_path is not None:
            ctx.reporter.progress(self.name, 0.1, "Measuring speech energy")
            energy = compute_energy(state.media_path, cancel=ctx.cancel, timeout=ctx.config.ffmpeg_timeout)
        hints = hints_for(ctx.criteria)
        ranked = LocalRanker(hints, energy).rank(transcript, bounds_of(ctx))
        clips = ground(ranked, transcript, bounds_of(ctx), _duration(state))
        settings = json.dumps(
            {
                k: [h.keywords, h.phrases, [p.pattern for p in h.patterns], h.weight]
                for k, h in sorted(hints.items())
            }
        )
        return clips, {
            "method": "local",
            "model": RANKER_MODEL,
            "prompt_sha256": hashlib.sha256(settings.encode()).hexdigest(),
        }


def _duration(state: PipelineState) -> float:
    return state.media.duration if state.media else 0.0


def _clip_json(clip: ClipCandidate) -> dict[str, Any]:
    data = asdict(clip)
    data.pop("extra", None)
    return data


def _clip_from_json(data: dict[str, Any]) -> ClipCandidate:
    data = {**data, "criteria_matched": tuple(data["criteria_matched"]), "tags": tuple(data["tags"])}
    return ClipCandidate(**data)
