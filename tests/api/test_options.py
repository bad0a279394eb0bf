"""Job options: one definition feeds the API, the settings and the CLI; users pick Whisper
models only from the server's allow-list (a user-chosen path or Hugging Face id never loads)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.cli import build_parser
from backend.pipeline.options import SERVER_ONLY, JobOptions, JobOptionsIn, server_defaults
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
        client.post(
            "/api/v1/jobs",
            headers=auth_headers,
            json={"source_url": "https://youtu.be/dQw4w9WgXcQ", "options": {"whisper_model": model}},
        ),
    ):
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
    # Every option has its flag except the server-only ones, named here on purpose: `publish`
    # needs a user's linked YouTube channel, which the `process` CLI has not.
    assert {"publish"} == SERVER_ONLY
    assert names - SERVER_ONLY <= parser_dests and not SERVER_ONLY & parser_dests
    config = make_config(tmp_path, "sqlite://", default_max_clips=7)
    defaults = server_defaults(config, ["viral_hooks", "humor"])
    assert set(defaults) == names and defaults["max_clips"] == 7 and defaults["criteria"] == ["viral_hooks"]
    # The request schema carries the same bounds as the definition (the dashboard reads them).
    schema = JobOptionsIn.model_json_schema()["properties"]["min_clip_duration"]
    number = next(part for part in schema["anyOf"] if part["type"] == "number")
    assert (number["minimum"], number["maximum"]) == (3, 600)


def test_shorts_options_have_their_contract_defaults(tmp_path: Any) -> None:
    options = JobOptions()
    assert (options.format, options.output_resolution, options.layout) == ("vertical", "1080p", "auto")
    assert (options.caption_style, options.hook_title, options.loudness_target) == ("highlight", True, -14)
    assert JobOptions(format="original").output_resolution == "original"
    assert JobOptions(format="square", resolution="720p").output_resolution == "720p"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"max_clip_duration": 200}, "max_clip_duration"),  # vertical by default: a Short is <= 180 s
        ({"format": "square", "max_clip_duration": 181}, "max_clip_duration"),
        ({"format": "vertical", "resolution": "original"}, "resolution"),
        ({"caption_style": "karaoke"}, "caption_style"),
        ({"loudness_target": -60}, "loudness_target"),
    ],
)
def test_shorts_options_are_checked(
    client: FlaskClient, auth_headers: dict[str, str], options: dict[str, Any], field: str
) -> None:
    for response in (
        client.put("/api/v1/settings", headers=auth_headers, json=options),
        client.post(
            "/api/v1/jobs",
            headers=auth_headers,
            json={"source_url": "https://youtu.be/dQw4w9WgXcQ", "options": options},
        ),
    ):
        assert response.status_code == 400, response.get_json()
        fields = response.get_json()["error"]["fields"]
        assert field in fields or f"options.{field}" in fields, response.get_json()


def test_an_original_clip_may_be_longer_and_loudness_can_be_turned_off(
    client: FlaskClient, auth_headers: dict[str, str]
) -> None:
    body = {"format": "original", "max_clip_duration": 300, "loudness_target": None}
    response = client.put("/api/v1/settings", headers=auth_headers, json=body)
    assert response.status_code == 200, response.get_json()
    saved = response.get_json()
    assert (saved["resolution"], saved["loudness_target"], saved["max_clip_duration"]) == (
        "original",
        None,
        300,
    )
    # An explicit null is "off"; leaving the field out keeps the saved value.
    again = client.get("/api/v1/settings", headers=auth_headers).get_json()
    assert again["loudness_target"] is None


def test_cli_shorts_flags() -> None:
    from backend.pipeline.options import cli_values

    args = build_parser().parse_args(
        [
            "talk.mp4",
            "--format",
            "square",
            "--resolution",
            "720p",
            "--layout",
            "split",
            "--caption-style",
            "bold",
            "--no-hook-title",
            "--loudness-target",
            "off",
        ]
    )
    values = cli_values(args)
    assert values == {
        **values,
        "format": "square",
        "resolution": "720p",
        "layout": "split",
        "caption_style": "bold",
        "hook_title": False,
        "loudness_target": None,
    }
    louder = cli_values(build_parser().parse_args(["t.mp4", "--loudness-target", "-16"]))
    assert louder["loudness_target"] == -16.0
    with pytest.raises(SystemExit):
        build_parser().parse_args(["t.mp4", "--caption-style", "karaoke"])


def test_render_options_are_declared_once_in_the_job_options() -> None:
    from backend.pipeline.options import RENDER_OPTIONS
    from backend.pipeline.shorts.render import ShortSpec
    from backend.schemas.clips import ClipRender, RenderOptionsOut
    from backend.services.renders import SPEC_FIELDS

    # CONTRACTS §9's options are marked fields, and every derived shape has exactly the marked ones.
    contract = {"format", "resolution", "layout", "caption_style", "hook_title", "loudness_target"}
    marked = set(RENDER_OPTIONS)
    assert contract <= marked and not marked & {"language", "criteria", "max_clips", "publish"}
    assert set(RenderOptionsOut.model_fields) == marked
    assert set(ClipRender.model_fields) == marked | {"start_time", "end_time", "title"}
    assert SPEC_FIELDS == RENDER_OPTIONS
    assert set(ShortSpec.of(JobOptions.model_validate({})).as_dict()) == marked
    # The re-render fields keep the options' own bounds and values.
    for name in RENDER_OPTIONS:
        request = ClipRender.model_json_schema()["properties"][name]
        assert request["x-render"] is True
        assert request["anyOf"][0] == JobOptionsIn.model_json_schema()["properties"][name]["anyOf"][0]


def test_the_openapi_document_marks_the_render_options_for_the_dashboard(client: FlaskClient) -> None:
    from backend.pipeline.options import RENDER_OPTIONS

    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    marked = {name for name, prop in schemas["JobOptionsIn"]["properties"].items() if prop.get("x-render")}
    assert marked == set(RENDER_OPTIONS)
    output = schemas["RenderOptionsOut"]
    assert set(output["required"]) == marked
    # Resolved, a resolution is always a size; only null loudness (off) stays a value.
    assert "anyOf" not in output["properties"]["resolution"]
    assert {"type": "null"} in output["properties"]["loudness_target"]["anyOf"]


def test_a_clip_rendered_before_an_option_existed_reads_as_its_default() -> None:
    from backend.pipeline.options import render_values
    from backend.schemas.clips import RenderOptionsOut

    older = {
        "format": "square",
        "resolution": "720p",
        "layout": "fit",
        "caption_style": "bold",
        "loudness_target": None,
    }
    options = RenderOptionsOut.model_validate(older).model_dump()
    # hook_title, missing here, is the one that falls back to its default (True).
    assert options == {**render_values(JobOptions.model_validate({})), **older}
    assert options["hook_title"] is True
