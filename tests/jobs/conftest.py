"""Fixtures of the JobManager/API tests: a started manager, generated media, a second user."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.worker.manager import JobManager
from tests.conftest import bearer, login, register
from tests.media import Talk, talk


@pytest.fixture(scope="session")
def media() -> Talk:
    return talk()


@pytest.fixture
def manager(app: Flask) -> Iterator[JobManager]:
    jobs: JobManager = app.extensions["job_manager"]
    jobs.start()
    yield jobs
    jobs.stop()


@pytest.fixture
def other_headers(client: FlaskClient) -> dict[str, str]:
    register(client, "bob@example.com")
    return bearer(login(client, "bob@example.com")["access_token"])
