"""Jobs of a user: creation (URL or upload), queries, events and transcript.

Every query is scoped to the owner; another user's job is indistinguishable from a missing one.
Status changes go through the injected `JobLifecycle` (backend/work/job.py), which
commits, records the event, emits and hands queued jobs to the worker.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from backend.config import Config
from backend.errors import (
    Conflict,
    NotFound,
    UnsupportedMedia,
    ValidationFailed,
    fields_from_pydantic,
)
from backend.extensions import db
from backend.models import Job, JobEvent, JobStatus, new_id
from backend.pipeline import layout
from backend.pipeline.captions import CaptionError, parse_vtt_or_srt
from backend.pipeline.ffmpeg import UnsupportedMedia as NotMedia
from backend.pipeline.ffmpeg import probe_media
from backend.pipeline.options import JobOptionsIn, given
from backend.pipeline.sources import SourceRejected, normalize_source_url, youtube_id
from backend.services import cache, storage
from backend.services import criteria as criteria_service
from backend.services import settings as settings_service
from backend.services.ownership import get_owned
from backend.work.job import JobLifecycle, check_storage


@dataclass(frozen=True)
class Upload:
    """A multipart upload already streamed to disk (DATA_DIR/jobs/.incoming/...)."""

    path: Path
    filename: str
    captions: bytes | None = None


def events(user_id: str, job_id: str) -> list[JobEvent]:
    get(user_id, job_id)
    return list(db.session.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.seq)))


# ---------------------------------------------------------------- queries


def get(user_id: str, job_id: str) -> Job:
    return get_owned(Job, user_id, job_id, "job")


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(Job.status, func.count()).group_by(Job.status))
    return {status: int(count) for status, count in rows}


def page(user_id: str, status: str | None, limit: int, offset: int) -> tuple[list[Job], int]:
    where = [Job.user_id == user_id] + ([Job.status == status] if status else [])
    total = db.session.scalar(select(func.count()).select_from(Job).where(*where)) or 0
    rows = db.session.scalars(
        select(Job).where(*where).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), int(total)


def transcript(user_id: str, job_id: str, config: Config) -> dict[str, Any]:
    get(user_id, job_id)
    try:
        storage.resolve_in_job(config, job_id, layout.stage_record(Path(), "transcribing").as_posix())
        path = storage.resolve_in_job(config, job_id, layout.TRANSCRIPT_FILE)
    except NotFound:
        raise Conflict("The transcript is not available yet: the job has not been transcribed.") from None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


# ---------------------------------------------------------------- creation


def parse_options(raw: str | None) -> dict[str, Any]:
    """The multipart `options` field: a JSON object with the same rules as the JSON body."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise ValidationFailed("options must be a JSON object.", {"options": ["not valid JSON"]}) from None
    if not isinstance(value, dict):
        raise ValidationFailed("options must be a JSON object.", {"options": ["must be a JSON object"]})
    try:
        return given(JobOptionsIn.model_validate(value))
    except ValidationError as exc:
        fields = {
            f"options.{k}": v for k, v in fields_from_pydantic(exc.errors(include_context=False)).items()
        }
        raise ValidationFailed("The options are not valid.", fields) from None


def create_from_url(
    user_id: str, url: str, priority: int, options: dict[str, Any], lifecycle: JobLifecycle
) -> Job:
    config = lifecycle.config
    try:
        canonical, source_type = normalize_source_url(url, config)
    except SourceRejected as exc:
        raise ValidationFailed(str(exc), {"source_url": [str(exc)]}) from None
    video_id = youtube_id(canonical) if source_type == "youtube" else None
    job = _new_job(new_id(), user_id, source_type, canonical, priority, options, config)
    if video_id:
        job.thumbnail_url = f"https://i.ytimg.com/vi/{video_id}/hqdefault.jpg"
    lifecycle.admit(job)
    return job


