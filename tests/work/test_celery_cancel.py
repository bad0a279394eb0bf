"""H1 on the Celery backend: a cancel names (kind, id), and a route checks the owner before it
reaches any worker. An in-process WorkerRuntime on a real Redis (the worker's own supervisor
rounds, called directly), with the items registered as running as a worker registers them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from backend.api.common import CONFIG_KEY
from backend.work.celery_app import CeleryDispatcher
from backend.work.celery_worker import WorkerRuntime
from backend.work.kinds import Kind
from tests.scaleout.cluster import NoRedis, claimed_redis_db


@pytest.fixture
def redis_url() -> Iterator[str]:
    try:
        with claimed_redis_db() as url:
            yield url
    except NoRedis:
        pytest.skip("Redis is not running")


@pytest.fixture
def config_overrides(redis_url: str) -> dict[str, Any]:
    return {"redis_url": redis_url, "job_backend": "celery"}


@pytest.fixture
def runtime(app: Flask) -> WorkerRuntime:
    return WorkerRuntime(app, app.extensions[CONFIG_KEY])


def test_h1_a_cancel_of_one_kind_leaves_the_other_running(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str], runtime: WorkerRuntime
) -> None:
    """The cancel mark used to be a bare id: a cancel of a re-render stopped a job that ran
    under the same id on any worker."""
    created = client.post(
        "/api/v1/jobs", json={"source_url": "https://youtu.be/dQw4w9WgXcQ"}, headers=auth_headers
    )
    same_id = created.get_json()["id"]  # a job row that asks nobody to stop
    job = runtime.running.enter(Kind.JOB, same_id)
    render = runtime.running.enter(Kind.RENDER, same_id)
    assert job is not None and render is not None
    CeleryDispatcher(app.extensions[CONFIG_KEY]).cancel(Kind.RENDER, same_id, 0)
    runtime.poll_cancels()
    assert render.token.cancelled and not job.token.cancelled


def test_h1_another_users_delete_reaches_no_worker(
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    other_headers: dict[str, str],
    redis_url: str,
) -> None:
    created = client.post(
        "/api/v1/jobs", json={"source_url": "https://youtu.be/dQw4w9WgXcQ"}, headers=auth_headers
    )
    job_id = created.get_json()["id"]
    marks = redis.Redis.from_url(redis_url)
    marks.set(f"viral_clipper:running:job:{job_id}", "a-worker")  # as if a worker ran it
    for path in (f"/api/v1/clips/{job_id}", f"/api/v1/publications/{job_id}"):
        assert client.delete(path, headers=other_headers).status_code in (404, 503)
    assert [k for k in marks.scan_iter("viral_clipper:cancel:*")] == []
    assert client.get(f"/api/v1/jobs/{job_id}", headers=auth_headers).get_json()["status"] == "queued"
