"""Re-rendering one clip (CONTRACTS §9): validate and snap the request, mark the clip `queued`
exactly once (under the user's active limit, at the job's priority), queue it; the re-render
kind (backend/work/rerender.py) does the rest.

The clip's current files stay where they are and stay served: a re-render writes files under a
new version's names and the row is switched to them only when they are all complete.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from backend.config import Config
from backend.errors import Conflict, ValidationFailed, fields_from_pydantic
from backend.extensions import db
from backend.models import Clip, Job, Publication, RenderStatus, utcnow
from backend.pipeline.grounding import Boundaries
from backend.pipeline.layout import TRANSCRIPT_FILE
from backend.pipeline.options import RENDER_OPTIONS, SHORTS_MAX_SECONDS
from backend.pipeline.options import stored as stored_options
from backend.pipeline.shorts.render import ShortSpec
from backend.pipeline.transcript import Transcript
from backend.services import clips as clip_service
from backend.services import storage
from backend.work import load
from backend.work.job import ACTIVE
from backend.work.kinds import Dispatcher, Kind
from backend.work.rows import advance

MIN_SECONDS = 1.0
ORIGINAL_MAX_SECONDS = 600.0
SPEC_FIELDS = RENDER_OPTIONS  # a re-render may change any render option


def request(user_id: str, clip_id: str, body: dict[str, Any], config: Config, dispatcher: Dispatcher) -> Clip:
    """`body` holds only the fields the request set (an explicit null loudness_target = off)."""
    clip = clip_service.get(user_id, clip_id)
    job = clip.job
    if job.status in ACTIVE:
        raise Conflict("The job is still processing; re-render its clips when it has finished.")
    if clip.render_status in load.ACTIVE_RENDERS:
        raise Conflict(BUSY)
    clip_service.refuse_while_publishing(clip.id, "re-render it")
    spec = _spec(clip, job, body)
    start, end = _requested_times(config, clip, spec, body)
    title = body.get("title") or clip.title
    render_request = {"start_time": start, "end_time": end, "title": title, "spec": spec.as_dict()}
    queued = _enqueue(config, clip, render_request)
    dispatcher.submit(Kind.RENDER, queued.id, job.priority)
    return queued


BUSY = "This clip is already being re-rendered."


def _enqueue(config: Config, clip: Clip, render_request: dict[str, Any]) -> Clip:
    """ready | failed → queued, with the user locked: the active limit counts re-renders, and
    of two concurrent requests only the first finds the clip not queued or rendering."""
    load.lock_user(clip.user_id)
    load.check_active_limit(config, clip.user_id)
    idle = Clip.render_status.notin_(load.ACTIVE_RENDERS)
    no_upload = ~load.publishing_clause(Publication.clip_id == clip.id)
    values = {
        "render_status": RenderStatus.QUEUED.value,
        "render_error": None,
        "render_request": render_request,
        "render_queued_at": utcnow(),
        "render_redeliveries": 0,
    }
    queued = advance(Clip, clip.id, idle, no_upload, **values)
    if queued is None:
        raise Conflict(BUSY)
    db.session.commit()
    return queued


def _spec(clip: Clip, job: Job, body: dict[str, Any]) -> ShortSpec:
    """The clip's current render options, overlaid by the request's, validated like job options."""
    base = dict(clip.render_options or {}) or ShortSpec.of(stored_options(job.options)).as_dict()
    merged = {**base, **{name: body[name] for name in SPEC_FIELDS if name in body}}
    if "format" in body and "resolution" not in body:
        merged["resolution"] = None  # follows the new format
    fields: dict[str, list[str]] = {}
    if merged.get("resolution") == "original" and merged.get("format") != "original":
        fields["resolution"] = ["original is only for format original"]
    if fields:
        raise ValidationFailed("The render options are not valid.", fields)
    try:
        # A render option newer than the clip's files is absent from them: it takes its default.
        return ShortSpec.model_validate({k: merged[k] for k in SPEC_FIELDS if k in merged})
    except ValidationError as exc:
        fields = fields_from_pydantic(exc.errors(include_context=False))
        raise ValidationFailed("The render options are not valid.", fields) from None


def _requested_times(
    config: Config, clip: Clip, spec: ShortSpec, body: dict[str, Any]
) -> tuple[float, float]:
    """The requested times, checked cheaply here (a transcript to snap against, inside it, a
    length); the worker snaps them into the pauses of the audio (cuts.snap_requested)."""
    start = float(body.get("start_time", clip.start_time))
    end = float(body.get("end_time", clip.end_time))
    if "start_time" not in body and "end_time" not in body:
        return clip.start_time, clip.end_time
    transcript = load_transcript(config, clip.job_id)
    bounds = Boundaries(transcript)
    if not bounds.starts or not bounds.ends:
        raise ValidationFailed(
            "The job has no transcript to trim against.", {"start_time": ["no transcript"]}
        )
    if not 0 <= start < transcript.duration:
        raise ValidationFailed(
            "The clip would start outside the video.",
            {"start_time": [f"must lie between 0 and {transcript.duration:.2f} s"]},
        )
    limit = ORIGINAL_MAX_SECONDS if spec.format == "original" else SHORTS_MAX_SECONDS
    if end - start < MIN_SECONDS:
        message = f"the requested clip ({start:.2f}-{end:.2f} s) is shorter than {MIN_SECONDS:.0f} s"
        raise ValidationFailed("The clip would be empty.", {"end_time": [message]})
    if end - start > limit:
        raise ValidationFailed(
            "The clip is too long.", {"end_time": [f"a {spec.format} clip may last at most {limit:.0f} s"]}
        )
    return round(start, 3), round(end, 3)


def load_transcript(config: Config, job_id: str) -> Transcript:
    path = storage.resolve_in_job(config, job_id, TRANSCRIPT_FILE)
    return Transcript.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