def create_from_upload(
    user_id: str, upload: Upload, priority: int, options: dict[str, Any], lifecycle: JobLifecycle
) -> Job:
    config = lifecycle.config
    try:
        # Early refusals before the (slow) probe; admit() checks again atomically.
        check_storage(config, user_id, upload.path.stat().st_size)
        captions_name = _captions_name(upload.captions)
        resolved = settings_service.resolve(user_id, options, config)
        _probe_upload(upload.path, upload.filename)
    except Exception:
        upload.path.unlink(missing_ok=True)
        raise
    job_id = new_id()
    folder = storage.job_dir(config, job_id)
    name = storage.safe_filename(upload.filename)
    job = _new_job(
        job_id, user_id, "upload", None, priority, options, config, resolved=resolved.model_dump(mode="json")
    )
    job.video_title = Path(name).stem
    with cache.in_use(config, job_id):  # no trim evicts the files before they are in the bucket
        try:
            _place_upload(config, job_id, upload, name, captions_name)
            job.storage_bytes = storage.disk_usage(folder)
            lifecycle.admit(job)
        except Exception:
            storage.remove_job(config, job_id)
            raise
    cache.trim(config)
    return job


def _place_upload(config: Config, job_id: str, upload: Upload, name: str, captions_name: str | None) -> None:
    """Into the job's folder and, with a bucket, into it before the row exists: a worker on
    another host may claim the job as soon as it is admitted."""
    folder = storage.job_dir(config, job_id)
    (folder / layout.UPLOAD_DIR).mkdir(parents=True, exist_ok=True)
    upload.path.replace(folder / layout.UPLOAD_DIR / name)
    relatives = [f"{layout.UPLOAD_DIR}/{name}"]
    if upload.captions is not None and captions_name:
        (folder / layout.SOURCE_DIR / captions_name).write_bytes(upload.captions)
        relatives.append(f"{layout.SOURCE_DIR}/{captions_name}")
    storage.put_files(config, job_id, relatives)


def _probe_upload(path: Path, filename: str) -> None:
    """ffprobe decides, not the extension. The message names the user's file, never our temp path."""
    try:
        probe_media(path, timeout=30)
    except NotMedia as exc:
        reason = str(exc).replace(path.name, "it")
        raise UnsupportedMedia(f"{filename!r} is not a video we can read ({reason}).") from None


def _captions_name(data: bytes | None) -> str | None:
    """captions.vtt or captions.srt by content; 400 unless it parses as SRT/VTT with text."""
    if data is None:
        return None
    text = data.decode("utf-8-sig", errors="replace")
    try:
        cues = parse_vtt_or_srt(text)
    except CaptionError:
        cues = []
    if not cues:
        raise ValidationFailed(
            "The captions file is not valid SRT or WebVTT.", {"captions": ["no timed cues"]}
        )
    vtt, srt = layout.CAPTION_NAMES
    return vtt if text.lstrip().startswith("WEBVTT") else srt


def _new_job(
    job_id: str,
    user_id: str,
    source_type: str,
    source_url: str | None,
    priority: int,
    options: dict[str, Any],
    config: Config,
    resolved: dict[str, Any] | None = None,
) -> Job:
    resolved = resolved or settings_service.resolve(user_id, options, config).model_dump(mode="json")
    texts = criteria_service.effective(user_id, config.criteria_dir)
    # The exact criteria texts are frozen now: a later edit never changes what this job used.
    snapshot = [asdict(texts[name]) for name in resolved["criteria"] if name in texts]
    return Job(
        id=job_id,
        user_id=user_id,
        source_type=source_type,
        source_url=source_url,
        priority=priority,
        options=resolved,
        analysis_meta={"criteria": snapshot},
        status=JobStatus.PENDING.value,
    )


# ---------------------------------------------------------------- the user's transitions


def cancel(user_id: str, job_id: str, reason: str | None, lifecycle: JobLifecycle) -> Job:
    job = get(user_id, job_id)
    lifecycle.cancel(job, f"Cancelled: {reason}" if reason else "Cancelled by the user")
    return get(user_id, job_id)


def retry(user_id: str, job_id: str, force: bool, lifecycle: JobLifecycle) -> Job:
    job = get(user_id, job_id)
    lifecycle.requeue(job, force=force)
    return job


def delete(user_id: str, job_id: str, lifecycle: JobLifecycle) -> None:
    lifecycle.delete(get(user_id, job_id))
