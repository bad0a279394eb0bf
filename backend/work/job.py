"""The job kind: a job's pipeline run as a work item, and every status transition of a job.

queue, claim, cancel, fail, complete, recover and delete each commit the row, record its
`JobEvent`, then emit (in that order: a client never sees a state the database does not have).
Claiming, fencing by attempt, ending and releasing a dead worker's job are the shared ones of
`WorkKind`; this module adds the job's events, its clips and its child publications. Callers
hold an app context; the owner checks happen before (backend/services/jobs.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from backend.config import Config
from backend.errors import Conflict, PayloadTooLarge
from backend.extensions import db
from backend.models import Clip, Job, JobEvent, JobStatus, Publication, utcnow
from backend.pipeline.options import stored as stored_options
from backend.pipeline.result import PipelineResult, RenderedClip
from backend.pipeline.transcript import strip_controls
from backend.realtime.emitter import Emitter
from backend.realtime.events import JobProgress
from backend.services import autopublish, job_views, storage
from backend.services import clips as clip_service
from backend.work import load
from backend.work.kinds import Dispatcher, Kind, WorkContext, WorkKind, transitions
from backend.work.rows import advance

ACTIVE = (JobStatus.PENDING.value, JobStatus.QUEUED.value, JobStatus.PROCESSING.value)
FINISHED = (JobStatus.COMPLETED.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value)
RETRYABLE = (JobStatus.FAILED.value, JobStatus.CANCELLED.value)
WAITING = (JobStatus.PENDING.value, JobStatus.QUEUED.value)
S = JobStatus
TRANSITIONS = transitions(
    {
        S.PENDING: (S.QUEUED, S.CANCELLED),
        S.QUEUED: (S.PROCESSING, S.CANCELLED, S.FAILED),
        S.PROCESSING: (S.COMPLETED, S.FAILED, S.CANCELLED, S.QUEUED),
        S.FAILED: (S.QUEUED,),
        S.CANCELLED: (S.QUEUED,),
        S.COMPLETED: (),
    }
)


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


class JobLifecycle(WorkKind):
    """The job kind (`Kind.JOB`): its declaration and transitions. Where jobs run, the registry
    uses `JobRun` (backend/work/job_run.py), which adds the pipeline run."""

    kind = Kind.JOB
    model = Job
    statuses = JobStatus
    transitions = TRANSITIONS
    waiting = JobStatus.QUEUED.value
    running = JobStatus.PROCESSING.value
    failed = JobStatus.FAILED.value
    cancelled_status = JobStatus.CANCELLED.value
    noun = "job"

    @classmethod
    def active_statuses(cls) -> tuple[str, ...]:
        return ACTIVE

    @classmethod
    def enqueuing(cls, config: Config, emitter: Emitter, dispatcher: Dispatcher) -> JobLifecycle:
        """The job transitions of a process that only enqueues (a web process with Celery)."""
        return cls(WorkContext(config, emitter, dispatcher))

    @property
    def config(self) -> Config:
        return self.ctx.config

    @config.setter
    def config(self, config: Config) -> None:
        self.ctx.config = config

    @property
    def emitter(self) -> Emitter:
        return self.ctx.emitter

    @emitter.setter
    def emitter(self, emitter: Emitter) -> None:
        self.ctx.emitter = emitter

    @property
    def dispatcher(self) -> Dispatcher:
        return self.ctx.dispatcher

    # -- the WorkKind hooks

    def priority(self, row: Any) -> int:
        return int(row.priority)

    def note(self, row: Any, kind: str, message: str) -> None:
        add_event(row, kind, message)

    def announce(self, job: Job) -> None:
        """After a commit: tell the owner's sockets what the row now says."""
        self.emitter.emit(job.user_id, "job_status_changed", job_views.job_out(job))
        if job.status == JobStatus.FAILED.value:
            self.emitter.emit(job.user_id, "job_failed", job_views.job_out(job))

    def ending(self, status: str) -> dict[str, Any]:
        values = {**super().ending(status), "stage": None, "updated_at": utcnow()}
        if status in FINISHED:
            values["completed_at"] = utcnow()
        return values

    # -- entering the queue

    def admit(self, job: Job) -> None:
        """A new job: the active limit and the storage quota are checked and the row inserted in
        one transaction that holds the user's row lock, so parallel creates cannot all pass."""
        try:
            load.lock_user(job.user_id)
            load.check_active_limit(self.config, job.user_id)
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
            load.lock_user(job.user_id)
            db.session.refresh(job)
            if job.status not in RETRYABLE:
                raise Conflict(f"Only a failed or cancelled job can be retried; this one is {job.status}.")
            load.check_active_limit(self.config, job.user_id)
            if force:
                storage.drop_stage_records(self.config, job.id)
            job.error_message = None
            job.cancel_requested = False
            job.progress = 0.0
            job.completed_at = None
            job.redeliveries = 0
            add_event(job, "retry", "Retry" + (" (recomputing every stage)" if force else " (resuming)"))
            self._to_queue(job, "Queued")
        except Exception:
            db.session.rollback()
            raise
        self._commit_queued(job, force=force)

    def _to_queue(self, job: Job, message: str) -> None:
        self.move(job, JobStatus.QUEUED.value)
        job.stage = None
        job.queued_at = utcnow()
        add_event(job, "status", message)

    def _commit_queued(self, job: Job, force: bool = False) -> None:
        db.session.commit()
        self.dispatcher.submit(Kind.JOB, job.id, job.priority, force=force)
        self.announce(job)

    # -- the worker's transitions

    def claim(self, item_id: str, **values: Any) -> Job | None:
        """queued → processing, atomically (a cancel may have won the race); None if not runnable."""
        now = utcnow()
        job = super().claim(
            item_id, stage=None, progress=0.0, started_at=now, updated_at=now, error_message=None, **values
        )
        if job is None:
            return None
        add_event(job, "status", f"Processing (attempt {job.attempt})")
        db.session.commit()
        self.announce(job)
        return job

    def progress(
        self,
        job_id: str,
        stage: str | None,
        value: float,
        message: str | None,
        event: tuple[str, str] | None = None,
        attempt: int | None = None,
    ) -> None:
        """A running job's stage and progress (the reporter throttles the calls)."""
        job = self.fenced(job_id, attempt)
        if job is None:
            return  # deleted, cancelled or taken over under us: nothing to report
        job.stage = stage
        job.progress = value
        job.updated_at = utcnow()
        if event is not None:
            add_event(job, event[0], event[1])
        db.session.commit()
        payload = JobProgress(
            job_id=job.id,
            status=job.status,  # type: ignore[arg-type]
            stage=stage,  # type: ignore[arg-type]
            progress=value,
            message=message if event is None else event[1],
            timestamp=utcnow(),
        )
        self.emitter.emit(job.user_id, "job_progress", payload)

    def metadata(self, job_id: str, info: dict[str, Any]) -> None:
        job = db.session.get(Job, job_id)
        if job is None:
            return
        job.video_title = strip_controls(str(info.get("title") or job.video_title or ""))[:500] or None
        if info.get("duration"):
            job.video_duration = float(info["duration"])
        db.session.commit()
        self.announce(job)

    def fail(self, job_id: str, message: str, attempt: int | None = None) -> None:
        """processing → failed, with the message the user will read."""
        job = self.fenced(job_id, attempt)
        if job is None:
            return
        add_event(job, "error", message, stage=job.stage)
        job.error_message = message
        self._end(job, JobStatus.FAILED, "Failed")

    def cancelled(self, job_id: str, message: str, attempt: int | None = None) -> None:
        """processing → cancelled (the worker stopped)."""
        job = self.fenced(job_id, attempt)
        if job is not None:
            self._end(job, JobStatus.CANCELLED, message)

    def complete(self, job_id: str, result: PipelineResult, attempt: int | None = None) -> None:
        """processing → completed, once its clips are rendered (their rows replaced in the same
        transaction); with the option `publish`, its best clips then go out as child
        publication items (Job.publications), which end on their own."""
        job = self.fenced(job_id, attempt)
        if job is None:
            return
        rows = _replace_clips(job, result)
        _apply_result(job, result, rows)
        job.storage_bytes = storage.job_bytes(self.config, job.id)
        self._end(job, JobStatus.COMPLETED, f"Completed with {_clips(len(rows))}")
        self.emitter.emit(job.user_id, "job_completed", job_views.detail_out(job))
        publish = stored_options(job.options).publish
        if publish is not None and rows:
            self._publish(job, rows, publish)

    def _publish(self, job: Job, rows: list[Clip], publish: Any) -> None:
        created, skipped = autopublish.create(job, rows, publish, self.config, self.emitter)
        for reason in skipped:
            add_event(job, "warning", reason)
        if created:
            add_event(job, "publications", f"Publishing the best {_clips(len(created))} to YouTube")
        db.session.commit()
        for publication in created:
            self.dispatcher.submit(Kind.PUBLICATION, publication.id, job.priority)

    def _end(self, job: Job, status: JobStatus, message: str) -> None:
        self.move(job, status.value)
        for name, value in self.ending(status.value).items():
            if name != self.status_attr:
                setattr(job, name, value)
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
        stopped = self.dispatcher.cancel(Kind.JOB, job.id, wait=self.config.cancel_wait_seconds)
        db.session.expire_all()
        if not stopped and job.status == JobStatus.PROCESSING.value:
            # No worker of this process runs it (e.g. a stale row): finish the transition here.
            running = self.fenced(job.id, None)
            if running is not None:
                self._end(running, JobStatus.CANCELLED, message)

    def _cancel_waiting(self, job: Job, message: str) -> bool:
        """Cancel a job no worker has claimed yet, atomically against a worker claiming it."""
        now = utcnow()
        won = advance(
            Job,
            job.id,
            Job.status.in_(WAITING),
            status=JobStatus.CANCELLED.value,
            stage=None,
            completed_at=now,
            updated_at=now,
        )
        if won is None:
            db.session.refresh(job)
            return job.status != JobStatus.PROCESSING.value
        add_event(won, "status", message)
        db.session.commit()
        self.announce(won)
        return True

    def delete(self, job: Job) -> None:
        """Stop the worker and the clips' re-renders (waiting up to CANCEL_WAIT_SECONDS), then
        remove rows and files; a worker that outlives the wait removes the files itself when it
        ends (`orphaned`). A job with a publication still uploading is a 409; the records of
        videos already published stay (their clip and job become null)."""
        load.refuse_while_publishing(Publication.job_id == job.id, "A clip of this job", "delete the job")
        job_id = job.id
        if job.status == JobStatus.PROCESSING.value:
            job.cancel_requested = True
            db.session.commit()
            self.dispatcher.cancel(Kind.JOB, job_id, wait=self.config.cancel_wait_seconds)
        for clip_id in load.rendering_clips(job_id):
            self.dispatcher.cancel(Kind.RENDER, clip_id, wait=self.config.cancel_wait_seconds)
        clip_service.detach_publications(Publication.job_id == job_id)
        for model in (Clip, JobEvent):
            db.session.execute(delete(model).where(model.job_id == job_id))
        db.session.execute(delete(Job).where(Job.id == job_id))
        db.session.commit()
        storage.remove_job(self.config, job_id)

    # -- the process's transitions

    def recover(self) -> list[tuple[str, int]]:
        """Rows left pending by a dead process go to the queue; running ones are released (a
        stage that was mid-way has no completion record, so it runs again; finished stages are
        skipped by the pipeline). Returns the queued jobs, best first."""
        for job in db.session.scalars(select(Job).where(Job.status == JobStatus.PENDING.value)):
            self._to_queue(job, "Re-queued after a server restart")
        db.session.commit()
        super().recover()
        queued = db.session.execute(
            select(Job.id, Job.priority)
            .where(Job.status == JobStatus.QUEUED.value)
            .order_by(Job.priority.desc(), Job.queued_at.asc(), Job.created_at.asc())
        ).all()
        return [(job_id, int(priority)) for job_id, priority in queued]

    def requeue_stale(self, job_id: str, cutoff: datetime) -> bool:
        """processing → queued when its worker's heartbeat stopped before `cutoff`."""
        return self.release(job_id, cutoff)

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

    def drop_deleted(self, grace: timedelta) -> None:
        """This host's copies of deleted jobs' files (every host runs it: with a bucket, a job
        deleted through another process leaves its cached files here). The grace keeps a folder
        whose row is being created."""
        self._remove_orphan_folders(utcnow() - grace)


