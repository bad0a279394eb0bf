"""Fixtures of the JobManager/API tests: a started manager, generated media, a second user."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import bearer, login, register


@pytest.fixture
def other_headers(client: FlaskClient) -> dict[str, str]:
    register(client, "bob@example.com")
    return bearer(login(client, "bob@example.com")["access_token"])
