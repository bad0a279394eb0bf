"""Publishing a rendered clip over the API, run by the worker against the local Google."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.extensions import db
from backend.models import Clip, YouTubeQuotaDay
from backend.services import storage
from tests.conftest import bearer, login, register
from tests.jobs.helpers import wait_for
from tests.youtube.conftest import RecordingEmitter, user_id_of
from tests.youtube.google_server import CHANNEL, GoogleServer
from tests.youtube.helpers import age_stats, link

pytestmark = pytest.mark.usefixtures("manager")


def _publish(client: FlaskClient, headers: dict[str, str], clip_id: str, **body: Any) -> Any:
    return client.post(
        f"/api/v1/clips/{clip_id}/publish", headers=headers, json={"privacy_status": "private", **body}
    )


def _wait_end(client: FlaskClient, headers: dict[str, str], pub_id: str) -> dict[str, Any]:
    def ended() -> Any:
        pub = client.get(f"/api/v1/publications/{pub_id}", headers=headers).get_json()
        return pub if pub["status"] in {"published", "failed", "cancelled"} else None

    return dict(wait_for(ended, timeout=60))


def _clip_bytes(app: Flask, clip_id: str) -> bytes:
    with app.app_context():
        clip = db.session.get(Clip, clip_id)
        return storage.resolve_in_job(
            app.extensions["viral_clipper_config"], clip.job_id, clip.video_path
        ).read_bytes()


@pytest.fixture
def linked(client: FlaskClient, auth_headers: dict[str, str]) -> dict[str, str]:
    link(client, auth_headers)
    return auth_headers


def test_publish_end_to_end(
    client: FlaskClient,
    linked: dict[str, str],
    google: GoogleServer,
    app: Flask,
    clip_factory: Callable[..., str],
    emitter: RecordingEmitter,
) -> None:
    clip_id = clip_factory(user_id_of(client, linked))
    answer = _publish(client, linked, clip_id, publish_at="2099-01-01T10:00:00Z")
    assert answer.status_code == 202, answer.get_json()
    pub = _wait_end(client, linked, answer.get_json()["id"])
    assert pub["status"] == "published" and pub["progress"] == 100 and pub["youtube_video_id"]
    assert pub["url"].endswith(pub["youtube_video_id"]) and pub["title"] == "How we walked to the garden"
    video = google.state.videos[pub["youtube_video_id"]]
    assert hashlib.sha256(video.data).hexdigest() == hashlib.sha256(_clip_bytes(app, clip_id)).hexdigest()
    assert video.thumbnail is not None
    assert video.metadata["status"]["publishAt"] == "2099-01-01T10:00:00Z"
    assert video.metadata["snippet"]["tags"] == ["garden", "talk"]
    names = [event for _user, event, _payload in emitter.events]
    assert names[0] == "publication_updated" and names[-1] == "publication_updated"
    progress = [p["progress"] for _u, e, p in emitter.events if e == "publication_progress"]
    assert progress and progress == sorted(progress) and progress[-1] == 100
    assert emitter.events[-1][2]["status"] == "published"
    with app.app_context():
        quota = db.session.query(YouTubeQuotaDay).one()
        assert quota.uploads == 1 and quota.units == 1650
    left = client.get("/api/v1/youtube", headers=linked).get_json()["quota"]
    assert left["units_used"] == 1650 and left["units_left"] == 8350 and left["units_limit"] == 10_000
    assert left["uploads_used"] == 1 and left["uploads_left"] == 99 and left["upload_units"] == 1600


def test_quota_day_is_pacific_and_resets_at_its_midnight(app: Flask) -> None:
    from datetime import UTC, datetime

    from backend.api.common import CONFIG_KEY
    from backend.youtube import quota

    with app.app_context():
        config = app.extensions[CONFIG_KEY]
        # 07:30 UTC on 2 March is still 1 March in California (UTC-8 in winter).
        used = quota.usage(config, now=datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
        assert used["day"] == "2026-03-01" and used["resets_at"] == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
        assert used["units_used"] == 0 and used["uploads_left"] == config.youtube_daily_uploads
        # In summer (UTC-7) the day ends an hour earlier in UTC.
        summer = quota.usage(config, now=datetime(2026, 7, 2, 6, 0, tzinfo=UTC))
        assert summer["day"] == "2026-07-01" and summer["resets_at"] == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("fault", ["fail_chunks", "drop_chunks"])
def test_faults_still_end_published_with_exactly_one_video(
    client: FlaskClient,
    linked: dict[str, str],
    google: GoogleServer,
    clip_factory: Callable[..., str],
    fault: str,
) -> None:
    clip_id = clip_factory(user_id_of(client, linked))
    setattr(google.state.faults, fault, 1)
    pub = _wait_end(client, linked, _publish(client, linked, clip_id).get_json()["id"])
    assert pub["status"] == "published", pub
    assert len(google.state.videos) == 1 and google.state.kinds().count("upload.start") == 1


def test_quota_exceeded_names_the_daily_quota(
    client: FlaskClient, linked: dict[str, str], google: GoogleServer, clip_factory: Callable[..., str]
) -> None:
    clip_id = clip_factory(user_id_of(client, linked))
    google.state.faults.quota_exceeded = True
    pub = _wait_end(client, linked, _publish(client, linked, clip_id).get_json()["id"])
    assert pub["status"] == "failed" and pub["error_code"] == "youtube_quota_exceeded"
    assert "10,000" in pub["error_message"]
    assert google.state.kinds().count("upload.start") == 0  # refused at once, no retry storm


def test_upload_limit_exceeded(
    client: FlaskClient, linked: dict[str, str], google: GoogleServer, clip_factory: Callable[..., str]
) -> None:
    clip_id = clip_factory(user_id_of(client, linked))
    google.state.faults.upload_limit_exceeded = True
    pub = _wait_end(client, linked, _publish(client, linked, clip_id).get_json()["id"])
    assert pub["error_code"] == "youtube_upload_limit_exceeded"


def test_invalid_grant_needs_relink(
    client: FlaskClient, linked: dict[str, str], google: GoogleServer, clip_factory: Callable[..., str]
) -> None:
    clip_id = clip_factory(user_id_of(client, linked))
    google.state.access_tokens.clear()  # the access token is dead: the library must refresh
    google.state.faults.invalid_grant = True
    pub = _wait_end(client, linked, _publish(client, linked, clip_id).get_json()["id"])
    assert pub["error_code"] == "youtube_relink_required"
    assert client.get("/api/v1/youtube", headers=linked).get_json()["needs_relink"] is True


def test_expired_access_token_is_refreshed_transparently(
    client: FlaskClient, linked: dict[str, str], google: GoogleServer, clip_factory: Callable[..., str]
) -> None:
    clip_id = clip_factory(user_id_of(client, linked))
    google.state.access_tokens.clear()
    pub = _wait_end(client, linked, _publish(client, linked, clip_id).get_json()["id"])
    assert pub["status"] == "published"


def test_rules(
    client: FlaskClient, linked: dict[str, str], google: GoogleServer, clip_factory: Callable[..., str]
) -> None:
    user = user_id_of(client, linked)
    clip_id = clip_factory(user)
    first = _wait_end(client, linked, _publish(client, linked, clip_id).get_json()["id"])
    assert first["status"] == "published"
    again = _publish(client, linked, clip_id)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_published"
    forced = _wait_end(client, linked, _publish(client, linked, clip_id, force=True).get_json()["id"])
    assert forced["status"] == "published" and len(google.state.videos) == 2
    public = _publish(client, linked, clip_id, privacy_status="public", publish_at="2099-01-01T00:00:00Z")
    assert public.status_code == 400 and public.get_json()["error"]["code"] == "validation_error"
    foreign = clip_factory(user, source_type="youtube", source_channel_id="UC_someone_else")
    refused = _publish(client, linked, foreign)
    assert (
        refused.status_code == 409 and refused.get_json()["error"]["code"] == "rights_confirmation_required"
    )
    assert _publish(client, linked, foreign, confirm_rights=True).status_code == 202
    own = clip_factory(user, source_type="youtube", source_channel_id=CHANNEL["id"])
    assert _publish(client, linked, own).status_code == 202


def test_not_connected_is_409(
    client: FlaskClient, auth_headers: dict[str, str], clip_factory: Callable[..., str]
) -> None:
    clip_id = clip_factory(user_id_of(client, auth_headers))
    answer = _publish(client, auth_headers, clip_id)
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "youtube_not_connected"


def test_idor_every_new_endpoint_is_404(
    client: FlaskClient, linked: dict[str, str], clip_factory: Callable[..., str]
) -> None:
    clip_id = clip_factory(user_id_of(client, linked))
    pub = _wait_end(client, linked, _publish(client, linked, clip_id).get_json()["id"])
    register(client, "eve@example.com")
    eve = bearer(login(client, "eve@example.com")["access_token"])
    link(client, eve)
    assert _publish(client, eve, clip_id).status_code == 404
    base = f"/api/v1/publications/{pub['id']}"
    assert client.get(base, headers=eve).status_code == 404
    assert client.post(f"{base}/retry", headers=eve).status_code == 404
    assert client.delete(base, headers=eve).status_code == 404
    assert client.post(f"{base}/refresh-stats", headers=eve).status_code == 404
    assert client.get(f"{base}/stats", headers=eve).status_code == 404
    assert client.get("/api/v1/publications", headers=eve).get_json()["total"] == 0
    assert client.get(f"/api/v1/publications?clip_id={clip_id}", headers=eve).get_json()["items"] == []


def test_stats_refresh_keeps_history_and_retry_needs_failed(
    client: FlaskClient,
    linked: dict[str, str],
    google: GoogleServer,
    app: Flask,
    clip_factory: Callable[..., str],
) -> None:
    clip_id = clip_factory(user_id_of(client, linked))
    pub = _wait_end(client, linked, _publish(client, linked, clip_id).get_json()["id"])
    google.state.videos[pub["youtube_video_id"]].stats.update(viewCount="12", likeCount="3", commentCount="1")
    fresh = client.post(f"/api/v1/publications/{pub['id']}/refresh-stats", headers=linked).get_json()
    assert fresh["stats"]["views"] == 12 and fresh["stats"]["likes"] == 3 and fresh["stats"]["comments"] == 1
    google.state.videos[pub["youtube_video_id"]].stats.update(viewCount="20")
    age_stats(app, pub["id"], 301)  # a reading is kept for STATS_REFRESH_MIN_SECONDS (300)
    client.post(f"/api/v1/publications/{pub['id']}/refresh-stats", headers=linked)
    history = client.get(f"/api/v1/publications/{pub['id']}/stats", headers=linked).get_json()
    assert history["publication_id"] == pub["id"]
    assert [(p["views"], p["likes"], p["comments"]) for p in history["items"]] == [(12, 3, 1), (20, 3, 1)]
    times = [p["recorded_at"] for p in history["items"]]
    assert times == sorted(times) and all(t.endswith("Z") for t in times)
    assert client.post(f"/api/v1/publications/{pub['id']}/retry", headers=linked).status_code == 409
