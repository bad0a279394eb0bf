from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from backend.pipeline.options import JobOptions
from tests.conftest import bearer, login, register


def test_defaults_cover_every_job_option(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    body = client.get("/api/v1/settings", headers=auth_headers).get_json()
    assert set(body) == set(JobOptions.model_fields)
    assert body["language"] == "auto" and body["criteria"]


def test_put_persists_and_keeps_unset_keys_on_defaults(
    client: FlaskClient, auth_headers: dict[str, str]
) -> None:
    saved = client.put(
        "/api/v1/settings",
        headers=auth_headers,
        json={
            "max_clips": 3,
            "criteria": ["humor", "storytelling"],
            "min_clip_duration": 15,
            "prompt": "pricing",
        },
    )
    assert saved.status_code == 200
    again = client.get("/api/v1/settings", headers=auth_headers).get_json()
    assert again["max_clips"] == 3 and again["criteria"] == ["humor", "storytelling"]
    assert again["min_clip_duration"] == 15 and again["prompt"] == "pricing"
    assert again["max_clip_duration"] == 60


def test_settings_are_per_user(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    client.put("/api/v1/settings", headers=auth_headers, json={"max_clips": 2})
    register(client, "bob@example.com")
    bob = login(client, "bob@example.com")["access_token"]
    assert client.get("/api/v1/settings", headers=bearer(bob)).get_json()["max_clips"] == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"min_clip_duration": 50, "max_clip_duration": 30}, "__root__"),
        ({"min_clip_duration": 90}, "min_clip_duration"),  # above the default max of 60
        ({"criteria": ["no_such_criteria"]}, "criteria"),
        ({"criteria": ["Bad Name!"]}, "criteria"),
        ({"max_clips": 0}, "max_clips"),
        ({"min_score": 1.5}, "min_score"),
        ({"language": "english please"}, "language"),
        ({"colour": "red"}, "colour"),
        ({"use_source_captions": "maybe"}, "use_source_captions"),
    ],
)
def test_invalid_settings_are_400_with_fields(
    client: FlaskClient, auth_headers: dict[str, str], body: dict[str, object], field: str
) -> None:
    response = client.put("/api/v1/settings", headers=auth_headers, json=body)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]


def test_a_users_own_criteria_can_be_a_default(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    client.put(
        "/api/v1/criteria/my_angle", headers=auth_headers, json={"content": "# My angle\n\nPricing talk."}
    )
    response = client.put("/api/v1/settings", headers=auth_headers, json={"criteria": ["my_angle"]})
    assert response.status_code == 200
