"""Re-rendering one clip (CONTRACTS §9): validate and snap the request, mark the clip
`rendering` exactly once, queue it; the worker (backend/worker/rerender.py) does the rest.

The clip's current files stay where they are and stay served: a re-render writes files under a
new version's names and the row is switched to them only when they are all complete.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update

from backend.config import Config
from backend.errors import Conflict, ValidationFailed, fields_from_pydantic
from backend.extensions import db
from backend.models import Clip, Job
from backend.pipeline.grounding import Boundaries
from backend.pipeline.layout import TRANSCRIPT_FILE
from backend.pipeline.options import SHORTS_MAX_SECONDS, JobOptions
from backend.pipeline.options import stored as stored_options
from backend.pipeline.shorts.render import ShortSpec
from backend.pipeline.transcript import Transcript
from backend.services import clips as clip_service
from backend.services import storage
from backend.services.lifecycle import ACTIVE
from backend.services.publications import Dispatcher

KIND = "render"
PRIORITY = 10  # ahead of new jobs: the user is waiting on this one
MIN_SECONDS = 1.0
ORIGINAL_MAX_SECONDS = 600.0
SPEC_FIELDS = ("format", "resolution", "layout", "caption_style", "hook_title", "loudness_target")


def request(user_id: str, clip_id: str, body: dict[str, Any], config: Config, dispatcher: Dispatcher) -> Clip:
    """`body` holds only the fields the request set (an explicit null loudness_target = off)."""
    clip = clip_service.get(user_id, clip_id)
    job = clip.job
    if job.status in ACTIVE:
        raise Conflict("The job is still processing; re-render its clips when it has finished.")
    if clip.render_status == "rendering":
        raise Conflict("This clip is already being re-rendered.")
    spec = _spec(clip, job, body)
    start, end = _requested_times(config, clip, spec, body)
    title = body.get("title") or clip.title
    render_request = {"start_time": start, "end_time": end, "title": title, "spec": spec.as_dict()}
    # One UPDATE decides between two concurrent requests: only the first finds the clip not rendering.
    moved = db.session.execute(
        update(Clip)
        .where(Clip.id == clip.id, Clip.render_status != "rendering")
        .values(render_status="rendering", render_error=None, render_request=render_request)
    )
    db.session.commit()
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This clip is already being re-rendered.")
    db.session.refresh(clip)
    dispatcher.submit(clip.id, PRIORITY, kind=KIND)
    return clip


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
        return ShortSpec.of(JobOptions.model_validate({k: merged.get(k) for k in SPEC_FIELDS}))
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


def recover(dispatcher: Dispatcher) -> None:
    """Re-renders a dead process left `rendering` run again: their previous files were never
    touched, and the new version's partial files are overwritten by the new run."""
    ids = list(db.session.scalars(select(Clip.id).where(Clip.render_status == "rendering")))
    for clip_id in ids:
        dispatcher.submit(clip_id, PRIORITY, kind=KIND)
