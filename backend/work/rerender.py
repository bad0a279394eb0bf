"""The re-render kind (`Kind.RENDER`): render a clip's new version from the job's own files
(source and transcript), then switch the row to it in one commit and remove the old files.

Until that commit the row names the previous files, so they are what is served, and a crash or
a cancel at any point leaves them intact (the new version's names differ: clip_NN-vK.*).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from backend.config import Config
from backend.errors import NotFound
from backend.extensions import db
from backend.models import Clip, RenderStatus
from backend.pipeline import ffmpeg
from backend.pipeline.cancel import CancelToken
from backend.pipeline.errors import JobCancelled, PipelineError
from backend.pipeline.grounding import ClipCandidate
from backend.pipeline.layout import stage_record
from backend.pipeline.options import SHORTS_MAX_SECONDS
from backend.pipeline.result import RenderedClip
from backend.pipeline.shorts.render import ShortSpec
from backend.pipeline.stages.render import RenderInputs, render_clip, snap_requested
from backend.schemas.clips import ClipOut
from backend.services import cache, renders, storage
from backend.services import clips as clip_service
from backend.work.kinds import Kind, WorkKind, transitions

log = logging.getLogger(__name__)
R = RenderStatus
TRANSITIONS = transitions(
    {
        R.READY: (R.QUEUED,),
        R.FAILED: (R.QUEUED,),
        R.QUEUED: (R.RENDERING, R.FAILED),
        R.RENDERING: (R.READY, R.FAILED, R.QUEUED),
    }
)
# Row fields a re-render replaces (the user's own edits - description, tags - and the analysis's
# score and reasoning stay).
RENDERED_FIELDS = (
    "start_time",
    "end_time",
    "duration",
    "video_path",
    "thumbnail_path",
    "captions_srt_path",
    "captions_vtt_path",
    "width",
    "height",
    "file_size",
    "cut_shift",
    "format",
    "layout",
    "caption_style",
    "loudness",
    "shots",
    "render_options",
)
ASSETS = ("video_path", "thumbnail_path", "captions_srt_path", "captions_vtt_path")
RENDERED_ASSETS = ("video_path", "thumbnail_path", "srt_path", "vtt_path")  # the same, on a RenderedClip
INTERNAL_ERROR = (
    "An internal error stopped the re-render (it is in the server's log); the previous version is kept."
)


@dataclass(frozen=True)
class Work:
    clip_id: str
    user_id: str
    job_id: str
    inputs: RenderInputs
    candidate: ClipCandidate
    rank: int
    name: str
    version: int
    kept_shift: dict[str, float] | None = None  # the clip's own, when its times are not changing


class RenderKind(WorkKind):
    kind = Kind.RENDER
    model = Clip
    statuses = RenderStatus
    transitions = TRANSITIONS
    status_attr = "render_status"
    waiting = RenderStatus.QUEUED.value
    running = RenderStatus.RENDERING.value
    failed = RenderStatus.FAILED.value
    error_attr = "render_error"
    cancel_attr = None  # a re-render stops when its clip (or job) is deleted
    attempt_attr = "render_attempt"
    redeliveries_attr = "render_redeliveries"
    noun = "re-render"

    def priority(self, row: Any) -> int:
        return int(row.job.priority)

    def announce(self, row: Any) -> None:
        self.ctx.emitter.emit(
            row.user_id, "clip_updated", ClipOut.model_validate(clip_service.serialize(row))
        )

    def run(self, item_id: str, token: CancelToken, force: bool) -> None:
        """Never raises on purpose: the clip ends `ready` (new files) or `failed` (old files, a
        message); the generic runner ends it failed if something unexpected escapes."""
        app = self.ctx.app
        assert app is not None
        with app.app_context():
            clip = self.claim(item_id)
            if clip is None:
                return
            db.session.commit()
            job_id, attempt = clip.job_id, clip.render_attempt
            self.announce(clip)
        with cache.in_use(self.ctx.config, job_id):  # the source and transcript stay while it renders
            _run(self, app, item_id, attempt, token)
        cache.trim(self.ctx.config)


def _run(kind: RenderKind, app: Flask, clip_id: str, attempt: int, token: CancelToken) -> None:
    config = kind.ctx.config
    try:
        with app.app_context():
            work = _work(config, clip_id, token)
    except (PipelineError, NotFound, OSError, ValueError, KeyError) as exc:
        with app.app_context():
            _fail(kind, clip_id, attempt, f"The job's files needed to re-render are missing: {exc}")
        return
    try:
        candidate, shift = (
            (work.candidate, work.kept_shift)
            if work.kept_shift is not None
            else snap_requested(work.inputs, work.candidate)
        )
        rendered = render_clip(work.inputs, candidate, work.rank, work.name, cut_shift=shift)
        token.raise_if_cancelled()
        # With a bucket, the new version is stored before the row names it.
        storage.put_files(config, work.job_id, [getattr(rendered, name) for name in RENDERED_ASSETS])
    except JobCancelled:
        _remove_version(config, work)
        with app.app_context():
            _fail(kind, clip_id, attempt, "The re-render was cancelled; the previous version is kept.")
        return
    except PipelineError as exc:
        _remove_version(config, work)
        with app.app_context():
            _fail(kind, clip_id, attempt, str(exc) or type(exc).__name__)
        return
    except Exception:  # a bug must end the row, not leave it "rendering" forever
        log.exception("re-render of clip %s failed", clip_id)
        _remove_version(config, work)
        with app.app_context():
            _fail(kind, clip_id, attempt, INTERNAL_ERROR)
        return
    with app.app_context():
        _finish(kind, attempt, work, rendered)


def _work(config: Config, clip_id: str, token: CancelToken) -> Work:
    clip = db.session.get(Clip, clip_id)
    if clip is None or not clip.render_request:
        raise NotFound("The clip is gone.")
    request: dict[str, Any] = clip.render_request
    media_path = _source_media(config, clip.job_id)
    spec = ShortSpec(**request["spec"])
    transcript = renders.load_transcript(config, clip.job_id)
    duration = float(request["end_time"]) - float(request["start_time"])
    inputs = RenderInputs(
        job_dir=storage.job_dir(config, clip.job_id),
        media_path=media_path,
        media=ffmpeg.probe_media(media_path, cancel=token),
        transcript=transcript,
        spec=spec,
        min_duration=min(duration, renders.MIN_SECONDS * 3),
        max_duration=renders.ORIGINAL_MAX_SECONDS if spec.format == "original" else SHORTS_MAX_SECONDS,
        config=config,
        cancel=token,
    )
    candidate = ClipCandidate(
        start=float(request["start_time"]),
        end=float(request["end_time"]),
        score=clip.score,
        title=str(request.get("title") or clip.title),
        description=clip.description,
        reasoning=clip.reasoning,
        key_quote=clip.key_quote,
        criteria_matched=tuple(clip.criteria_matched),
        tags=tuple(clip.tags),
        transcript_segment=clip.transcript_segment,
    )
    version = clip.render_version + 1
    name = f"clip_{clip.rank or 1:02d}-v{version}"
    # Times the pipeline already placed stay; new ones snap into a pause (CONTRACTS §9) in _run.
    unchanged = (candidate.start, candidate.end) == (clip.start_time, clip.end_time)
    kept = (clip.cut_shift or {"start": 0.0, "end": 0.0}) if unchanged else None
    return Work(clip.id, clip.user_id, clip.job_id, inputs, candidate, clip.rank, name, version, kept)


def _source_media(config: Config, job_id: str) -> Path:
    """The source the job downloaded, from its download stage's record, inside the job's folder
    (both fetched from the bucket first when they are only there)."""
    marker = storage.resolve_in_job(config, job_id, stage_record(Path(), "downloading").as_posix())
    record = json.loads(marker.read_text(encoding="utf-8"))
    try:
        return storage.resolve_in_job(config, job_id, str(record.get("media_path") or ""))
    except NotFound:
        raise NotFound("The job's source video is gone.") from None


def _finish(kind: RenderKind, attempt: int, work: Work, rendered: RenderedClip) -> None:
    """rendering → ready for this run only, switching the row to the new files in one commit;
    a clip deleted (or taken over) meanwhile gets nothing and the new files go."""
    config = kind.ctx.config
    clip = kind.fenced(work.clip_id, attempt)
    if clip is None:
        _remove_version(config, work)
        return
    fields = rendered.row_fields()
    old = {name: getattr(clip, name) for name in ASSETS}
    for name in RENDERED_FIELDS:
        setattr(clip, name, fields[name])
    clip.title = work.candidate.title[:200]
    clip.transcript_segment = _segment_text(work, rendered)
    kind.move(clip, RenderStatus.READY.value)
    clip.render_error = None
    clip.render_request = None
    clip.heartbeat_at = None
    clip.render_version = work.version
    db.session.commit()
    replaced = [relative for name, relative in old.items() if relative and relative != getattr(clip, name)]
    storage.remove_files(config, clip.job_id, replaced)
    clip.job.storage_bytes = storage.job_bytes(config, clip.job_id)
    db.session.commit()
    kind.announce(clip)


def _segment_text(work: Work, rendered: RenderedClip) -> str:
    """The literal transcript text of the new range (the clip's words, never model prose)."""
    segments = work.inputs.transcript.segments
    inside = [s.text.strip() for s in segments if s.end > rendered.start_time and s.start < rendered.end_time]
    return " ".join(text for text in inside if text)


def _fail(kind: RenderKind, clip_id: str, attempt: int, message: str) -> None:
    values = {"render_error": message[:2000], "render_request": None}
    clip = kind.end(clip_id, attempt, RenderStatus.FAILED.value, **values)
    if clip is None:
        return
    db.session.commit()
    kind.announce(clip)


def _remove_version(config: Config, work: Work) -> None:
    """The new version's files (complete or not); the previous version's are never touched."""
    clips_dir = storage.job_dir(config, work.job_id) / "clips"
    for path in clips_dir.glob(f"{work.name}.*"):
        path.unlink(missing_ok=True)
    for path in clips_dir.glob(f".{work.name}.*"):
        if path.is_file():
            path.unlink(missing_ok=True)
    # With a bucket: the version's objects, if they were stored before the row went away.
    storage.remove_files(
        config, work.job_id, [f"clips/{work.name}{ext}" for ext in (".mp4", ".jpg", ".srt", ".vtt")]
    )
