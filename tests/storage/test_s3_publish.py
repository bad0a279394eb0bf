"""The YouTube uploader with STORAGE_BACKEND=s3: the clip exists only in the bucket (the worker
that publishes it never had a copy); the worker fetches it to its cache, and YouTube (the local
Google emulator) receives exactly the object's bytes."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient

from backend.api.common import CONFIG_KEY
from backend.extensions import db
from backend.models import Clip
from backend.services import storage
from backend.services.objects import ObjectStore, job_key
from tests.jobs.helpers import wait_for
from tests.storage.conftest import S3Server, s3_settings
from tests.youtube.conftest import clip_factory, emitter, google, manager, user_id_of  # noqa: F401 (fixtures)
from tests.youtube.google_server import GoogleServer
from tests.youtube.helpers import link


@pytest.fixture
def config_overrides(  # type: ignore[override]
    google: GoogleServer,  # noqa: F811
    s3_server: S3Server,
    bucket_name: str,
    store: ObjectStore,
) -> dict[str, Any]:
    return {
        "google_client_id": google.state.client_id,
        "google_client_secret": google.state.client_secret,
        "token_encryption_key": (Fernet.generate_key().decode(),),
        **google.endpoints,
        **s3_settings(s3_server, bucket_name),
    }


def test_a_clip_only_in_the_bucket_is_published_byte_for_byte(
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    google: GoogleServer,  # noqa: F811
    clip_factory: Callable[..., str],  # noqa: F811
    manager: Any,  # noqa: F811
    store: ObjectStore,
) -> None:
    link(client, auth_headers)
    clip_id = clip_factory(user_id_of(client, auth_headers))
    config = app.extensions[CONFIG_KEY]
    with app.app_context():
        clip = db.session.get(Clip, clip_id)
        assert clip is not None
        job_id = clip.job_id
    storage.put_files(config, job_id, ["clips/clip_01.mp4", "clips/clip_01.jpg"])
    expected = (storage.job_dir(config, job_id) / "clips/clip_01.mp4").read_bytes()
    shutil.rmtree(storage.job_dir(config, job_id))
    assert store.exists(job_key(job_id, "clips/clip_01.mp4"))

    answer = client.post(
        f"/api/v1/clips/{clip_id}/publish", headers=auth_headers, json={"privacy_status": "private"}
    )
    assert answer.status_code == 202, answer.get_json()
    pub_id = answer.get_json()["id"]
    url = f"/api/v1/publications/{pub_id}"
    pub = wait_for(
        lambda: (p := client.get(url, headers=auth_headers).get_json())["status"]
        in {"published", "failed", "cancelled"}
        and p,
        timeout=60,
    )
    assert pub["status"] == "published", pub
    video = google.state.videos[pub["youtube_video_id"]]
    assert hashlib.sha256(video.data).hexdigest() == hashlib.sha256(expected).hexdigest()
    assert video.thumbnail is not None
