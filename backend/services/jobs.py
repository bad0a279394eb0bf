"""Jobs of a user: creation (URL or upload), queries, the lifecycle rules, events and transcript.

Every query is scoped to the owner; another user's job is indistinguishable from a missing one.
The JobManager (backend/jobs) runs what this module queues; it is passed in, never imported
as a global, so this module knows nothing of threads or of Flask's request.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from pydantic import ValidationError
from sqlalchemy import func, select, update

from backend.config import Config
from backend.errors import (
    Conflict,
    RateLimited,
    UnsupportedMedia,
    ValidationFailed,
    fields_from_pydantic,
)
from backend.extensions import db
from backend.models import Clip, Job, JobEvent, JobStatus, new_id, utcnow
from backend.pipeline import layout
from backend.pipeline.captions import CaptionError, parse_vtt_or_srt
from backend.pipeline.ffmpeg import UnsupportedMedia as NotMedia
from backend.pipeline.ffmpeg import probe_media
from backend.pipeline.options import JobOptionsIn, given
from backend.pipeline.sources import SourceRejected, normalize_source_url, youtube_id
from backend.realtime import emitter
from backend.schemas.jobs import JobOut
from backend.services import clips as clip_service
from backend.services import criteria as criteria_service
from backend.services import settings as settings_service
from backend.services import storage
from backend.services.ownership import get_owned

ACTIVE = (JobStatus.PENDING.value, JobStatus.QUEUED.value, JobStatus.PROCESSING.value)
FINISHED = (JobStatus.COMPLETED.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value)
RETRYABLE = (JobStatus.FAILED.value, JobStatus.CANCELLED.value)


class Runner(Protocol):
    """What the API needs from the JobManager."""

    def submit(self, job_id: str, priority: int, force: bool = False) -> None: ...

    def cancel(self, job_id: str, wait: float) -> bool: ...


@dataclass(frozen=True)
class Upload:
    """A multipart upload already streamed to disk (DATA_DIR/jobs/.incoming/...)."""

    path: Path
    filename: str
    captions: bytes | None = None


# ---------------------------------------------------------------- serialisation


def queue_positions() -> dict[str, int]:
    """1-based position of every queued job in the shared queue (higher priority, then FIFO)."""
    ids = db.session.scalars(
        select(Job.id)
        .where(Job.status == JobStatus.QUEUED.value)
        .order_by(Job.priority.desc(), Job.queued_at.asc(), Job.created_at.asc(), Job.id.asc())
    )
    return {job_id: index for index, job_id in enumerate(ids, 1)}


def clip_counts(job_ids: list[str]) -> dict[str, int]:
    if not job_ids:
        return {}
    rows = db.session.execute(
        select(Clip.job_id, func.count()).where(Clip.job_id.in_(job_ids)).group_by(Clip.job_id)
    )
    return {job_id: int(count) for job_id, count in rows}


def serialize(job: Job, *, clip_count: int | None = None, position: int | None = None) -> dict[str, Any]:
    data = {name: getattr(job, name) for name in JobOut.model_fields if hasattr(job, name)}
    data["clip_count"] = clip_counts([job.id]).get(job.id, 0) if clip_count is None else clip_count
    if job.status == JobStatus.QUEUED.value:
        data["queue_position"] = position if position is not None else queue_positions().get(job.id)
    return JobOut.model_validate(data).model_dump(mode="json")


def serialize_detail(job: Job) -> dict[str, Any]:
    clips = clip_service.of_job(job.id)
    return {**serialize(job, clip_count=len(clips)), "clips": [clip_service.serialize(c) for c in clips]}


def serialize_page(jobs: list[Job]) -> list[dict[str, Any]]:
    counts = clip_counts([job.id for job in jobs])
    positions = queue_positions() if any(j.status == JobStatus.QUEUED.value for j in jobs) else {}
    return [serialize(j, clip_count=counts.get(j.id, 0), position=positions.get(j.id)) for j in jobs]


# ---------------------------------------------------------------- events


def add_event(job: Job, type_: str, message: str | None = None, **extra: Any) -> JobEvent:
    """Append an event in the caller's transaction; seq orders events that share a timestamp."""
    last = db.session.scalar(select(func.max(JobEvent.seq)).where(JobEvent.job_id == job.id))
    event = JobEvent(
        job_id=job.id,
        seq=(last or 0) + 1,
        type=type_,
        status=extra.get("status", job.status),
        stage=extra.get("stage", job.stage),
        progress=extra.get("progress", job.progress),
        message=message,
    )
    db.session.add(event)
    return event


def events(user_id: str, job_id: str) -> list[JobEvent]:
    get(user_id, job_id)
    return list(db.session.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.seq)))


def announce(job: Job) -> None:
    """After a commit: tell the owner's sockets what the row now says."""
    emitter.emit_to_user(job.user_id, "job_status_changed", serialize(job))


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
    folder = storage.job_dir(config, job_id)
    path, marker = folder / layout.TRANSCRIPT_FILE, layout.stage_record(folder, "transcribing")
    if not (path.is_file() and marker.is_file()):
        raise Conflict("The transcript is not available yet: the job has not been transcribed.")
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


def check_active_limit(user_id: str, config: Config) -> None:
    active = db.session.scalar(
        select(func.count()).select_from(Job).where(Job.user_id == user_id, Job.status.in_(ACTIVE))
    )
    limit = config.max_active_jobs_per_user
    if (active or 0) >= limit:
        raise RateLimited(
            f"You already have {active} active jobs (the limit is {limit}); "
            "wait for one to finish or cancel one, then try again."
        )


