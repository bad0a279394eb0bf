"""The worker pool of the server process: JobManager threads, the DB reporter, one job's run."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import select

from backend.config import Config
from backend.extensions import db
from backend.models import Publication, PublicationStatus
from backend.pipeline.cancel import CancelToken
from backend.realtime.emitter import Emitter, SocketEmitter
from backend.services import renders
from backend.services.lifecycle import JobLifecycle
from backend.worker import rerender
from backend.worker.manager import JobManager
from backend.youtube import uploader

log = logging.getLogger(__name__)
PUBLICATION = "publication"


def init_worker(app: Flask, config: Config, emitter: Emitter | None = None) -> JobManager:
    """Create the app's JobManager and lifecycle; `start_runtime` (serving processes only) starts it."""
    emitter = emitter or SocketEmitter()
    manager = JobManager(app, config, emitter)
    manager.register(
        PUBLICATION,
        lambda item_id, token, _force: _publish(app, config, emitter, manager.lifecycle, item_id, token),
    )
    if config.youtube_configured:
        manager.every(config.youtube_stats_interval, "youtube-stats", lambda: refresh_stats(app, config))
    manager.register(
        renders.KIND, lambda item_id, token, _force: rerender.run(app, config, emitter, item_id, token)
    )
    app.extensions["job_manager"] = manager
    app.extensions["job_lifecycle"] = manager.lifecycle
    app.extensions["start_runtime"] = lambda: _start(app, manager)
    return manager


def _publish(
    app: Flask, config: Config, emitter: Emitter, lifecycle: JobLifecycle, item_id: str, token: CancelToken
) -> None:
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
                uploader.refresh_stats(config, pubs)
            except Exception:
                db.session.rollback()
                log.exception("stats refresh failed for %d publications", len(pubs))


def _start(app: Flask, manager: JobManager) -> None:
    manager.start()
    with app.app_context():
        uploader.recover(manager)
        renders.recover(manager)
        manager.lifecycle.settle_uploads()
