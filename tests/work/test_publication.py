"""The publication kind (backend/work/publication.py) against the local Google: the review's
findings on uploads (H1, M1, M2, M3, L1, L2), each a test that failed on the code before."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.api.common import CONFIG_KEY
from backend.extensions import db
from backend.models import Clip, Publication, YouTubeQuotaDay
from backend.services import storage
from backend.youtube import quota
from tests.jobs.helpers import wait_for
from tests.youtube.conftest import emulator_config, manager, user_id_of
from tests.youtube.google_server import GoogleServer
from tests.youtube.helpers import link

__all__ = ["manager"]
CHUNK = 256 * 1024


@pytest.fixture
def config_overrides(google: GoogleServer) -> dict[str, object]:
    # Small chunks: a clip is several requests, so a cancel has chunk boundaries to land on.
    return {**emulator_config(google), "cancel_wait_seconds": 0.3, "youtube_upload_chunk_bytes": CHUNK}


def _publish(client: FlaskClient, headers: dict[str, str], clip_id: str) -> Any:
    return client.post(
        f"/api/v1/clips/{clip_id}/publish", headers=headers, json={"privacy_status": "unlisted"}
    )


def _pub(client: FlaskClient, headers: dict[str, str], pub_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/v1/publications/{pub_id}", headers=headers).get_json())


def _uploading(client: FlaskClient, headers: dict[str, str], pub_id: str) -> dict[str, Any]:
    return dict(wait_for(lambda: (p := _pub(client, headers, pub_id))["status"] == "uploading" and p, 30))


def _ended(client: FlaskClient, headers: dict[str, str], pub_id: str) -> dict[str, Any]:
    final = ("published", "failed", "cancelled")
    return dict(wait_for(lambda: (p := _pub(client, headers, pub_id))["status"] in final and p, 60))


@pytest.mark.usefixtures("manager")
def test_h1_another_user_naming_an_upload_as_a_clip_stops_nothing(
    client: FlaskClient,
    auth_headers: dict[str, str],
    other_headers: dict[str, str],
    google: GoogleServer,
    clip_factory: Callable[..., str],
) -> None:
    link(client, auth_headers)
    google.state.faults.chunk_delay = 1.5
    pub_id = _publish(client, auth_headers, clip_factory(user_id_of(client, auth_headers))).get_json()["id"]
    _uploading(client, auth_headers, pub_id)
    assert client.delete(f"/api/v1/clips/{pub_id}", headers=other_headers).status_code == 404
    assert _ended(client, auth_headers, pub_id)["status"] == "published"


@pytest.mark.usefixtures("manager")
def test_m1_a_clip_being_published_cannot_be_re_rendered_or_deleted(
    client: FlaskClient, auth_headers: dict[str, str], google: GoogleServer, clip_factory: Callable[..., str]
) -> None:
    """A re-render used to delete the file under a running upload (a retry then resumed the old
    session with the new file and published a spliced video)."""
    link(client, auth_headers)
    google.state.faults.chunk_delay = 1.5
    clip_id = clip_factory(user_id_of(client, auth_headers))
    pub_id = _publish(client, auth_headers, clip_id).get_json()["id"]
    _uploading(client, auth_headers, pub_id)
    render = client.post(f"/api/v1/clips/{clip_id}/render", headers=auth_headers, json={"layout": "fit"})
    assert render.status_code == 409 and render.get_json()["error"]["code"] == "publication_in_progress"
    delete = client.delete(f"/api/v1/clips/{clip_id}", headers=auth_headers)
    assert delete.status_code == 409 and delete.get_json()["error"]["code"] == "publication_in_progress"
    assert _ended(client, auth_headers, pub_id)["status"] == "published"


def test_m1_a_resume_sends_the_pinned_bytes_or_nothing(
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    google: GoogleServer,
    clip_factory: Callable[..., str],
    request: pytest.FixtureRequest,
) -> None:
    """An upload pins (path, size, sha256) when it starts; if the file under that path changed
    before a resume (a worker taken for dead, a copy restored), it fails instead of splicing."""
    link(client, auth_headers)
    clip_id = clip_factory(user_id_of(client, auth_headers))
    config = app.extensions[CONFIG_KEY]
    with app.app_context():
        clip = db.session.get(Clip, clip_id)
        path = storage.resolve_in_job(config, clip.job_id, clip.video_path)
        original = path.read_bytes()
        pub = Publication(
            user_id=clip.user_id,
            clip_id=clip.id,
            job_id=clip.job_id,
            channel_id="UC_test",
            title="t",
            privacy_status="unlisted",
            status="queued",
            file_path=clip.video_path,
            file_size=len(original),
            file_sha256=hashlib.sha256(original).hexdigest(),
        )
        db.session.add(pub)
        db.session.commit()
        pub_id = pub.id
    Path(path).write_bytes(original[::-1])  # same size, other bytes
    request.getfixturevalue("manager")  # the process starts: the queued publication runs
    ended = _ended(client, auth_headers, pub_id)
    assert ended["status"] == "failed" and ended["error_code"] == "clip_file_changed"
    assert google.state.videos == {}


def test_m2_concurrent_publishes_of_one_clip_create_one(
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    google: GoogleServer,
    clip_factory: Callable[..., str],
) -> None:
    link(client, auth_headers)
    clip_id = clip_factory(user_id_of(client, auth_headers))
    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = sorted(pool.map(lambda _i: _publish(client, auth_headers, clip_id).status_code, range(10)))
    assert codes.count(202) == 1 and codes.count(409) == 9, codes
    with app.app_context():
        assert len(db.session.scalars(select(Publication).where(Publication.clip_id == clip_id)).all()) == 1


def test_m3_a_published_video_outlives_its_clip_and_job(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str], clip_factory: Callable[..., str]
) -> None:
    """Deleting the job used to cascade-delete the records of videos already live."""
    clip_id = clip_factory(user_id_of(client, auth_headers))
    with app.app_context():
        clip = db.session.get(Clip, clip_id)
        common = {
            "user_id": clip.user_id,
            "clip_id": clip.id,
            "job_id": clip.job_id,
            "channel_id": "UC_x",
            "title": "t",
            "privacy_status": "unlisted",
        }
        live = Publication(**common, status="published", youtube_video_id="abcdefghijk")
        never = Publication(**common, status="failed")
        db.session.add_all([live, never])
        db.session.commit()
        live_id, never_id, job_id = live.id, never.id, clip.job_id
    assert client.delete(f"/api/v1/jobs/{job_id}", headers=auth_headers).status_code == 204
    with app.app_context():
        kept = db.session.get(Publication, live_id)
        assert kept is not None and kept.youtube_video_id == "abcdefghijk"
        assert kept.clip_id is None and kept.job_id is None
        assert db.session.get(Publication, never_id) is None
    assert _pub(client, auth_headers, live_id)["youtube_video_id"] == "abcdefghijk"


def test_l1_quota_counts_add_up_under_concurrency(app: Flask) -> None:
    """The counter was get-then-increment: two uploads ending together lost a count or failed
    on the other's new row (and that failure marked a published upload failed)."""
    config = app.extensions[CONFIG_KEY]

    def count(_: int) -> None:
        with app.app_context():
            quota.count(config, 1600, uploads=1)

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(count, range(10)))
    with app.app_context():
        row = db.session.scalars(select(YouTubeQuotaDay)).one()
        assert (row.units, row.uploads) == (16000, 10)


@pytest.mark.usefixtures("manager")
def test_l2_a_cancel_during_the_last_chunk_does_not_claim_cancelled(
    client: FlaskClient, auth_headers: dict[str, str], google: GoogleServer, clip_factory: Callable[..., str]
) -> None:
    """The whole clip is one chunk: once it is on its way, the video will exist. The cancel used
    to answer `cancelled`, then the video was published anyway."""
    link(client, auth_headers)
    google.state.faults.chunk_delay = 2.0
    clip_id = clip_factory(user_id_of(client, auth_headers), size=CHUNK - 1000)
    pub_id = _publish(client, auth_headers, clip_id).get_json()["id"]
    # Once the session is opened the worker is inside the call that sends the only chunk.
    wait_for(lambda: any(e["kind"] == "upload.start" for e in google.state.log), 30)
    assert client.delete(f"/api/v1/publications/{pub_id}", headers=auth_headers).status_code == 204
    assert _pub(client, auth_headers, pub_id)["status"] != "cancelled"
    ended = _ended(client, auth_headers, pub_id)
    assert ended["status"] == "published" and len(google.state.videos) == 1
