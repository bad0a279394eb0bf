"""The job option `publish` (child publication items of a completed job) and the periodic stats
refresh, against the local Google: real jobs on the generated talk, real uploads, real rows."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.api.common import CONFIG_KEY
from backend.extensions import db
from backend.models import Clip, Publication, PublicationStat
from backend.pipeline.options import JobOptions, PublishOption, stored
from backend.services import autopublish, storage
from tests.jobs.helpers import FAST_OPTIONS, upload, wait_for, wait_status
from tests.media import Talk, talk
from tests.youtube.conftest import RecordingEmitter, user_id_of
from tests.youtube.google_server import GoogleServer
from tests.youtube.helpers import link

PUBLISH = {"privacy_status": "private", "top": 1}
CHUNK = 256 * 1024  # the smallest chunk YouTube takes: an upload of a clip is several requests


@pytest.fixture(scope="session")
def media() -> Talk:
    return talk()


@pytest.fixture
def config_overrides(config_overrides: dict[str, object]) -> dict[str, object]:
    # The emulator's settings (tests/youtube/conftest.py), plus a stats interval short enough
    # for the periodic refresh to run within a test.
    return {**config_overrides, "youtube_stats_interval": 0.2, "youtube_upload_chunk_bytes": CHUNK}


def _events(client: FlaskClient, headers: dict[str, str], job_id: str) -> list[dict[str, Any]]:
    return list(client.get(f"/api/v1/jobs/{job_id}/events", headers=headers).get_json())


def _publications(client: FlaskClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    return list(client.get("/api/v1/publications", headers=headers).get_json()["items"])


def _clip_bytes(app: Flask, clip_id: str) -> bytes:
    with app.app_context():
        clip = db.session.get(Clip, clip_id)
        return storage.resolve_in_job(app.extensions[CONFIG_KEY], clip.job_id, clip.video_path).read_bytes()


@pytest.mark.usefixtures("manager")
def test_a_job_with_publish_completes_then_publishes_its_best_clip_as_a_child_item(
    client: FlaskClient,
    auth_headers: dict[str, str],
    google: GoogleServer,
    app: Flask,
    media: Talk,
    emitter: RecordingEmitter,
) -> None:
    link(client, auth_headers)
    answer = upload(client, auth_headers, media, options={**FAST_OPTIONS, "publish": PUBLISH})
    assert answer.status_code == 201, answer.get_json()
    job_id = answer.get_json()["id"]
    stored_publish = answer.get_json()["options"]["publish"]
    assert stored_publish == {"privacy_status": "private", "publish_at": None, "top": 1}
    detail = wait_status(client, auth_headers, job_id, "completed", "failed", timeout=120)
    assert detail["status"] == "completed" and detail["stage"] is None and len(detail["clips"]) == 2
    # The job is completed once its clips are rendered; no stage `uploading` exists any more.
    wait_for(lambda: any(e == "job_completed" for _u, e, _p in emitter.events), 10)
    states = [(p["status"], p["stage"]) for _u, e, p in emitter.events if e == "job_status_changed"]
    assert all(stage != "uploading" for _status, stage in states)
    pub = wait_for(
        lambda: (
            pubs := client.get(f"/api/v1/jobs/{job_id}", headers=auth_headers).get_json()["publications"]
        )
        and pubs[0]["status"] == "published"
        and pubs[0],
        120,
    )
    best = detail["clips"][0]  # the API lists a job's clips best first
    assert best["score"] == max(c["score"] for c in detail["clips"])
    assert pub["clip_id"] == best["id"] and pub["job_id"] == job_id and pub["privacy_status"] == "private"
    assert [p["id"] for p in _publications(client, auth_headers)] == [pub["id"]]
    video = google.state.videos[pub["youtube_video_id"]]
    assert hashlib.sha256(video.data).digest() == hashlib.sha256(_clip_bytes(app, best["id"])).digest()
    assert len(video.data) == best["file_size"] and video.metadata["status"]["privacyStatus"] == "private"
    messages = [e["message"] for e in _events(client, auth_headers, job_id)]
    assert "Completed with 2 clips" in messages
    assert messages[-1] == "Publishing the best 1 clip to YouTube"
    # The job completed before its publication ended.
    names = [e for _u, e, _p in emitter.events]
    assert names.index("job_completed") < max(i for i, n in enumerate(names) if n == "publication_updated")


@pytest.mark.usefixtures("manager")
def test_a_completed_jobs_upload_is_cancelled_as_a_publication(
    client: FlaskClient, auth_headers: dict[str, str], google: GoogleServer, media: Talk
) -> None:
    link(client, auth_headers)
    google.state.faults.chunk_delay = 1.0  # each chunk takes a second: the cancel lands mid-upload
    answer = upload(client, auth_headers, media, options={**FAST_OPTIONS, "publish": PUBLISH})
    job_id = answer.get_json()["id"]
    pub = wait_for(
        lambda: [p for p in _publications(client, auth_headers) if p["status"] == "uploading"], 120
    )[0]
    assert client.get(f"/api/v1/jobs/{job_id}", headers=auth_headers).get_json()["status"] == "completed"
    refused = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=auth_headers, json={})
    assert refused.status_code == 409  # the job is done; its publication is its own item
    assert client.delete(f"/api/v1/publications/{pub['id']}", headers=auth_headers).status_code == 204
    ended = wait_for(
        lambda: (p := client.get(f"/api/v1/publications/{pub['id']}", headers=auth_headers).get_json())[
            "status"
        ]
        in ("cancelled", "published")
        and p,
        30,
    )
    assert ended["status"] == "cancelled"
    assert google.state.videos == {}  # YouTube never got the whole file: no video was made


@pytest.mark.usefixtures("manager")
def test_without_a_linked_channel_the_job_completes_and_says_why(
    client: FlaskClient, auth_headers: dict[str, str], google: GoogleServer, media: Talk
) -> None:
    answer = upload(client, auth_headers, media, options={**FAST_OPTIONS, "publish": PUBLISH})
    job_id = answer.get_json()["id"]
    detail = wait_status(client, auth_headers, job_id, "completed", "failed", timeout=120)
    assert detail["status"] == "completed" and detail["clips"]

    def warnings() -> list[str]:  # recorded right after the completion it follows
        events = _events(client, auth_headers, job_id)
        return [e["message"] for e in events if e["type"] == "warning" and "publish" in e["message"]]

    assert wait_for(warnings, 10) == ["Not published: no YouTube channel is linked (Settings → YouTube)."]
    events = _events(client, auth_headers, job_id)
    assert _publications(client, auth_headers) == [] and google.state.videos == {}
    assert all(e["stage"] != "uploading" for e in events)


@pytest.mark.parametrize(
    ("publish", "field"),
    [
        ({"privacy_status": "private", "top": 0}, "top"),
        ({"privacy_status": "private", "top": 51}, "top"),
        ({"privacy_status": "secret", "top": 1}, "privacy_status"),
        ({"top": 1}, "privacy_status"),
        ({"privacy_status": "private"}, "top"),
        ({"privacy_status": "private", "top": 1, "publish_at": "2001-01-01T00:00:00Z"}, "publish_at"),
        ({"privacy_status": "private", "top": 1, "publish_at": "2099-01-01T00:00:00"}, "publish_at"),
        ({"privacy_status": "public", "top": 1, "publish_at": "2099-01-01T00:00:00Z"}, ""),
        ({"privacy_status": "private", "top": 1, "title": "x"}, "title"),
    ],
)
def test_invalid_publish_options_are_400(
    client: FlaskClient, auth_headers: dict[str, str], publish: dict[str, Any], field: str
) -> None:
    body = {"source_url": "https://youtu.be/dQw4w9WgXcQ", "options": {"publish": publish}}
    response = client.post("/api/v1/jobs", headers=auth_headers, json=body)
    assert response.status_code == 400, response.get_json()
    fields = response.get_json()["error"]["fields"]
    assert any(key.startswith("options.publish") and field in key for key in fields), fields
    assert client.put("/api/v1/settings", headers=auth_headers, json={"publish": publish}).status_code == 400


def test_a_stored_schedule_stays_valid_after_its_time_passed() -> None:
    """A job created with a future publish_at re-reads its row later; only a new request is refused."""
    row = {"publish": {"privacy_status": "private", "top": 2, "publish_at": "2001-01-01T00:00:00Z"}}
    options = stored(row)
    assert options.publish is not None and options.publish.top == 2
    assert options.publish.publish_at is not None and options.publish.publish_at.year == 2001
    with pytest.raises(ValueError, match="must be in the future"):
        JobOptions.model_validate(row)


def test_another_channels_youtube_clip_is_skipped_with_the_reason(
    client: FlaskClient, auth_headers: dict[str, str], app: Flask, clip_factory: Callable[..., str]
) -> None:
    link(client, auth_headers)
    user_id = user_id_of(client, auth_headers)
    clip_id = clip_factory(user_id, source_type="youtube", source_channel_id="UC_other")
    with app.app_context():
        clip = db.session.get(Clip, clip_id)
        option = PublishOption(privacy_status="private", top=3)
        created, skipped = autopublish.create(
            clip.job, [clip], option, app.extensions[CONFIG_KEY], RecordingEmitter()
        )
        assert created == [] and db.session.scalars(select(Publication)).all() == []
    assert len(skipped) == 1 and skipped[0].startswith("Clip 0 not published: This clip comes from a YouTube")
    assert "confirm_rights" in skipped[0]


@pytest.mark.usefixtures("manager")
def test_the_stats_of_published_videos_are_refreshed_periodically(
    client: FlaskClient,
    auth_headers: dict[str, str],
    google: GoogleServer,
    app: Flask,
    clip_factory: Callable[..., str],
) -> None:
    link(client, auth_headers)
    clip_id = clip_factory(user_id_of(client, auth_headers))
    answer = client.post(
        f"/api/v1/clips/{clip_id}/publish", headers=auth_headers, json={"privacy_status": "unlisted"}
    )
    assert answer.status_code == 202, answer.get_json()
    pub_id = answer.get_json()["id"]
    url = f"/api/v1/publications/{pub_id}"
    video_id = wait_for(lambda: client.get(url, headers=auth_headers).get_json()["youtube_video_id"], 60)
    google.state.videos[video_id].stats = {"viewCount": "42", "likeCount": "7", "commentCount": "3"}
    stats = wait_for(
        lambda: (s := client.get(url, headers=auth_headers).get_json()["stats"]) and s["views"] == 42 and s,
        timeout=30,
    )
    assert (stats["views"], stats["likes"], stats["comments"]) == (42, 7, 3)
    with app.app_context():
        readings = db.session.scalars(select(PublicationStat).where(PublicationStat.publication_id == pub_id))
        assert any((r.views, r.likes, r.comments) == (42, 7, 3) for r in readings)
    assert any(entry["kind"] == "videos.list" and entry["ids"] == [video_id] for entry in google.state.log)
