"""Re-rendering a clip (CONTRACTS §9): trims snap into the pauses of the audio within ±1 s, other
layout and caption style, 409s, the old files served until the new ones are complete, and
`clip_updated`."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.api.common import CONFIG_KEY
from backend.extensions import db, socketio
from backend.models import Job
from backend.services import storage
from backend.work.threads import JobManager
from tests.jobs.helpers import SHORT_CLIPS, upload, wait_for, wait_status
from tests.media import Talk
from tests.pipeline.real_speech import frame_db, loudest_within

AUDIBLE_DB = -60.0


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    # One worker: the re-render queues behind nothing else, so the test controls the order.
    return {"job_workers": 1, "render_preset": "ultrafast"}


def finished_job(
    client: FlaskClient, headers: dict[str, str], media: Talk
) -> tuple[str, list[dict[str, Any]]]:
    created = upload(client, headers, media, options={**SHORT_CLIPS, "max_clips": 1})  # Shorts defaults
    assert created.status_code == 201, created.get_json()
    job_id = created.get_json()["id"]
    final = wait_status(client, headers, job_id, "completed", "failed", timeout=180)
    assert final["status"] == "completed", final.get("error_message")
    clips = client.get("/api/v1/clips", query_string={"job_id": job_id}, headers=headers).get_json()["items"]
    return job_id, clips


@functools.cache
def video_audio_db(video: Path) -> np.ndarray:
    """dBFS per 10 ms of the uploaded video's own audio (decoded here with ffmpeg, 16 kHz mono)."""
    raw = subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(video),
            "-vn",
            "-ac",
            "1",
            "-ar",
            "16000",
            "-f",
            "s16le",
            "-",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout
    return frame_db(np.frombuffer(raw, dtype="<i2"), 16000)


def assert_in_pause(media: Talk, t: float) -> None:
    """±40 ms of the source's audio around `t` at least 6 dB under the speech level around it
    (the median of the audible frames within ±2 s: espeak pauses are digital silence)."""
    db = video_audio_db(media.video)
    near = db[max(0, round((t - 2) * 100)) : round((t + 2) * 100)]
    level, loudest = float(np.median(near[near > AUDIBLE_DB])), loudest_within(db, t)
    assert loudest <= level - 6.0, f"cut at {t:.3f} s: {loudest - level:+.1f} dB against the speech level"


