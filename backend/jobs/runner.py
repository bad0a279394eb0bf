"""One run of one job: claim the row, run the pipeline with no DB session held, record the end.

Each step is its own short app context and transaction; the long pipeline call in between only
sees plain data (the JobContext) and reports through the DbReporter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask
from sqlalchemy import delete, update

from backend.config import Config
from backend.extensions import db
from backend.jobs.reporter import DbReporter
from backend.models import Clip, Job, JobStatus, utcnow
from backend.pipeline.cancel import CancelToken
from backend.pipeline.context import JobContext
from backend.pipeline.criteria import CriterionText
from backend.pipeline.errors import JobCancelled, PipelineError
from backend.pipeline.options import JobOptions
from backend.pipeline.result import PipelineResult
from backend.pipeline.sources import Source
from backend.pipeline.stages import bands_for, specs_for
from backend.realtime import emitter
from backend.services import clips as clip_service
from backend.services import jobs as job_service
from backend.services import storage

log = logging.getLogger(__name__)


class Processor(Protocol):
    def run(self, ctx: JobContext) -> PipelineResult: ...


ProcessorFactory = Callable[[Config], Processor]


@dataclass(frozen=True)
class Claimed:
    job_id: str
    user_id: str
    source: Source
    options: JobOptions
    criteria: list[CriterionText]
    attempt: int


def claim(app: Flask, config: Config, job_id: str) -> Claimed | None:
    """queued → processing, atomically (a cancel may have won the race); None if not runnable."""
    with app.app_context():
        now = utcnow()
        done = db.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED.value)
            .values(status=JobStatus.PROCESSING.value, stage=None, progress=0.0, started_at=now,
                    updated_at=now, error_message=None, cancel_requested=False, attempt=Job.attempt + 1)
        )  # fmt: skip
        if not getattr(done, "rowcount", 0):
            db.session.rollback()
            return None
        job = db.session.get(Job, job_id)
        assert job is not None
        job_service.add_event(job, "status", f"Processing (attempt {job.attempt})")
        db.session.commit()
        claimed = Claimed(
            job.id, job.user_id, source_of(job, config), options_of(job), criteria_of(job), job.attempt
        )
        job_service.announce(job)
        return claimed


def source_of(job: Job, config: Config) -> Source:
    if job.source_type == "upload":
        return Source("file", path=storage.uploaded_source(config, job.id),
                      captions_path=storage.uploaded_captions(config, job.id))  # fmt: skip
    return Source(job.source_type, url=job.source_url)


def options_of(job: Job) -> JobOptions:
    # Rows written by an older release may hold keys this one no longer knows.
    known = set(JobOptions.model_fields)
    return JobOptions.model_validate({k: v for k, v in (job.options or {}).items() if k in known})


def criteria_of(job: Job) -> list[CriterionText]:
    snapshot = (job.analysis_meta or {}).get("criteria") or []
    return [CriterionText(**{k: item[k] for k in CriterionText.__dataclass_fields__}) for item in snapshot
            if isinstance(item, dict) and "content" in item]  # fmt: skip


def execute(app: Flask, config: Config, factory: ProcessorFactory, claimed: Claimed, token: CancelToken,
            force: bool) -> None:  # fmt: skip
    """Run the pipeline and record how it ended. Never raises: the row always ends final."""
    reporter = DbReporter(app, claimed.job_id, claimed.user_id, bands_for(specs_for(claimed.options)))
    ctx = JobContext(
        job_id=claimed.job_id, job_dir=storage.job_dir(config, claimed.job_id), source=claimed.source,
        options=claimed.options, config=config, reporter=reporter, criteria=claimed.criteria,
        cancel=token, force=force,
        logger=logging.LoggerAdapter(logging.getLogger("backend.pipeline"), {"job_id": claimed.job_id}),
    )  # fmt: skip
    try:
        result = factory(config).run(ctx)
        token.raise_if_cancelled()
    except JobCancelled:
        finish(app, config, claimed.job_id, JobStatus.CANCELLED, "Cancelled")
    except PipelineError as exc:
        if token.cancelled:
            finish(app, config, claimed.job_id, JobStatus.CANCELLED, "Cancelled")
        else:
            finish(app, config, claimed.job_id, JobStatus.FAILED, str(exc) or type(exc).__name__)
    except Exception as exc:
        log.exception("job %s crashed", claimed.job_id)
        status = JobStatus.CANCELLED if token.cancelled else JobStatus.FAILED
        finish(app, config, claimed.job_id, status, f"Internal error: {type(exc).__name__}: {exc}"[:2000])
    else:
        complete(app, config, claimed.job_id, result)


def finish(app: Flask, config: Config, job_id: str, status: JobStatus, message: str) -> None:
    """processing → failed | cancelled, with the message the user will read."""
    with app.app_context():
        job = db.session.get(Job, job_id)
        if job is None or job.status != JobStatus.PROCESSING.value:
            return
        failed_stage = job.stage
        job.status, job.completed_at = status.value, utcnow()
        if status is JobStatus.FAILED:
            job.error_message = message
            job_service.add_event(job, "error", message, stage=failed_stage)
        job.stage = None
        job_service.add_event(job, "status", message if status is JobStatus.CANCELLED else "Failed")
        job.storage_bytes = storage.disk_usage(storage.job_dir(config, job_id))
        db.session.commit()
        payload = job_service.serialize(job)
        emitter.emit_to_user(job.user_id, "job_status_changed", payload)
        if status is JobStatus.FAILED:
            emitter.emit_to_user(job.user_id, "job_failed", payload)


def complete(app: Flask, config: Config, job_id: str, result: PipelineResult) -> None:
    """Replace the job's clips with this run's, in one transaction (a re-run never duplicates)."""
    with app.app_context():
        job = db.session.get(Job, job_id)
        if job is None or job.status != JobStatus.PROCESSING.value:
            return
        db.session.execute(delete(Clip).where(Clip.job_id == job_id))
        rows = [_clip_row(job, clip) for clip in result.clips]
        db.session.add_all(rows)
        db.session.flush()
        _apply_result(job, result, rows, config)
        job_service.add_event(job, "status", f"Completed with {len(rows)} clips")
        db.session.commit()
        emitter.emit_to_user(job.user_id, "job_status_changed", job_service.serialize(job))
        emitter.emit_to_user(job.user_id, "job_completed", job_service.serialize_detail(job))


def _apply_result(job: Job, result: PipelineResult, rows: list[Clip], config: Config) -> None:
    job.status, job.stage, job.progress, job.completed_at = JobStatus.COMPLETED.value, None, 100.0, utcnow()
    job.video_title = (result.source.title or job.video_title or "")[:500] or None
    job.video_duration = result.source.duration or job.video_duration
    snapshot = (job.analysis_meta or {}).get("criteria")
    job.analysis_meta = {**result.analysis_meta, "criteria": result.analysis_meta.get("criteria", snapshot)}
    if job.source_type != "youtube":
        best = max(rows, key=lambda c: (c.score, -c.rank), default=None)
        job.thumbnail_url = clip_service.assets(best.id)["thumbnail_url"] if best else None
    job.storage_bytes = storage.disk_usage(storage.job_dir(config, job.id))


def _clip_row(job: Job, clip: Any) -> Clip:
    return Clip(
        job_id=job.id, user_id=job.user_id, rank=clip.index, title=clip.title[:200],
        description=clip.description, start_time=clip.start_time, end_time=clip.end_time,
        duration=clip.duration, score=clip.score, reasoning=clip.reasoning, key_quote=clip.key_quote,
        criteria_matched=list(clip.criteria_matched), tags=list(clip.tags),
        transcript_segment=clip.transcript_segment, video_path=clip.video_path,
        thumbnail_path=clip.thumbnail_path, captions_srt_path=clip.srt_path, captions_vtt_path=clip.vtt_path,
        width=clip.width, height=clip.height, file_size=clip.file_size,
    )  # fmt: skip
