"""Media input: an upload is read as one plain container, never as a list of other files.

An HLS playlist or a concat list renamed `.mp4` would make ffprobe/ffmpeg open the files it names
(another user's video on this server); an image-sequence name would read a series of files.
Uploads of those are a 415 and the named file is not even opened (its access time stays put).
A bad port in a source URL is a 400 on `source_url`, not a 500.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.media import Talk

OLD = 1_000_000_000  # an access time far in the past: any read of the file moves it


@pytest.fixture
def secret(tmp_path: Path, media: Talk) -> Path:
    """A video already on the server (say another user's), as MPEG-TS so HLS may name it."""
    path = tmp_path / "elsewhere" / "secret.ts"
    path.parent.mkdir()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", f"file:{media.video}", "-c", "copy", "-t", "20", f"file:{path}"],
        check=True,
    )
    os.utime(path, (OLD, path.stat().st_mtime))
    return path


def _post(client: FlaskClient, headers: dict[str, str], content: bytes, name: str) -> Any:
    data = {"file": (io.BytesIO(content), name), "options": "{}"}
    return client.post("/api/v1/jobs", data=data, headers=headers, content_type="multipart/form-data")


def _playlist(segment: Path) -> bytes:
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:20\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:20.0,\n{segment}\n#EXT-X-ENDLIST\n"
    ).encode()


@pytest.mark.parametrize(
    "name, build",
    [
        ("holiday.mp4", lambda secret: _playlist(secret)),
        ("holiday.mp4", lambda secret: _playlist(Path(f"file:{secret}"))),
        ("holiday.m3u8", lambda secret: _playlist(secret)),
        ("holiday.mp4", lambda secret: f"ffconcat version 1.0\nfile '{secret}'\n".encode()),
        ("holiday.mp4", lambda secret: f"ffconcat version 1.0\nfile '{secret.name}'\n".encode()),
    ],
    ids=["hls-as-mp4", "hls-file-url", "hls", "concat-absolute", "concat-relative"],
)
def test_playlists_and_concat_lists_are_refused_and_read_nothing(
    client: FlaskClient, auth_headers: dict[str, str], secret: Path, name: str, build: Any
) -> None:
    response = _post(client, auth_headers, build(secret), name)
    assert response.status_code == 415, response.get_json()
    assert response.get_json()["error"]["code"]
    assert secret.stat().st_atime == OLD, "the file named by the upload was opened"


def test_an_image_sequence_name_is_refused(
    client: FlaskClient, auth_headers: dict[str, str], media: Talk
) -> None:
    frame = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            f"file:{media.video}",
            "-frames:v",
            "1",
            "-f",
            "image2pipe",
            "-c:v",
            "mjpeg",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    for name in ("frame%03d.jpg", "frame%03d.mp4", "frame.jpg"):
        response = _post(client, auth_headers, frame, name)
        assert response.status_code == 415, (name, response.get_json())


def test_a_real_video_with_a_colon_in_its_name_is_accepted(
    client: FlaskClient, auth_headers: dict[str, str], media: Talk
) -> None:
    response = _post(client, auth_headers, media.video.read_bytes(), "a:b.mp4")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["video_title"] == "a_b"


@pytest.mark.parametrize(
    "url", ["http://media.example.org:99999/x", "http://media.example.org:abc/x", "https://[::1]:70000/v"]
)
def test_a_bad_port_in_source_url_is_a_400(
    client: FlaskClient, auth_headers: dict[str, str], url: str
) -> None:
    response = client.post("/api/v1/jobs", json={"source_url": url}, headers=auth_headers)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert "port" in " ".join(error["fields"]["source_url"])
