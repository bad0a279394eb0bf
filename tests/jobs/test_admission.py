"""Admission is atomic: the active-job limit holds under parallel creates and retries (SQLite
and PostgreSQL), and the per-user storage quota refuses new work with a 413."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.extensions import db
from backend.models import Job
from tests.jobs.helpers import upload
from tests.jobs.test_lifecycle import YOUTUBE
from tests.media import Talk


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"max_active_jobs_per_user": 5, "max_storage_bytes_per_user": 2_000_000}


def _parallel(calls: list[Any]) -> list[int]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return sorted(f.result() for f in [pool.submit(call) for call in calls])


def test_parallel_creates_respect_the_active_limit(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    def create() -> int:
        return client.post("/api/v1/jobs", json={"source_url": YOUTUBE}, headers=auth_headers).status_code

    codes = _parallel([create] * 15)
    assert codes.count(201) == 5 and codes.count(429) == 10, codes
    assert client.get("/api/v1/jobs", headers=auth_headers).get_json()["total"] == 5


def test_parallel_retries_respect_the_active_limit(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    ids = []
    for _ in range(10):  # ten cancelled jobs, never more than one active at a time
        created = client.post("/api/v1/jobs", json={"source_url": YOUTUBE}, headers=auth_headers)
        ids.append(created.get_json()["id"])
        cancel = client.post(f"/api/v1/jobs/{ids[-1]}/cancel", json={}, headers=auth_headers)
        assert cancel.status_code == 200

    def retry(job_id: str) -> Any:
        return lambda: client.post(f"/api/v1/jobs/{job_id}/retry", json={}, headers=auth_headers).status_code

    codes = _parallel([retry(job_id) for job_id in ids])
    assert codes.count(200) == 5 and codes.count(429) == 5, codes


def test_storage_quota_is_a_413_at_create_and_upload(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str], media: Talk
) -> None:
    first = client.post("/api/v1/jobs", json={"source_url": YOUTUBE}, headers=auth_headers)
    with app.app_context():
        db.session.get(Job, first.get_json()["id"]).storage_bytes = 2_000_000
        db.session.commit()
    for response in (
        client.post("/api/v1/jobs", json={"source_url": YOUTUBE}, headers=auth_headers),
        upload(client, auth_headers, media),
    ):
        assert response.status_code == 413, response.get_json()
        assert "MB" in response.get_json()["error"]["message"]
    folders = list((app.extensions["viral_clipper_config"].jobs_dir).glob("*"))
    assert all(p.name == ".incoming" or p.name == first.get_json()["id"] for p in folders)