def create_from_url(
    user_id: str, url: str, priority: int, options: dict[str, Any], config: Config, runner: Runner
) -> Job:
    check_active_limit(user_id, config)
    try:
        canonical, source_type = normalize_source_url(url, config)
    except SourceRejected as exc:
        raise ValidationFailed(str(exc), {"source_url": [str(exc)]}) from None
    video_id = youtube_id(canonical) if source_type == "youtube" else None
    job = _new_job(new_id(), user_id, source_type, canonical, priority, options, config)
    if video_id:
        job.thumbnail_url = f"https://i.ytimg.com/vi/{video_id}/hqdefault.jpg"
    return _enqueue_new(job, runner)


def create_from_upload(
    user_id: str, upload: Upload, priority: int, options: dict[str, Any], config: Config, runner: Runner
) -> Job:
    try:
        check_active_limit(user_id, config)
        captions_name = _captions_name(upload.captions)
        resolved = settings_service.resolve(user_id, options, config)
        _probe_upload(upload.path, upload.filename)
    except Exception:
        upload.path.unlink(missing_ok=True)
        raise
    job_id = new_id()
    folder = storage.job_dir(config, job_id)
    name = storage.safe_filename(upload.filename)
    (folder / layout.UPLOAD_DIR).mkdir(parents=True, exist_ok=True)
    upload.path.replace(folder / layout.UPLOAD_DIR / name)
    if upload.captions is not None and captions_name:
        (folder / layout.SOURCE_DIR / captions_name).write_bytes(upload.captions)
    job = _new_job(
        job_id, user_id, "upload", None, priority, options, config, resolved=resolved.model_dump(mode="json")
    )
    job.video_title = Path(name).stem
    job.storage_bytes = storage.disk_usage(folder)
    return _enqueue_new(job, runner)


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


def _enqueue_new(job: Job, runner: Runner) -> Job:
    db.session.add(job)
    db.session.flush()
    add_event(job, "created", "Job created")
    _to_queue(job)
    db.session.commit()
    runner.submit(job.id, job.priority)
    announce(job)
    return job


def _to_queue(job: Job) -> None:
    job.status, job.stage, job.queued_at = JobStatus.QUEUED.value, None, utcnow()
    add_event(job, "status", "Queued")


# ---------------------------------------------------------------- lifecycle


def cancel(user_id: str, job_id: str, reason: str | None, config: Config, runner: Runner) -> Job:
    job = get(user_id, job_id)
    if job.status in FINISHED:
        raise Conflict(
            f"The job is already {job.status}; only a pending, queued or processing job can be cancelled."
        )
    message = f"Cancelled: {reason}" if reason else "Cancelled by the user"
    if _cancel_waiting(job, message):
        return job
    # Processing: the worker owns the row; flag it (survives a restart) and stop it here.
    job.cancel_requested = True
    add_event(job, "cancel_requested", message)
    db.session.commit()
    stopped = runner.cancel(job.id, wait=config.cancel_wait_seconds)
    db.session.expire_all()
    job = get(user_id, job_id)
    if not stopped and job.status == JobStatus.PROCESSING.value:
        # No worker of this process runs it (e.g. a stale row): finish the transition ourselves.
        _mark_cancelled(job, message)
    return job


def _cancel_waiting(job: Job, message: str) -> bool:
    """Cancel a job no worker has claimed yet, atomically against a worker claiming it."""
    done = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status.in_((JobStatus.PENDING.value, JobStatus.QUEUED.value)))
        .values(status=JobStatus.CANCELLED.value, stage=None, completed_at=utcnow(), updated_at=utcnow())
    )
    if not getattr(done, "rowcount", 0):
        db.session.rollback()
        db.session.refresh(job)
        return job.status != JobStatus.PROCESSING.value
    db.session.refresh(job)
    add_event(job, "status", message)
    db.session.commit()
    announce(job)
    return True


def _mark_cancelled(job: Job, message: str) -> None:
    job.status, job.stage, job.completed_at = JobStatus.CANCELLED.value, None, utcnow()
    add_event(job, "status", message)
    db.session.commit()
    announce(job)


def retry(user_id: str, job_id: str, force: bool, config: Config, runner: Runner) -> Job:
    job = get(user_id, job_id)
    if job.status not in RETRYABLE:
        raise Conflict(f"Only a failed or cancelled job can be retried; this one is {job.status}.")
    check_active_limit(user_id, config)
    if force:
        storage.drop_stage_records(config, job.id)
    job.error_message, job.cancel_requested, job.progress, job.completed_at = None, False, 0.0, None
    add_event(job, "retry", "Retry" + (" (recomputing every stage)" if force else " (resuming)"))
    _to_queue(job)
    db.session.commit()
    runner.submit(job.id, job.priority, force=force)
    announce(job)
    return job


def delete(user_id: str, job_id: str, config: Config, runner: Runner) -> None:
    job = get(user_id, job_id)
    if job.status == JobStatus.PROCESSING.value:
        job.cancel_requested = True
        db.session.commit()
        runner.cancel(job.id, wait=config.cancel_wait_seconds)
    db.session.execute(
        update(Job).where(Job.id == job_id).values(status=JobStatus.CANCELLED.value, cancel_requested=True)
    )
    db.session.query(Clip).filter(Clip.job_id == job_id).delete(synchronize_session=False)
    db.session.query(JobEvent).filter(JobEvent.job_id == job_id).delete(synchronize_session=False)
    db.session.query(Job).filter(Job.id == job_id).delete(synchronize_session=False)
    db.session.commit()
    storage.remove_tree(storage.job_dir(config, job_id))


def save_upload_stream(config: Config, stream: IO[bytes], chunk: int = 1 << 20) -> Path:
    """Copy a stream to an incoming temp file in chunks (never the whole file in memory)."""
    with storage.incoming_file(config) as out:
        while block := stream.read(chunk):
            out.write(block)
    return Path(out.name)
