"""Helpers shared by the job and realtime tests: waiting, uploads, child-process checks."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from tests.media import Talk

# The plain clip (source frames and sound, nothing burned in): the job-mechanics tests do not pay
# a 1080x1920 encode per clip; the Shorts render has its own tests (test_rerender.py,
# tests/pipeline/test_shorts_render.py) and the default options are used there.
PLAIN_RENDER: dict[str, Any] = {
    "format": "original",
    "caption_style": "none",
    "hook_title": False,
    "loudness_target": None,
}
# Short clips keep every run to a few seconds of ffmpeg on the ~85 s generated talk.
SHORT_CLIPS: dict[str, Any] = {"min_clip_duration": 5, "max_clip_duration": 20, "max_clips": 2}
FAST_OPTIONS: dict[str, Any] = {**SHORT_CLIPS, **PLAIN_RENDER}


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


def job(client: FlaskClient, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def wait_status(
    client: FlaskClient, headers: dict[str, str], job_id: str, *statuses: str, timeout: float = 90.0
) -> dict[str, Any]:
    return dict(wait_for(lambda: (j := job(client, headers, job_id))["status"] in statuses and j, timeout))


def upload(
    client: FlaskClient,
    headers: dict[str, str],
    media: Talk,
    *,
    captions: bool = True,
    options: dict[str, Any] | None = None,
    priority: int | None = None,
) -> Any:
    import json

    data: dict[str, Any] = {
        "file": (media.video.open("rb"), "garden talk.mp4"),
        "options": json.dumps(FAST_OPTIONS if options is None else options),
    }
    if captions:
        data["captions"] = (media.vtt.open("rb"), "talk.vtt")
    if priority is not None:
        data["priority"] = str(priority)
    return client.post("/api/v1/jobs", data=data, headers=headers, content_type="multipart/form-data")


def children(pid: int | None = None) -> list[tuple[int, str]]:
    """Live (non-zombie) child processes of `pid`, read from /proc (no psutil)."""
    parent = os.getpid() if pid is None else pid
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if int(rest[1]) == parent and rest[0] != "Z":
            found.append((int(entry.name), name))
    return found
