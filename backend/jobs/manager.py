"""JobManager: JOB_WORKERS OS threads fed by a priority queue of job ids.

The database row is the source of truth: the queue holds only ids (rebuilt from the rows on
start), workers claim a row atomically before running it, and a cancel is both flagged on the
row and delivered to the running worker's CancelToken (which kills its subprocess group).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from backend.config import Config
from backend.extensions import db
from backend.jobs import runner
from backend.jobs.cleanup import remove_expired_artifacts
from backend.models import Job, JobStatus, utcnow
from backend.pipeline.cancel import CancelToken
from backend.services import jobs as job_service

log = logging.getLogger(__name__)


@dataclass(order=True)
class _Entry:
    sort_key: tuple[int, int]
    job_id: str = field(compare=False)
    force: bool = field(compare=False, default=False)


@dataclass
class _Running:
    token: CancelToken
    done: threading.Event = field(default_factory=threading.Event)


def _default_factory(config: Config) -> runner.Processor:
    from backend.pipeline.processor import VideoProcessor

    return VideoProcessor(config)


class JobManager:
    def __init__(self, app: Flask, config: Config, factory: runner.ProcessorFactory | None = None) -> None:
        self.app = app
        self.config = config
        self.factory = factory or _default_factory
        self._heap: list[_Entry] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._running: dict[str, _Running] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # -- lifecycle

    def start(self) -> None:
        """Recover what a previous process left, then start the workers and the clean-up."""
        if self._threads:
            return
        self.recover()
        for index in range(max(1, self.config.job_workers)):
            self._spawn(self._work, f"job-worker-{index + 1}")
        self._spawn(self._clean_periodically, "job-cleanup")

    def _spawn(self, target: object, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        with self._cond:
            for entry in self._running.values():
                entry.token.cancel()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def recover(self) -> None:
        """Rows left queued/processing (or pending) by a dead process go back to the queue.

        A stage that was mid-way has no completion record, so it simply runs again; finished
        stages are skipped by the pipeline.
        """
        with self.app.app_context():
            stale = db.session.scalars(select(Job).where(Job.status.in_(job_service.ACTIVE)))
            for job in stale:
                if job.status != JobStatus.QUEUED.value:
                    job.status, job.stage, job.queued_at = (
                        JobStatus.QUEUED.value,
                        None,
                        job.queued_at or utcnow(),
                    )
                    job_service.add_event(job, "recovered", "Re-queued after a server restart")
            db.session.commit()
            queued = db.session.execute(
                select(Job.id, Job.priority)
                .where(Job.status == JobStatus.QUEUED.value)
                .order_by(Job.priority.desc(), Job.queued_at.asc(), Job.created_at.asc())
            ).all()
        for job_id, priority in queued:
            self.submit(job_id, priority)

    # -- queue

    def submit(self, job_id: str, priority: int, force: bool = False) -> None:
        with self._cond:
            heapq.heappush(self._heap, _Entry((-priority, next(self._seq)), job_id, force))
            self._cond.notify()

    def cancel(self, job_id: str, wait: float) -> bool:
        """Stop a job running in this process; True once its worker has recorded the end."""
        with self._cond:
            running = self._running.get(job_id)
        if running is None:
            return False
        running.token.cancel()
        return running.done.wait(wait)

    def is_running(self, job_id: str) -> bool:
        with self._cond:
            return job_id in self._running

    def stats(self) -> dict[str, int]:
        with self.app.app_context():
            counts = job_service.status_counts()
        with self._cond:
            running = len(self._running)
        workers = sum(1 for t in self._threads if t.name.startswith("job-worker") and t.is_alive())
        return {"queued": counts.get(JobStatus.QUEUED.value, 0), "running": running,
                "workers": workers or self.config.job_workers}  # fmt: skip

    def _next(self) -> _Entry | None:
        with self._cond:
            while not self._heap and not self._stopping.is_set():
                self._cond.wait(timeout=1.0)
            if self._stopping.is_set():
                return None
            return heapq.heappop(self._heap)

    # -- workers

    def _work(self) -> None:
        while (entry := self._next()) is not None:
            try:
                self._run_one(entry)
            except Exception:  # a bug in one job must not kill the worker
                log.exception("worker failed on job %s", entry.job_id)

    def _run_one(self, entry: _Entry) -> None:
        running = _Running(CancelToken())
        with self._cond:
            if entry.job_id in self._running:
                return  # a duplicate queue entry of a job already running here
            # Registered before the claim so a cancel arriving right after it finds the token.
            self._running[entry.job_id] = running
        try:
            claimed = runner.claim(self.app, self.config, entry.job_id)
            if claimed is not None:
                log.info("job %s started (attempt %s)", entry.job_id, claimed.attempt)
                runner.execute(self.app, self.config, self.factory, claimed, running.token, entry.force)
        finally:
            with self._cond:
                self._running.pop(entry.job_id, None)
            running.done.set()

    def _clean_periodically(self) -> None:
        interval = max(1.0, self.config.cleanup_interval_seconds)
        while not self._stopping.wait(interval):
            try:
                remove_expired_artifacts(
                    self.app, self.config, timedelta(hours=self.config.artifact_ttl_hours)
                )
            except Exception:
                log.exception("artifact clean-up failed")
