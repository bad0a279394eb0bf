"""What running one work item means, for every kind: a job, a re-render, a publication.

Both job backends run exactly these handlers: the JobManager's threads (JOB_BACKEND=threads) and
the Celery worker's tasks (JOB_BACKEND=celery). Each handler claims its row atomically, runs the
item to its end and records it; it never raises on purpose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from backend.config import Config
from backend.extensions import db
from backend.models import Publication, PublicationStatus
from backend.pipeline.cancel import CancelToken
from backend.realtime.emitter import Emitter
from backend.services import publications as pub_service
from backend.services import renders, stats
from backend.services.lifecycle import JobLifecycle
from backend.worker import rerender, runner
from backend.youtube import uploader

log = logging.getLogger(__name__)

JOB = "job"
PUBLICATION = pub_service.KIND
RENDER = renders.KIND
# handler(item id, cancel token, force): runs one item to its end; never raises on purpose.
Handler = Callable[[str, CancelToken, bool], None]


def build(app: Flask, config: Config, emitter: Emitter, lifecycle: JobLifecycle,
          factory: runner.ProcessorFactory) -> dict[str, Handler]:  # fmt: skip
    return {
        JOB: lambda item_id, token, force: run_job(app, lifecycle, factory, item_id, token, force),
        RENDER: lambda item_id, token, _force: rerender.run(app, config, emitter, item_id, token),
        PUBLICATION: lambda item_id, token, _force: publish(app, config, emitter, lifecycle, item_id, token),
    }


def run_job(app: Flask, lifecycle: JobLifecycle, factory: runner.ProcessorFactory, job_id: str,
            token: CancelToken, force: bool) -> None:  # fmt: skip
    claimed = runner.claim(app, lifecycle, job_id)
    if claimed is not None:
        log.info("job %s started (attempt %s)", job_id, claimed.attempt)
        runner.execute(app, lifecycle, factory, claimed, token, force)


def publish(app: Flask, config: Config, emitter: Emitter, lifecycle: JobLifecycle, item_id: str,
            token: CancelToken) -> None:  # fmt: skip
    uploader.run(app, config, emitter, item_id, token)
    with app.app_context():
        pub = db.session.get(Publication, item_id)
        if pub is not None:  # a job at stage `uploading` completes after its last publication
            lifecycle.uploads_ended(pub.job_id)


def refresh_stats(app: Flask, config: Config) -> None:
    """The periodic statistics of every published video (YOUTUBE_STATS_INTERVAL), user by user:
    one account Google refuses (e.g. a revoked link) must not stop the others' refresh."""
    with app.app_context():
        published = select(Publication).where(
            Publication.status == PublicationStatus.PUBLISHED.value, Publication.youtube_video_id.is_not(None)
        )
        by_user: dict[str, list[Publication]] = {}
        for pub in db.session.scalars(published):
            by_user.setdefault(pub.user_id, []).append(pub)
        for pubs in by_user.values():
            try:
                stats.refresh(config, pubs)
            except Exception:
                db.session.rollback()
                log.exception("stats refresh failed for %d publications", len(pubs))


def default_factory(config: Config) -> runner.Processor:
    from backend.pipeline.processor import VideoProcessor

    return VideoProcessor(config)
