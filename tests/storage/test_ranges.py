"""Clip media answer the same on local files and from the bucket (STORAGE_BACKEND=s3, a real
SeaweedFS): the same status, bytes and headers for every Range, If-Range and If-None-Match a
client may send, and one charset in a text file's Content-Type."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.api.common import CONFIG_KEY
from backend.extensions import db
from backend.models import Clip, Job
from backend.services import storage
from tests.conftest import bearer, login, register
from tests.storage.conftest import S3Server, s3_settings

SIZE = 70_000
FILES = {
    "clips/clip_01.mp4": os.urandom(SIZE),
    "clips/clip_01.vtt": "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHéllo\n".encode(),
    "clips/clip_01.srt": "1\n00:00:00,000 --> 00:00:01,000\nHéllo\n".encode(),
}
# Range headers and the status every backend answers (RFC 9110 as Werkzeug implements it).
RANGES = [
    ("bytes=0-9", 206),
    ("bytes=-500", 206),
    (f"bytes={SIZE - 10}-", 206),
    (f"bytes={SIZE + 10}-", 416),  # starts past the end
    ("bytes=abc", 416),  # unparseable
    ("bytes=9-3", 416),  # ends before it starts
    ("bytes=0-1,5-6", 416),  # several ranges: not served
]


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def config_overrides(backend: str, request: pytest.FixtureRequest) -> dict[str, Any]:  # type: ignore[override]
    if backend == "local":
        return {}
    server: S3Server = request.getfixturevalue("s3_server")
    request.getfixturevalue("store")  # the test's bucket, created
    return s3_settings(server, request.getfixturevalue("bucket_name"))


@pytest.fixture
def clip_id(app: Flask, client: FlaskClient) -> str:
    user = register(client)
    config = app.extensions[CONFIG_KEY]
    with app.app_context():
        job = Job(user_id=user["id"], source_type="upload", status="completed", options={})
        db.session.add(job)
        db.session.flush()
        for relative, data in FILES.items():
            path = storage.job_dir(config, job.id) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        clip = Clip(
            job_id=job.id,
            user_id=user["id"],
            title="Ranges",
            start_time=0,
            end_time=1,
            duration=1,
            video_path="clips/clip_01.mp4",
            captions_vtt_path="clips/clip_01.vtt",
            captions_srt_path="clips/clip_01.srt",
        )
        db.session.add(clip)
        db.session.commit()
        storage.put_files(config, job.id, list(FILES))
        if config.uses_bucket:  # served from the bucket alone
            shutil.rmtree(storage.job_dir(config, job.id))
        return str(clip.id)


@pytest.fixture
def headers(client: FlaskClient, clip_id: str) -> dict[str, str]:
    return bearer(str(login(client)["access_token"]))


@pytest.mark.parametrize(("value", "status"), RANGES)
def test_a_range_answers_the_same_on_both_backends(
    client: FlaskClient, clip_id: str, headers: dict[str, str], value: str, status: int
) -> None:
    video = FILES["clips/clip_01.mp4"]
    response = client.get(f"/api/v1/clips/{clip_id}/video", headers={**headers, "Range": value})
    assert response.status_code == status
    if status == 206:
        first, last = (int(n) for n in response.headers["Content-Range"].split()[1].split("/")[0].split("-"))
        assert response.data == video[first : last + 1]
        assert response.headers["Content-Range"].endswith(f"/{SIZE}")
    else:
        assert response.get_json()["error"]["code"]
        assert response.headers["Content-Range"] == f"bytes */{SIZE}"


def test_conditions_answer_the_same_on_both_backends(
    client: FlaskClient, clip_id: str, headers: dict[str, str]
) -> None:
    url = f"/api/v1/clips/{clip_id}/video"
    whole = client.get(url, headers=headers)
    assert whole.status_code == 200 and whole.data == FILES["clips/clip_01.mp4"]
    assert whole.headers["Accept-Ranges"] == "bytes"
    etag = whole.headers["ETag"]
    assert client.get(url, headers={**headers, "If-None-Match": etag}).status_code == 304
    # If-Range naming another version: the whole current file, even for a range it could not serve.
    for value in ("bytes=0-9", "bytes=abc"):
        other = client.get(url, headers={**headers, "Range": value, "If-Range": '"another-version"'})
        assert other.status_code == 200 and other.data == FILES["clips/clip_01.mp4"]
    same = client.get(url, headers={**headers, "Range": "bytes=0-9", "If-Range": etag})
    assert same.status_code == 206 and same.data == FILES["clips/clip_01.mp4"][:10]
    head = client.head(url, headers={**headers, "Range": "bytes=0-9"})
    assert head.status_code == 206 and head.headers["Content-Length"] == "10" and not head.data


def test_captions_name_their_charset_once(client: FlaskClient, clip_id: str, headers: dict[str, str]) -> None:
    response = client.get(f"/api/v1/clips/{clip_id}/captions.vtt", headers=headers)
    assert response.status_code == 200 and response.data == FILES["clips/clip_01.vtt"]
    assert response.headers["Content-Type"] == "text/vtt; charset=utf-8"
    response = client.get(f"/api/v1/clips/{clip_id}/captions.srt", headers=headers)
    assert response.status_code == 200 and response.data == FILES["clips/clip_01.srt"]
    assert response.headers["Content-Type"] == "application/x-subrip; charset=utf-8"
