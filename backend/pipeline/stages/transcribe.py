"""Stage 2: a transcript from the source's captions, else from faster-whisper (cached)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from backend.pipeline import whisper
from backend.pipeline.audio import FINE_FRAME, fine_energy
from backend.pipeline.captions import CaptionError, load_captions, time_words
from backend.pipeline.context import JobContext
from backend.pipeline.errors import TranscriptionError
from backend.pipeline.files import atomic_write_json
from backend.pipeline.layout import TRANSCRIPT_FILE
from backend.pipeline.stages.base import PipelineState
from backend.pipeline.transcript import Transcript


class TranscribeStage:
    name = "transcribing"

    def run(self, ctx: JobContext, state: PipelineState) -> dict[str, Any]:
        transcript = self._from_captions(ctx, state) or self._from_whisper(ctx, state)
        if not transcript.segments:
            raise TranscriptionError("No speech was found in the video")
        atomic_write_json(ctx.job_dir / TRANSCRIPT_FILE, transcript.to_json())
        state.transcript = transcript
        ctx.reporter.progress(self.name, 1.0, f"{len(transcript.segments)} segments")
        return {"path": TRANSCRIPT_FILE, "language": transcript.language, "source": transcript.source}

    def restore(self, ctx: JobContext, state: PipelineState, record: dict[str, Any]) -> bool:
        path = ctx.job_dir / record["path"]
        if not path.is_file():
            return False
        state.transcript = Transcript.from_json(json.loads(path.read_text(encoding="utf-8")))
        return True

    def _from_captions(self, ctx: JobContext, state: PipelineState) -> Transcript | None:
        if not ctx.options.use_source_captions or state.captions_path is None:
            return None
        language = state.captions_language or (
            "und" if ctx.options.language == "auto" else ctx.options.language
        )
        try:
            transcript = load_captions(state.captions_path, language=language)
        except (CaptionError, OSError) as exc:
            ctx.reporter.warning(f"The captions could not be used ({exc}); transcribing the audio instead")
            return None
        if state.media_path is not None and not all(seg.words for seg in transcript.segments):
            ctx.reporter.progress(self.name, 0.5, "Timing the caption words from the audio")
            db = fine_energy(state.media_path, cancel=ctx.cancel, timeout=ctx.config.ffmpeg_timeout)
            transcript.segments = time_words(transcript.segments, db, FINE_FRAME)
        return transcript

    def _from_whisper(self, ctx: JobContext, state: PipelineState) -> Transcript:
        assert state.media_path is not None and state.media is not None
        model = ctx.options.whisper_model or ctx.config.whisper_model
        cache = cache_path(ctx.config.data_dir, file_sha256(state.media_path), model, ctx.options.language)
        if cache.is_file() and not ctx.force:
            ctx.reporter.progress(self.name, 1.0, "Transcript from cache")
            return Transcript.from_json(json.loads(cache.read_text(encoding="utf-8")))
        ctx.reporter.progress(self.name, 0.0, f"Loading Whisper model {model}")
        transcript = whisper.transcribe(
            state.media_path,
            model=model,
            device=ctx.config.whisper_device,
            compute_type=ctx.config.whisper_compute_type,
            language=ctx.options.language,
            duration=state.media.duration,
            cancel=ctx.cancel,
            on_progress=lambda f: ctx.reporter.progress(self.name, f, "Transcribing"),
            on_warning=ctx.reporter.warning,
        )
        atomic_write_json(cache, transcript.to_json())
        return transcript


def file_sha256(path: Path, block: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def cache_path(data_dir: Path, source_sha: str, model: str, language: str) -> Path:
    """DATA_DIR/cache/transcripts/<sha256>-<model>-<language>.json (model dirs are hashed)."""
    slug = re.sub(r"[^A-Za-z0-9_.-]", "_", model)
    if len(slug) > 40 or "/" in model:
        slug = hashlib.sha256(model.encode()).hexdigest()[:16]
    return data_dir / "cache" / "transcripts" / f"{source_sha}-{slug}-{language or 'auto'}.json"
