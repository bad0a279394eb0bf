"""Every status transition of a job, in one place.

queue, claim, cancel, fail, complete, recover, expire and delete each commit the row, record
its `JobEvent`, then emit (in that order: a client never sees a state the database does not
have). The emitter and the dispatcher (the worker pool that runs queued jobs) are injected,
so this module knows nothing of threads, Socket.IO or Flask's request. Callers hold an app
context; the owner checks happen before (backend/services/jobs.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, func, or_, select, update

from backend.config import Config
from backend.errors import Conflict, PayloadTooLarge, RateLimited
from backend.extensions import db
from backend.models import Clip, Job, JobEvent, JobStatus, Publication, PublicationStatus, User, utcnow
from backend.models.job import UPLOADING
from backend.pipeline.options import stored as stored_options
from backend.pipeline.result import PipelineResult, RenderedClip
from backend.realtime.emitter import Emitter
from backend.realtime.events import JobProgress
from backend.services import autopublish, job_views, storage
from backend.services import clips as clip_service
from backend.services import publications as pub_service

ACTIVE = (JobStatus.PENDING.value, JobStatus.QUEUED.value, JobStatus.PROCESSING.value)
FINISHED = (JobStatus.COMPLETED.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value)
RETRYABLE = (JobStatus.FAILED.value, JobStatus.CANCELLED.value)
WAITING = (JobStatus.PENDING.value, JobStatus.QUEUED.value)
UPLOAD_RUNNING = (
    PublicationStatus.QUEUED.value,
    PublicationStatus.UPLOADING.value,
    PublicationStatus.PROCESSING.value,
)


class Dispatcher(Protocol):
    """The worker pool: runs queued jobs, stops running ones."""

    def submit(self, job_id: str, priority: int, force: bool = False, kind: str = ...) -> None: ...

    def cancel(self, job_id: str, wait: float) -> bool: ...


def add_event(job: Job, type_: str, message: str | None = None, **extra: Any) -> JobEvent:
    """Append an event in the caller's transaction; seq orders events that share a timestamp."""
    last = db.session.scalar(select(func.max(JobEvent.seq)).where(JobEvent.job_id == job.id))
    event = JobEvent(
        job_id=job.id, seq=(last or 0) + 1, type=type_, status=extra.get("status", job.status),
        stage=extra.get("stage", job.stage), progress=extra.get("progress", job.progress), message=message,
    )  # fmt: skip
    db.session.add(event)
    return event


