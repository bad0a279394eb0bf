"""The scale-out topology on one machine (JOB_BACKEND=celery): real web and Celery worker
processes, real Redis (a Redis database of their own, flushed afterwards), real PostgreSQL (the
session's throwaway database) and a shared temporary DATA_DIR.

Every process is a subprocess on free loopback ports, always killed in teardown (with whatever
children it left). The in-process `app` here only reads the database (it starts no job threads).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from backend.app import create_app
from backend.extensions import db
from tests.conftest import DB_KIND, _truncate_all, make_config
from tests.jobs.helpers import wait_for
from tests.scaleout.cluster import Cluster, NoRedis, claimed_redis_db
from tests.youtube.conftest import google  # noqa: F401  (the Google emulator, for the publication test)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    # Several processes writing one SQLite file is not a supported topology.
    if DB_KIND != "postgresql":
        pytest.skip("the scale-out tests run on PostgreSQL (TEST_DB=postgresql)")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database no other run uses right now (empty), flushed afterwards."""
    try:
        with claimed_redis_db() as url:
            yield url
    except NoRedis as why:
        pytest.skip(str(why))


@pytest.fixture
def app(template_db: str, tmp_path: Path, redis_url: str) -> Iterator[Flask]:
    """Reads the rows the processes write (a CeleryDispatcher app: it runs nothing)."""
    application = create_app(
        make_config(tmp_path / "data", template_db, job_backend="celery", redis_url=redis_url)
    )
    yield application
    _truncate_all(application)
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def cluster(app: Flask, template_db: str, tmp_path: Path, redis_url: str) -> Iterator[Cluster]:
    (tmp_path / "data").mkdir(exist_ok=True)
    running = Cluster(tmp_path / "data", template_db, redis_url)
    try:
        yield running
    finally:
        running.stop()
        if os.environ.get("SCALEOUT_LOGS"):
            print(running.dump_logs())


def wait_resumed(app: Flask, job_id: str, timeout: float = 120.0) -> None:
    """Until a second attempt of the job runs (or has already completed): it resumed elsewhere."""
    from backend.models import Job

    with app.app_context():

        def resumed() -> bool:
            db.session.expire_all()
            job = db.session.get(Job, job_id)
            return job is not None and job.attempt == 2 and job.status in ("processing", "completed")

        wait_for(resumed, timeout, 0.05)
