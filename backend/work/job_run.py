"""The job kind's run: claim the row, run the pipeline with no DB session held, record the end.

Each step is its own short app context; the transitions themselves are the lifecycle's. The long
pipeline call in between only sees plain data (the JobContext) and reports through the DbReporter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from flask import Flask

from backend.config import Config
from backend.models import Job
from backend.pipeline.cancel import CancelToken
from backend.pipeline.context import JobContext
from backend.pipeline.criteria import CriterionText
from backend.pipeline.errors import JobCancelled, PipelineError
from backend.pipeline.options import JobOptions
from backend.pipeline.options import stored as stored_options
from backend.pipeline.result import PipelineResult
from backend.pipeline.sources import Source
from backend.pipeline.stages import bands_for, specs_for
from backend.services import cache, storage
from backend.work.job import JobLifecycle
from backend.work.reporter import DbReporter

log = logging.getLogger(__name__)


INTERNAL_ERROR = "An internal error stopped this job (it is in the server's log); retry it."


class Processor(Protocol):
    def run(self, ctx: JobContext) -> PipelineResult: ...


ProcessorFactory = Callable[[Config], Processor]


class JobRun(JobLifecycle):
    """The job kind where jobs run: claim, the pipeline with no DB session held, the end."""

    def run(self, item_id: str, token: CancelToken, force: bool) -> None:
        app, factory = self.ctx.app, self.ctx.factory
        assert app is not None and factory is not None, "a job runs only where the work is bound to an app"
        claimed = claim(app, self, item_id)
        if claimed is not None:
            log.info("job %s started (attempt %s)", item_id, claimed.attempt)
            execute(app, self, factory, claimed, token, force)


@dataclass(frozen=True)
class Claimed:
    job_id: str
    user_id: str
    source: Source
    options: JobOptions
    criteria: list[CriterionText]
    attempt: int


def claim(app: Flask, lifecycle: JobLifecycle, job_id: str) -> Claimed | None:
    with app.app_context():
        job = lifecycle.claim(job_id)
        if job is None:
            return None
        return Claimed(
            job_id=job.id,
            user_id=job.user_id,
            source=source_of(job, lifecycle.config),
            options=stored_options(job.options),
            criteria=criteria_of(job),
            attempt=job.attempt,
        )


def source_of(job: Job, config: Config) -> Source:
    if job.source_type == "upload":
        path = storage.uploaded_source(config, job.id)
        return Source("file", path=path, captions_path=storage.uploaded_captions(config, job.id))
    return Source(job.source_type, url=job.source_url)


def criteria_of(job: Job) -> list[CriterionText]:
    snapshot = (job.analysis_meta or {}).get("criteria") or []
    names = CriterionText.__dataclass_fields__
    usable = [item for item in snapshot if isinstance(item, dict) and "content" in item]
    return [CriterionText(**{name: item[name] for name in names}) for item in usable]


def execute(
    app: Flask,
    lifecycle: JobLifecycle,
    factory: ProcessorFactory,
    claimed: Claimed,
    token: CancelToken,
    force: bool,
) -> None:
    """Run the pipeline and record how it ended. Never raises: the row always ends final."""
    config = lifecycle.config
    bands = bands_for(specs_for(claimed.options))
    reporter = DbReporter(app, lifecycle, claimed.job_id, bands, claimed.attempt)
    ctx = JobContext(
        job_id=claimed.job_id,
        job_dir=storage.job_dir(config, claimed.job_id),
        source=claimed.source,
        options=claimed.options,
        config=config,
        reporter=reporter,
        criteria=claimed.criteria,
        cancel=token,
        force=force,
        remote=storage.remote_files(config, claimed.job_id),
        logger=logging.LoggerAdapter(logging.getLogger("backend.pipeline"), {"job_id": claimed.job_id}),
    )
    with cache.in_use(config, claimed.job_id):
        outcome = _run(factory, config, ctx, token, claimed.attempt)
        with app.app_context():
            outcome(lifecycle)
            lifecycle.orphaned(claimed.job_id)
    cache.trim(config)


def _run(
    factory: ProcessorFactory, config: Config, ctx: JobContext, token: CancelToken, attempt: int
) -> Callable[[JobLifecycle], None]:
    """The pipeline's end, as the lifecycle transition that records it (for this run's attempt
    only: a run that lost its job to another worker records nothing)."""
    job_id = ctx.job_id
    try:
        # An upload received by another host (or evicted since): its file comes from the bucket.
        storage.fetch_files(config, job_id, [ctx.source.path, ctx.source.captions_path])
        result = factory(config).run(ctx)
        token.raise_if_cancelled()
    except JobCancelled:
        return lambda lc: lc.cancelled(job_id, "Cancelled", attempt)
    except PipelineError as exc:
        if token.cancelled:
            return lambda lc: lc.cancelled(job_id, "Cancelled", attempt)
        message = str(exc) or type(exc).__name__
        return lambda lc: lc.fail(job_id, message, attempt)
    except Exception:
        log.exception("job %s crashed", job_id)
        if token.cancelled:
            return lambda lc: lc.cancelled(job_id, "Cancelled", attempt)
        # Raw exception text may hold paths or SQL: the user gets a sentence, the log the rest.
        return lambda lc: lc.fail(job_id, INTERNAL_ERROR, attempt)
    return lambda lc: lc.complete(job_id, result, attempt)