class JobLifecycle:
    def __init__(self, config: Config, emitter: Emitter, dispatcher: Dispatcher) -> None:
        self.config = config
        self.emitter = emitter
        self.dispatcher = dispatcher

    # -- announcing

    def announce(self, job: Job) -> None:
        """After a commit: tell the owner's sockets what the row now says."""
        self.emitter.emit(job.user_id, "job_status_changed", job_views.job_out(job))

    # -- entering the queue

    def admit(self, job: Job) -> None:
        """A new job: the active-job limit and the storage quota are checked and the row inserted
        in one transaction that holds the user's row lock, so parallel creates cannot all pass."""
        try:
            self._lock_user(job.user_id)
            self._check_active_limit(job.user_id)
            check_storage(self.config, job.user_id, extra=job.storage_bytes or 0)
            db.session.add(job)
            db.session.flush()
            add_event(job, "created", "Job created")
            self._to_queue(job, "Queued")
        except Exception:
            db.session.rollback()
            raise
        self._commit_queued(job)

    def requeue(self, job: Job, *, force: bool) -> None:
        """failed | cancelled → queued (retry), under the same atomic limit as a create."""
        try:
            self._lock_user(job.user_id)
            db.session.refresh(job)
            if job.status not in RETRYABLE:
                raise Conflict(f"Only a failed or cancelled job can be retried; this one is {job.status}.")
            self._check_active_limit(job.user_id)
            if force:
                storage.drop_stage_records(self.config, job.id)
            job.error_message, job.cancel_requested, job.progress, job.completed_at = None, False, 0.0, None
            add_event(job, "retry", "Retry" + (" (recomputing every stage)" if force else " (resuming)"))
            self._to_queue(job, "Queued")
        except Exception:
            db.session.rollback()
            raise
        self._commit_queued(job, force=force)

    def _to_queue(self, job: Job, message: str) -> None:
        job.status, job.stage, job.queued_at = JobStatus.QUEUED.value, None, utcnow()
        add_event(job, "status", message)

    def _commit_queued(self, job: Job, force: bool = False) -> None:
        db.session.commit()
        self.dispatcher.submit(job.id, job.priority, force=force)
        self.announce(job)

    def _lock_user(self, user_id: str) -> None:
        # A no-op write takes the user's row lock on PostgreSQL and the database write lock on
        # SQLite: concurrent admissions for one user run one after the other until commit.
        db.session.execute(update(User).where(User.id == user_id).values(id=User.id))

    def _check_active_limit(self, user_id: str) -> None:
        active = db.session.scalar(
            select(func.count()).select_from(Job).where(Job.user_id == user_id, Job.status.in_(ACTIVE))
        )
        limit = self.config.max_active_jobs_per_user
        if (active or 0) >= limit:
            raise RateLimited(
                f"You already have {active} active jobs (the limit is {limit}); "
                "wait for one to finish or cancel one, then try again."
            )

    # -- the worker's transitions

    def claim(self, job_id: str) -> Job | None:
        """queued → processing, atomically (a cancel may have won the race); None if not runnable."""
        now = utcnow()
        done = db.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED.value)
            .values(status=JobStatus.PROCESSING.value, stage=None, progress=0.0, started_at=now,
                    updated_at=now, error_message=None, cancel_requested=False, attempt=Job.attempt + 1,
                    heartbeat_at=now)
        )  # fmt: skip
        job = _won(done, job_id)
        if job is None:
            return None
        add_event(job, "status", f"Processing (attempt {job.attempt})")
        db.session.commit()
        self.announce(job)
        return job

    def progress(self, job_id: str, stage: str | None, value: float, message: str | None,
                 event: tuple[str, str] | None = None, attempt: int | None = None) -> None:  # fmt: skip
        """A running job's stage and progress (the reporter throttles the calls)."""
        job = self._processing(job_id, attempt)
        if job is None:
            return  # deleted, cancelled or taken over under us: nothing to report
        job.stage, job.progress, job.updated_at = stage, value, utcnow()
        if event is not None:
            add_event(job, event[0], event[1])
        db.session.commit()
        payload = JobProgress(
            job_id=job.id, status=job.status, stage=stage, progress=value,  # type: ignore[arg-type]
            message=message if event is None else event[1], timestamp=utcnow(),
        )  # fmt: skip
        self.emitter.emit(job.user_id, "job_progress", payload)

    def metadata(self, job_id: str, info: dict[str, Any]) -> None:
        job = db.session.get(Job, job_id)
        if job is None:
            return
        job.video_title = str(info.get("title") or job.video_title or "")[:500] or None
        if info.get("duration"):
            job.video_duration = float(info["duration"])
        db.session.commit()
        self.announce(job)

    def fail(self, job_id: str, message: str, attempt: int | None = None) -> None:
        """processing → failed, with the message the user will read."""
        job = self._processing(job_id, attempt)
        if job is None:
            return
        add_event(job, "error", message, stage=job.stage)
        job.error_message = message
        self._end(job, JobStatus.FAILED, "Failed")
        self.emitter.emit(job.user_id, "job_failed", job_views.job_out(job))

    def cancelled(self, job_id: str, message: str, attempt: int | None = None) -> None:
        """processing → cancelled (the worker stopped)."""
        job = self._processing(job_id, attempt)
        if job is not None:
            self._end(job, JobStatus.CANCELLED, message)

    def complete(self, job_id: str, result: PipelineResult, attempt: int | None = None) -> None:
        """processing → completed; the job's clips are replaced in the same transaction. With the
        option `publish`, it first stays processing at stage `uploading` until `uploads_ended`."""
        job = self._processing(job_id, attempt)
        if job is None:
            return
        db.session.execute(delete(Clip).where(Clip.job_id == job_id))
        rows = [clip_row(job, clip) for clip in result.clips]
        db.session.add_all(rows)
        db.session.flush()
        _apply_result(job, result, rows)
        job.storage_bytes = storage.job_bytes(self.config, job.id)
        publish = stored_options(job.options).publish
        why_not = autopublish.unavailable(self.config, job.user_id) if publish and rows else None
        if publish is None or not rows or why_not:
            if why_not:
                add_event(job, "warning", why_not)
            self._completed(job, f"Completed with {_clips(len(rows))}")
            return
        job.stage = UPLOADING
        best = _clips(min(publish.top, len(rows)))
        add_event(job, "stage_started", f"Uploading the best {best} to YouTube")
        db.session.commit()
        self.announce(job)
        deferred = autopublish.Deferred()
        for reason in autopublish.create(job, rows, publish, self.config, self.emitter, deferred):
            add_event(job, "warning", reason)
        db.session.commit()
        for publication_id in deferred.submitted:
            self.dispatcher.submit(publication_id, 5, kind=pub_service.KIND)
        if not deferred.submitted:
            self.uploads_ended(job.id)

    def uploads_ended(self, job_id: str) -> None:
        """After a publication of the job ended: the job completes once none is running. Atomic,
        so two uploads ending together complete it once."""
        running = db.session.scalar(
            select(func.count())
            .select_from(Publication)
            .where(Publication.job_id == job_id, Publication.status.in_(UPLOAD_RUNNING))
        )
        if running:
            return
        done = db.session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.status == JobStatus.PROCESSING.value,
                Job.stage == UPLOADING,
                Job.cancel_requested.is_(False),
            )
            .values(status=JobStatus.COMPLETED.value, updated_at=utcnow())
        )
        job = _won(done, job_id)
        if job is None:
            return
        pubs = list(db.session.scalars(select(Publication).where(Publication.job_id == job_id)))
        for pub in pubs:
            if pub.status != PublicationStatus.PUBLISHED.value:
                add_event(job, "warning", f"{pub.title!r} not published: {pub.error_message or pub.status}")
        published = sum(1 for p in pubs if p.status == PublicationStatus.PUBLISHED.value)
        clips = job_views.clip_counts([job.id]).get(job.id, 0)
        self._completed(job, f"Completed with {_clips(clips)}; {published} published to YouTube")

    def _completed(self, job: Job, message: str) -> None:
        job.status, job.stage, job.completed_at = JobStatus.COMPLETED.value, None, utcnow()
        add_event(job, "status", message)
        db.session.commit()
        self.announce(job)
        self.emitter.emit(job.user_id, "job_completed", job_views.detail_out(job))

    def _processing(self, job_id: str, attempt: int | None = None) -> Job | None:
        """The job's row while it is processing - and, given the run's `attempt`, only while that
        run still owns it: a run whose worker was taken for dead (its heartbeats stalled) and
        whose job was re-queued and claimed again must not write over the new run. The row is
        locked (PostgreSQL) so a claim cannot slip in between this check and the commit."""
        query = select(Job).where(Job.id == job_id, Job.status == JobStatus.PROCESSING.value)
        if attempt is not None:
            query = query.where(Job.attempt == attempt)
        return db.session.scalar(query.with_for_update())

    def _end(self, job: Job, status: JobStatus, message: str) -> None:
        job.status, job.stage, job.completed_at = status.value, None, utcnow()
        add_event(job, "status", message)
        job.storage_bytes = storage.job_bytes(self.config, job.id)
        db.session.commit()
        self.announce(job)

    def orphaned(self, job_id: str) -> None:
        """The worker ended a job whose row was deleted meanwhile: its files go too (a delete that
        could not wait for the worker would otherwise leave what it wrote afterwards)."""
        if db.session.get(Job, job_id) is None:
            storage.remove_job(self.config, job_id)

    # -- the user's transitions

    def cancel(self, job: Job, message: str) -> None:
        if job.status in FINISHED:
            raise Conflict(
                f"The job is already {job.status}; only a pending, queued or processing job can be cancelled."
            )
        if self._cancel_waiting(job, message):
            return
        # Processing: the worker owns the row; flag it (survives a restart) and stop it.
        job.cancel_requested = True
        add_event(job, "cancel_requested", message)
        db.session.commit()
        if job.stage == UPLOADING:  # after the flag: an upload ending now cannot complete the job
            self._cancel_uploads(job)
        stopped = self.dispatcher.cancel(job.id, wait=self.config.cancel_wait_seconds)
        db.session.expire_all()
        if not stopped and job.status == JobStatus.PROCESSING.value:
            # No worker of this process runs it (e.g. a stale row): finish the transition here.
            self._end(job, JobStatus.CANCELLED, message)

    def _cancel_uploads(self, job: Job) -> None:
        """Cancelling a job at stage `uploading` stops its uploads (a finished video stays)."""
        running = select(Publication.id).where(
            Publication.job_id == job.id, Publication.status.in_(UPLOAD_RUNNING)
        )
        for publication_id in list(db.session.scalars(running)):
            pub_service.cancel(job.user_id, publication_id, self.config, self.dispatcher, self.emitter)

    def _cancel_waiting(self, job: Job, message: str) -> bool:
        """Cancel a job no worker has claimed yet, atomically against a worker claiming it."""
        done = db.session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status.in_(WAITING))
            .values(status=JobStatus.CANCELLED.value, stage=None, completed_at=utcnow(), updated_at=utcnow())
        )
        if not getattr(done, "rowcount", 0):
            db.session.rollback()
            db.session.refresh(job)
            return job.status != JobStatus.PROCESSING.value
        db.session.refresh(job)
        add_event(job, "status", message)
        db.session.commit()
        self.announce(job)
        return True

    def delete(self, job: Job) -> None:
        """Stop the worker (waiting up to CANCEL_WAIT_SECONDS), then remove rows and files; a
        worker that outlives the wait removes the files itself when it ends (`orphaned`)."""
        job_id = job.id
        if job.status == JobStatus.PROCESSING.value:
            job.cancel_requested = True
            db.session.commit()
            self.dispatcher.cancel(job_id, wait=self.config.cancel_wait_seconds)
        for model in (Clip, JobEvent):
            db.session.execute(delete(model).where(model.job_id == job_id))
        db.session.execute(delete(Job).where(Job.id == job_id))
        db.session.commit()
        storage.remove_job(self.config, job_id)

    # -- the process's transitions

    def recover(self) -> None:
        """Rows left queued/processing (or pending) by a dead process go back to the queue.

        A stage that was mid-way has no completion record, so it simply runs again; finished
        stages are skipped by the pipeline."""
        for job in db.session.scalars(select(Job).where(Job.status.in_(ACTIVE))):
            if job.stage == UPLOADING and job.cancel_requested:
                job.status, job.stage, job.completed_at = JobStatus.CANCELLED.value, None, utcnow()
                add_event(job, "status", "Cancelled (during its uploads, before a server restart)")
                db.session.execute(
                    update(Publication)
                    .where(Publication.job_id == job.id, Publication.status.in_(UPLOAD_RUNNING))
                    .values(status=PublicationStatus.CANCELLED.value, updated_at=utcnow())
                )
                continue
            if job.stage == UPLOADING:
                continue  # its clips are stored: the recovered publications end it (`settle_uploads`)
            if job.status != JobStatus.QUEUED.value:
                job.status, job.stage, job.queued_at = JobStatus.QUEUED.value, None, job.queued_at or utcnow()
                add_event(job, "recovered", "Re-queued after a server restart")
        db.session.commit()
        queued = db.session.execute(
            select(Job.id, Job.priority)
            .where(Job.status == JobStatus.QUEUED.value)
            .order_by(Job.priority.desc(), Job.queued_at.asc(), Job.created_at.asc())
        ).all()
        for job_id, priority in queued:
            self.dispatcher.submit(job_id, priority)

    def requeue_stale(self, job_id: str, cutoff: datetime) -> bool:
        """processing → queued when its worker's heartbeat stopped before `cutoff` (the worker
        died; JOB_BACKEND=celery). One conditional UPDATE, so of several workers noticing it at
        once exactly one re-queues it; the next claim resumes it from its stage records. A job
        whose cancel was requested ends cancelled instead. True if this call re-queued it."""
        stale = (
            Job.id == job_id,
            Job.status == JobStatus.PROCESSING.value,
            Job.heartbeat_at < cutoff,
            or_(Job.stage.is_(None), Job.stage != UPLOADING),  # its publications have their own
        )
        cancel = db.session.scalar(select(Job.cancel_requested).where(*stale))
        if cancel is None:
            return False
        status = JobStatus.CANCELLED if cancel else JobStatus.QUEUED
        done = db.session.execute(
            update(Job)
            .where(*stale)
            .values(status=status.value, stage=None, heartbeat_at=None, updated_at=utcnow(),
                    completed_at=utcnow() if cancel else None)
        )  # fmt: skip
        job = _won(done, job_id)
        if job is None:
            return False
        if cancel:
            add_event(job, "status", "Cancelled (its worker had stopped)")
        else:
            add_event(job, "recovered", "Re-queued: its worker stopped responding")
        db.session.commit()
        self.announce(job)
        return not cancel

    def settle_uploads(self) -> None:
        """After the publications are recovered: an uploading job whose uploads all ended while
        the process was down completes now."""
        jobs = db.session.scalars(
            select(Job.id).where(Job.status == JobStatus.PROCESSING.value, Job.stage == UPLOADING)
        )
        for job_id in list(jobs):
            self.uploads_ended(job_id)

    def expire(self, ttl: timedelta) -> list[str]:
        """The files of failed/cancelled jobs finished before now - ttl go; the rows stay (the
        user still sees what happened and why) with storage_bytes 0, so the space shows as freed."""
        cutoff = utcnow() - ttl
        jobs = db.session.scalars(
            select(Job).where(Job.status.in_(RETRYABLE), Job.completed_at < cutoff, Job.storage_bytes > 0)
        ).all()
        for job in jobs:
            storage.remove_job(self.config, job.id)
            job.storage_bytes = 0
            add_event(job, "artifacts_removed", f"Files removed after {ttl.total_seconds() / 3600:g} h")
        db.session.commit()
        self._remove_orphan_folders(cutoff)
        self._remove_orphan_objects(cutoff)
        return [job.id for job in jobs]

    def _remove_orphan_folders(self, cutoff: Any) -> None:
        """Job folders without a row (a crash between a delete's commit and its file removal)."""
        folders = storage.job_folders(self.config, older_than=cutoff)
        if not folders:
            return
        known = self._known(list(folders))
        for job_id, path in folders.items():
            if job_id not in known:
                storage.remove_tree(path)

    def _remove_orphan_objects(self, cutoff: Any) -> None:
        """The same in the bucket: job prefixes without a row, untouched since the cutoff (a
        newer one may be an upload whose row is being created)."""
        prefixes = storage.bucket_jobs(self.config, older_than=cutoff)
        known = self._known(prefixes) if prefixes else set()
        for job_id in prefixes:
            if job_id not in known:
                storage.remove_job(self.config, job_id)

    def _known(self, job_ids: list[str]) -> set[str]:
        return set(db.session.scalars(select(Job.id).where(Job.id.in_(job_ids))))


