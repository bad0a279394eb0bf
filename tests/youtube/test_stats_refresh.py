"""The on-demand statistics refresh and the per-user limits (issue #18, H2): the server's daily
quota is shared by every user, so a refresh within STATS_REFRESH_MIN_SECONDS answers the stored
figures without calling Google or storing a reading; Google's refusals are API errors, never a
500; link, publish, re-render and refresh are limited per user (429 with Retry-After)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.extensions import db
from backend.models import PublicationStat
from tests.conftest import bearer, login, register
from tests.jobs.helpers import wait_for
from tests.youtube.conftest import user_id_of
from tests.youtube.google_server import GoogleServer
from tests.youtube.helpers import age_stats, link

pytestmark = pytest.mark.usefixtures("manager")
SOME_ID = "00000000-0000-4000-8000-000000000000"
LIMIT = 3


@pytest.fixture
def config_overrides(config_overrides: dict[str, Any]) -> dict[str, Any]:
    limits = ("connect_rate_limit", "publish_rate_limit", "render_rate_limit", "stats_refresh_rate_limit")
    return {**config_overrides, **{name: f"{LIMIT} per hour" for name in limits}}


@pytest.fixture
def linked(client: FlaskClient, auth_headers: dict[str, str]) -> dict[str, str]:
    link(client, auth_headers)
    return auth_headers


def _published(client: FlaskClient, headers: dict[str, str], clip_id: str) -> dict[str, Any]:
    created = client.post(
        f"/api/v1/clips/{clip_id}/publish", headers=headers, json={"privacy_status": "private"}
    )
    assert created.status_code == 202, created.get_json()

    def ended() -> Any:
        pub = client.get(f"/api/v1/publications/{created.get_json()['id']}", headers=headers).get_json()
        return pub if pub["status"] in {"published", "failed", "cancelled"} else None

    pub = dict(wait_for(ended, timeout=60))
    assert pub["status"] == "published", pub
    return pub


def _readings(app: Flask, pub_id: str) -> int:
    with app.app_context():
        return db.session.query(PublicationStat).filter_by(publication_id=pub_id).count()


def _refresh(client: FlaskClient, headers: dict[str, str], pub_id: str) -> Any:
    return client.post(f"/api/v1/publications/{pub_id}/refresh-stats", headers=headers)


def test_a_refresh_soon_after_the_last_answers_the_stored_figures(
    app: Flask,
    client: FlaskClient,
    linked: dict[str, str],
    google: GoogleServer,
    clip_factory: Callable[..., str],
) -> None:
    pub = _published(client, linked, clip_factory(user_id_of(client, linked)))
    video = google.state.videos[pub["youtube_video_id"]]
    video.stats.update(viewCount="12")
    first = _refresh(client, linked, pub["id"])
    assert first.status_code == 200 and first.get_json()["stats"]["views"] == 12
    calls = google.state.kinds().count("videos.list")

    video.stats.update(viewCount="20")
    again = _refresh(client, linked, pub["id"])
    assert again.status_code == 200 and again.get_json()["stats"] == first.get_json()["stats"]
    assert google.state.kinds().count("videos.list") == calls  # Google was not asked
    assert _readings(app, pub["id"]) == 1  # and no second history row

    age_stats(app, pub["id"], 301)  # STATS_REFRESH_MIN_SECONDS (300 by default) later
    later = _refresh(client, linked, pub["id"])
    assert later.status_code == 200 and later.get_json()["stats"]["views"] == 20
    assert google.state.kinds().count("videos.list") == calls + 1 and _readings(app, pub["id"]) == 2


def test_quota_exceeded_is_a_503_naming_the_daily_quota(
    client: FlaskClient, linked: dict[str, str], google: GoogleServer, clip_factory: Callable[..., str]
) -> None:
    pub = _published(client, linked, clip_factory(user_id_of(client, linked)))
    google.state.faults.quota_exceeded = True
    answer = _refresh(client, linked, pub["id"])
    assert answer.status_code == 503, answer.get_json()
    error = answer.get_json()["error"]
    assert error["code"] == "youtube_quota_exceeded" and "10,000" in error["message"]


def test_invalid_grant_is_a_409_and_marks_the_link_for_relinking(
    client: FlaskClient, linked: dict[str, str], google: GoogleServer, clip_factory: Callable[..., str]
) -> None:
    pub = _published(client, linked, clip_factory(user_id_of(client, linked)))
    google.state.access_tokens.clear()  # the access token is dead: the library must refresh
    google.state.faults.invalid_grant = True
    answer = _refresh(client, linked, pub["id"])
    assert answer.status_code == 409, answer.get_json()
    assert answer.get_json()["error"]["code"] == "youtube_relink_required"
    assert client.get("/api/v1/youtube", headers=linked).get_json()["needs_relink"] is True


def _limited(answers: list[Any]) -> None:
    """The first LIMIT pass the limiter (whatever the view answers), the next is 429."""
    assert [a.status_code == 429 for a in answers] == [False] * LIMIT + [True]
    last = answers[-1]
    assert int(last.headers["Retry-After"]) > 0
    assert last.get_json()["error"]["code"] == "rate_limited"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/youtube/connect", None),
        ("post", f"/api/v1/clips/{SOME_ID}/publish", {"privacy_status": "private"}),
        ("post", f"/api/v1/clips/{SOME_ID}/render", {"title": "again"}),
        ("post", f"/api/v1/publications/{SOME_ID}/refresh-stats", None),
    ],
)
def test_costly_actions_are_limited_per_user(
    client: FlaskClient, auth_headers: dict[str, str], method: str, path: str, body: Any
) -> None:
    _limited([getattr(client, method)(path, headers=auth_headers, json=body) for _ in range(LIMIT + 1)])
    # Another user (same address) has their own allowance.
    register(client, "bob@example.com")
    bob = bearer(str(login(client, "bob@example.com")["access_token"]))
    assert getattr(client, method)(path, headers=bob, json=body).status_code != 429
