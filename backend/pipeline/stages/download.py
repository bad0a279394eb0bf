"""Stage 1: get the source onto disk (yt-dlp, or a local/uploaded file) with its metadata."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from backend.pipeline.context import JobContext
from backend.pipeline.errors import DownloadError
from backend.pipeline.ffmpeg import UnsupportedMedia, probe_media
from backend.pipeline.layout import SOURCE_DIR
from backend.pipeline.sources import SourceRejected, normalize_source_url
from backend.pipeline.stages.base import PipelineState, path_for_record, stored_path
from backend.pipeline.ytdlp import YtdlpDownloader


class DownloadStage:
    name = "downloading"

    def run(self, ctx: JobContext, state: PipelineState) -> dict[str, Any]:
        if ctx.source.kind == "file":
            self._local(ctx, state)
        else:
            self._remote(ctx, state)
        self._check_media(ctx, state)
        ctx.reporter.progress(self.name, 1.0, "Source ready")
        return {
            "media_path": path_for_record(state.media_path, ctx.job_dir),
            "captions_path": path_for_record(state.captions_path, ctx.job_dir),
            "captions_language": state.captions_language,
            "metadata": state.metadata,
        }

    def restore(self, ctx: JobContext, state: PipelineState, record: dict[str, Any]) -> bool:
        media = stored_path(record.get("media_path"), ctx.job_dir)
        if media is None or not media.is_file():
            return False
        state.media_path = media
        state.captions_path = stored_path(record.get("captions_path"), ctx.job_dir)
        state.captions_language = record.get("captions_language")
        state.metadata = record["metadata"]
        state.media = probe_media(media, cancel=ctx.cancel)
        ctx.reporter.metadata(state.metadata)
        return True

    def _local(self, ctx: JobContext, state: PipelineState) -> None:
        path = ctx.source.path
        if path is None or not Path(path).is_file():
            raise DownloadError(f"The source file {path} does not exist")
        state.media_path = Path(path).resolve()
        state.metadata = {"title": Path(path).stem, "duration": None, "channel": None, "thumbnail_url": None}
        captions = ctx.source.captions_path
        if captions is not None and Path(captions).is_file():
            # Copied so the job folder alone explains the job (captions are small).
            target = ctx.job_dir / SOURCE_DIR / f"captions{Path(captions).suffix.lower() or '.vtt'}"
            target.parent.mkdir(parents=True, exist_ok=True)
            if Path(captions).resolve() != target.resolve():
                shutil.copyfile(captions, target)
            state.captions_path = target
            state.captions_language = None if ctx.options.language == "auto" else ctx.options.language

    def _remote(self, ctx: JobContext, state: PipelineState) -> None:
        url = ctx.source.url or ""
        if ctx.source.kind == "url":
            try:  # again at download time: DNS answers may have changed since the job was created
                url, _ = normalize_source_url(url, ctx.config)
            except SourceRejected as exc:
                raise DownloadError(str(exc)) from exc
        result = YtdlpDownloader(ctx, ctx.job_dir / SOURCE_DIR).run(url)
        state.media_path = result.media_path
        state.captions_path = result.captions_path
        state.captions_language = result.captions_language
        state.metadata = result.metadata

    def _check_media(self, ctx: JobContext, state: PipelineState) -> None:
        assert state.media_path is not None
        try:
            state.media = probe_media(state.media_path, cancel=ctx.cancel)
        except UnsupportedMedia as exc:
            raise DownloadError(str(exc)) from exc
        if state.media.duration > ctx.config.max_source_duration:
            raise DownloadError(
                f"The video lasts {state.media.duration / 60:.0f} min, over MAX_SOURCE_DURATION "
                f"({ctx.config.max_source_duration / 60:.0f} min)"
            )
        if not state.media.has_audio:
            raise DownloadError("The video has no audio track, so there is nothing to transcribe")
        state.metadata["duration"] = round(state.media.duration, 3)
        ctx.reporter.metadata(state.metadata)