def _won(update_result: Any, job_id: str) -> Job | None:
    """After a conditional UPDATE of one job: its fresh row if this call changed it, else None
    (someone else won the race; the transaction is rolled back)."""
    if not getattr(update_result, "rowcount", 0):
        db.session.rollback()
        return None
    job = db.session.get(Job, job_id)
    assert job is not None
    db.session.refresh(job)
    return job


def _clips(count: int) -> str:
    """Event messages are read by people: "1 clip", "2 clips"."""
    return f"{count} clip" if count == 1 else f"{count} clips"


def check_storage(config: Config, user_id: str, extra: int = 0) -> None:
    """MAX_STORAGE_BYTES_PER_USER: a 413 before a job or upload would go over it."""
    limit = config.max_storage_bytes_per_user
    if not limit:
        return
    used = int(db.session.scalar(select(func.sum(Job.storage_bytes)).where(Job.user_id == user_id)) or 0)
    if used >= limit or used + extra > limit:
        raise PayloadTooLarge(
            f"Your files use {used / 1e6:.0f} MB of your {limit / 1e6:.0f} MB; delete jobs "
            "or clips you no longer need, then try again."
        )


def clip_row(job: Job, clip: RenderedClip) -> Clip:
    """A rendered clip as a row: the pipeline's fields carry the row's names (one clip shape)."""
    return Clip(job_id=job.id, user_id=job.user_id, **clip.row_fields())


def _apply_result(job: Job, result: PipelineResult, rows: list[Clip]) -> None:
    job.progress = 100.0
    job.video_title = (result.source.title or job.video_title or "")[:500] or None
    job.video_duration = result.source.duration or job.video_duration
    snapshot = (job.analysis_meta or {}).get("criteria")
    job.analysis_meta = {**result.analysis_meta, "criteria": result.analysis_meta.get("criteria", snapshot)}
    if job.source_type != "youtube":
        best = max(rows, key=lambda c: (c.score, -c.rank), default=None)
        job.thumbnail_url = clip_service.assets(best.id)["thumbnail_url"] if best else None