def _replace_clips(job: Job, result: PipelineResult) -> list[Clip]:
    """The run's clips as rows, updating the job's existing rows in place by rank: a clip's id
    survives a retry (publications and links keep pointing at it); clips the new run no longer
    has are removed unless a publication still needs them."""
    existing = {clip.rank: clip for clip in db.session.scalars(select(Clip).where(Clip.job_id == job.id))}
    rows = []
    for clip in result.clips:
        row = existing.pop(clip.index, None)
        if row is None:
            row = clip_row(job, clip)
            db.session.add(row)
        else:
            for name, value in clip.row_fields().items():
                setattr(row, name, value)
        rows.append(row)
    for stale in existing.values():
        clip_service.detach_publications(Publication.clip_id == stale.id)
        db.session.delete(stale)
    db.session.flush()
    return rows


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
    job.video_title = strip_controls(result.source.title or job.video_title or "")[:500] or None
    job.video_duration = result.source.duration or job.video_duration
    snapshot = (job.analysis_meta or {}).get("criteria")
    job.analysis_meta = {**result.analysis_meta, "criteria": result.analysis_meta.get("criteria", snapshot)}
    if job.source_type != "youtube":
        best = max(rows, key=lambda c: (c.score, -c.rank), default=None)
        job.thumbnail_url = clip_service.assets(best.id)["thumbnail_url"] if best else None
