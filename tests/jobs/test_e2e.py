"""End to end through the API on generated media: create → live events → completed → download."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.extensions import socketio
from backend.work.threads import JobManager
from tests.jobs.helpers import FAST_OPTIONS, upload, wait_for
from tests.media import Talk, serve_directory, talk, video_page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("site")
    media = talk()
    video_page(folder, media.video, media.vtt)
    with serve_directory(folder) as base:
        yield base


@pytest.fixture
def config_overrides(site: str) -> dict[str, Any]:
    return {"allowed_source_hosts": (site.removeprefix("http://"),)}


def run_and_check(
    app: Flask, client: FlaskClient, headers: dict[str, str], token: str, create: Any
) -> dict[str, Any]:
    sock = socketio.test_client(app, flask_test_client=client, auth={"token": token})
    response = create()
    assert response.status_code == 201, response.get_json()
    job_id = response.get_json()["id"]
    events: list[dict[str, Any]] = []
    wait_for(
        lambda: events.extend(sock.get_received())
        or any(e["name"] in {"job_completed", "job_failed"} for e in events),
        timeout=120,
    )
    assert [e for e in events if e["name"] == "job_failed"] == []
    detail = client.get(f"/api/v1/jobs/{job_id}", headers=headers).get_json()
    assert detail["status"] == "completed" and detail["progress"] == 100 and detail["clips"]
    clip = detail["clips"][0]
    assert detail["thumbnail_url"] == clip["assets"]["thumbnail_url"]
    assert 5 <= clip["duration"] <= 20.5 and clip["key_quote"] in clip["transcript_segment"]
    video = client.get(clip["assets"]["video_url"], headers={**headers, "Range": "bytes=100-1099"})
    assert video.status_code == 206 and len(video.data) == 1000 and video.mimetype == "video/mp4"
    assert video.headers["Content-Range"].startswith("bytes 100-1099/")
    full = client.get(clip["assets"]["video_url"] + "?download=1", headers=headers)
    assert full.status_code == 200 and len(full.data) == clip["file_size"]
    disposition = full.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.isascii() and "/" not in disposition
    thumb = client.get(clip["assets"]["thumbnail_url"], headers=headers)
    assert thumb.status_code == 200 and thumb.data[:3] == b"\xff\xd8\xff"
    vtt = client.get(clip["assets"]["captions_vtt_url"], headers=headers)
    assert vtt.status_code == 200 and vtt.data.startswith(b"WEBVTT")
    srt = client.get(clip["assets"]["captions_srt_url"], headers=headers)
    assert srt.status_code == 200 and b"-->" in srt.data
    # Every word of the (manual) captions is timed, and each clip says how far its cuts moved.
    transcript = client.get(f"/api/v1/jobs/{job_id}/transcript", headers=headers).get_json()
    words = [w for seg in transcript["segments"] for w in seg.get("words") or []]
    assert words and all(w["start"] <= w["end"] for w in words)
    assert set(clip["cut_shift"]) == {"start", "end"} and abs(clip["cut_shift"]["start"]) <= 0.3
    return dict(detail)


@pytest.mark.slow
def test_captions_path_from_an_allow_listed_page(
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    user_token: str,
    manager: JobManager,
    site: str,
) -> None:
    body = {"source_url": f"{site}/index.html", "options": FAST_OPTIONS}
    detail = run_and_check(
        app,
        client,
        auth_headers,
        user_token,
        lambda: client.post("/api/v1/jobs", json=body, headers=auth_headers),
    )
    assert detail["source_type"] == "url" and detail["video_title"]
    transcript = client.get(f"/api/v1/jobs/{detail['id']}/transcript", headers=auth_headers).get_json()
    assert transcript["source"] == "captions"


@pytest.mark.slow
def test_multipart_upload_with_captions(
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    user_token: str,
    manager: JobManager,
    media: Talk,
) -> None:
    detail = run_and_check(app, client, auth_headers, user_token, lambda: upload(client, auth_headers, media))
    assert detail["source_type"] == "upload" and detail["video_duration"] == pytest.approx(
        media.duration, abs=0.5
    )
