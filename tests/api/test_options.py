"""Job options: one definition feeds the API, the settings and the CLI; users pick Whisper
models only from the server's allow-list (a user-chosen path or Hugging Face id never loads)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.cli import build_parser
from backend.pipeline.options import JobOptions, JobOptionsIn, server_defaults
from tests.conftest import make_config


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"whisper_model": "base", "whisper_models": ("base", "small")}


@pytest.mark.parametrize("model", ["/etc", "Systran/faster-whisper-large-v3", "../../models", "tiny"])
def test_a_model_outside_the_allow_list_is_refused(
    client: FlaskClient, auth_headers: dict[str, str], model: str
) -> None:
    for response in (
        client.put("/api/v1/settings", headers=auth_headers, json={"whisper_model": model}),
        client.post("/api/v1/jobs", headers=auth_headers,
                    json={"source_url": "https://youtu.be/dQw4w9WgXcQ", "options": {"whisper_model": model}}),
    ):  # fmt: skip
        assert response.status_code == 400, response.get_json()
        error = response.get_json()["error"]
        assert list(error["fields"]) == ["whisper_model"]
        assert "base, small" in error["fields"]["whisper_model"][0]


def test_a_listed_model_is_accepted(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    response = client.put("/api/v1/settings", headers=auth_headers, json={"whisper_model": "small"})
    assert response.status_code == 200 and response.get_json()["whisper_model"] == "small"


def test_without_a_list_only_the_configured_model_is_allowed(tmp_path: Any) -> None:
    config = make_config(tmp_path, "sqlite://", whisper_model="/srv/models/tiny")
    assert config.allowed_whisper_models == ("/srv/models/tiny",)


def test_request_schema_cli_and_defaults_derive_from_one_definition(tmp_path: Any) -> None:
    names = set(JobOptions.model_fields)
    assert set(JobOptionsIn.model_fields) == names
    assert all(f.default is None for f in JobOptionsIn.model_fields.values())
    parser_dests = {action.dest for action in build_parser()._actions}
    assert names <= parser_dests
    config = make_config(tmp_path, "sqlite://", default_max_clips=7)
    defaults = server_defaults(config, ["viral_hooks", "humor"])
    assert set(defaults) == names and defaults["max_clips"] == 7 and defaults["criteria"] == ["viral_hooks"]
    # The request schema carries the same bounds as the definition (the dashboard reads them).
    schema = JobOptionsIn.model_json_schema()["properties"]["min_clip_duration"]
    number = next(part for part in schema["anyOf"] if part["type"] == "number")
    assert (number["minimum"], number["maximum"]) == (3, 600)
