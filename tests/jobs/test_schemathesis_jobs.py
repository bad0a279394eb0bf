"""Schemathesis over every /api/v1 operation of the OpenAPI document: no input yields a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from cryptography.fernet import Fernet
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

schemathesis.experimental.OPEN_API_3_1.enable()


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    """YouTube configured (no Google call is reached by these inputs), so its endpoints are
    fuzzed past the 503 that an unconfigured server rightly answers."""
    return {
        "google_client_id": "fuzz-client.apps.googleusercontent.com",
        "google_client_secret": "fuzz",
        "token_encryption_key": (Fernet.generate_key().decode(),),
    }


@pytest.fixture
def api_schema(app: Flask) -> schemathesis.schemas.BaseSchema:
    return schemathesis.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize(endpoint="^/api/v1/")
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case, auth_headers: dict[str, str]) -> None:
    response = case.call_wsgi(headers=auth_headers)
    case.validate_response(response, checks=(not_a_server_error,))
