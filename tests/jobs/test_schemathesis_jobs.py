"""Schemathesis over every /api/v1 operation of the OpenAPI document: no input yields a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

schemathesis.experimental.OPEN_API_3_1.enable()


@pytest.fixture
def api_schema(app: Flask) -> schemathesis.schemas.BaseSchema:
    return schemathesis.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize(endpoint="^/api/v1/")
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case, auth_headers: dict[str, str]) -> None:
    response = case.call_wsgi(headers=auth_headers)
    case.validate_response(response, checks=(not_a_server_error,))
