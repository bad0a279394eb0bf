"""Per-user active job limit (429) and the upload size limit (413)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.jobs.test_lifecycle import YOUTUBE, create_url_job


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"max_active_jobs_per_user": 2, "max_upload_bytes": 3_000_000}


def test_active_job_limit_is_429(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    create_url_job(client, auth_headers)
    create_url_job(client, auth_headers)
    response = client.post("/api/v1/jobs", json={"source_url": YOUTUBE}, headers=auth_headers)
    assert response.status_code == 429 and "limit is 2" in response.get_json()["error"]["message"]


def test_upload_over_the_size_limit_is_413(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    big = {"file": (io.BytesIO(b"\0" * 3_100_000), "big.mp4")}
    response = client.post("/api/v1/jobs", data=big, headers=auth_headers, content_type="multipart/form-data")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "payload_too_large"