def wait_rendered(client: FlaskClient, headers: dict[str, str], clip_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        clip = get_clip(client, headers, clip_id)
        return clip if clip["render_status"] not in ("queued", "rendering") else None

    return dict(wait_for(done, timeout=120))


def get_clip(client: FlaskClient, headers: dict[str, str], clip_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/clips/{clip_id}", headers=headers)
    assert response.status_code == 200
    return dict(response.get_json())


def test_a_clip_is_a_short_by_default(
    client: FlaskClient, auth_headers: dict[str, str], manager: JobManager, media: Talk
) -> None:
    _job_id, clips = finished_job(client, auth_headers, media)
    clip = clips[0]
    assert (clip["format"], clip["width"], clip["height"]) == ("vertical", 1080, 1920)
    assert clip["render_status"] == "ready" and clip["caption_style"] == "highlight"
    assert clip["layout"] in {"crop", "fit", "split", "mixed"} and clip["shots"]
    assert clip["shots"][0]["start"] == 0 and clip["shots"][-1]["end"] == pytest.approx(
        clip["duration"], abs=0.1
    )
    assert clip["loudness"] == pytest.approx(-14, abs=1)
    assert clip["render_options"]["loudness_target"] == -14


def test_trim_layout_and_style_rerender_keeps_old_files_until_done(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str], manager: JobManager, media: Talk
) -> None:
    job_id, clips = finished_job(client, auth_headers, media)
    before = clips[0]
    old_video = client.get(before["assets"]["video_url"], headers=auth_headers).data
    token = auth_headers["Authorization"].split()[1]
    sock = socketio.test_client(app, flask_test_client=client, auth={"token": token})
    try:
        wanted = {
            "start_time": before["start_time"] + 1.3,
            "end_time": before["end_time"] - 1.7,
            "layout": "fit",
            "caption_style": "bold",
            "loudness_target": None,
        }
        response = client.post(f"/api/v1/clips/{before['id']}/render", json=wanted, headers=auth_headers)
        assert response.status_code == 202, response.get_json()
        assert response.get_json()["render_status"] in ("queued", "rendering")
        again = client.post(f"/api/v1/clips/{before['id']}/render", json={}, headers=auth_headers)
        assert again.status_code == 409 and again.get_json()["error"]["code"]
        # Meanwhile the previous version is what is served, whole.
        assert client.get(before["assets"]["video_url"], headers=auth_headers).data == old_video
        after = wait_for(
            lambda: (c := get_clip(client, auth_headers, before["id"]))["render_status"]
            not in ("queued", "rendering")
            and c,
            timeout=120,
        )
        received: list[dict[str, Any]] = []

        def updates() -> list[dict[str, Any]]:  # sent right after the commit the GET above saw
            received.extend(sock.get_received())
            updated = [e for e in received if e["name"] == "clip_updated"]
            return updated if updated and updated[-1]["args"][0]["render_status"] == "ready" else []

        events = wait_for(updates, timeout=10)
    finally:
        sock.disconnect()
    assert after["render_status"] == "ready", after["render_error"]
    # Each requested time snapped into a pause within ±1 s; cut_shift says how far it moved.
    shift = after["cut_shift"]
    assert after["start_time"] - shift["start"] == pytest.approx(wanted["start_time"], abs=0.002)
    assert after["end_time"] - shift["end"] == pytest.approx(wanted["end_time"], abs=0.002)
    assert abs(shift["start"]) <= 1.0 + 1e-6 and abs(shift["end"]) <= 1.0 + 1e-6
    assert_in_pause(media, after["start_time"])
    assert_in_pause(media, after["end_time"])
    assert before["start_time"] < after["start_time"] < after["end_time"] < before["end_time"]
    assert (after["layout"], after["caption_style"]) == ("fit", "bold")
    assert after["render_options"]["loudness_target"] is None
    assert {s["layout"] for s in after["shots"]} == {"fit"}
    assert events and events[-1]["args"][0]["id"] == before["id"]
    assert events[-1]["args"][0]["render_status"] == "ready"
    new_video = client.get(after["assets"]["video_url"], headers=auth_headers)
    assert new_video.status_code == 200 and new_video.data != old_video
    clips_dir = storage.job_dir(app.extensions[CONFIG_KEY], job_id) / "clips"
    assert sorted(p.name for p in clips_dir.iterdir()) == sorted(
        f"clip_01-v1.{ext}" for ext in ("jpg", "mp4", "srt", "vtt")
    ), "the old version's files are removed and nothing half-written is left"
    # Options only: the times already placed stay, and so does how far they were moved.
    url = f"/api/v1/clips/{before['id']}/render"
    restyled = client.post(url, json={"caption_style": "clean"}, headers=auth_headers)
    assert restyled.status_code == 202, restyled.get_json()
    again_after = wait_rendered(client, auth_headers, before["id"])
    assert again_after["render_status"] == "ready", again_after["render_error"]
    kept = ("start_time", "end_time", "cut_shift")
    assert {k: again_after[k] for k in kept} == {k: after[k] for k in kept}


def test_rerender_is_refused_while_the_job_processes_and_for_bad_options(
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    other_headers: dict[str, str],
    manager: JobManager,
    media: Talk,
) -> None:
    job_id, clips = finished_job(client, auth_headers, media)
    url = f"/api/v1/clips/{clips[0]['id']}/render"
    bad = client.post(url, json={"format": "vertical", "resolution": "original"}, headers=auth_headers)
    assert bad.status_code == 400 and "resolution" in bad.get_json()["error"]["fields"]
    empty = client.post(url, json={"start_time": 30.0, "end_time": 30.1}, headers=auth_headers)
    assert empty.status_code == 400 and "end_time" in empty.get_json()["error"]["fields"]
    assert client.post(url, json={"layout": "zoom"}, headers=auth_headers).status_code == 400
    assert client.post(url, json={}, headers=other_headers).status_code == 404
    with app.app_context():
        db.session.get(Job, job_id).status = "processing"
        db.session.commit()
    busy = client.post(url, json={"caption_style": "clean"}, headers=auth_headers)
    assert busy.status_code == 409
    assert get_clip(client, auth_headers, clips[0]["id"])["render_status"] == "ready"


def test_a_render_option_the_clip_predates_takes_its_default_and_the_rest_stay() -> None:
    from types import SimpleNamespace

    from backend.pipeline.options import JobOptions, render_values
    from backend.services.renders import _spec

    # The clip's files were rendered before `hook_title` existed: its row has no value for it.
    older = {"format": "square", "resolution": "720p", "layout": "fit", "caption_style": "bold"}
    clip = SimpleNamespace(render_options={**older, "loudness_target": None})
    job = SimpleNamespace(options={})
    spec = _spec(clip, job, {"layout": "crop"})  # type: ignore[arg-type]
    defaults = render_values(JobOptions.model_validate({}))
    assert spec.as_dict() == {**defaults, **older, "layout": "crop", "loudness_target": None}
    assert spec.hook_title is True
