"""The Google emulator, driven by Google's own libraries, unchanged, through its endpoints.

These tests pin down what google-auth-oauthlib, google-auth and google-api-python-client really
send, so the emulator answers what production will meet (and the library facts of issue 11).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httplib2
import pytest
import requests
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from google_auth_oauthlib.flow import Flow
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload, build_http
from oauthlib.oauth2.rfc6749.errors import InvalidGrantError

from backend.youtube.media import FileChunks
from tests.youtube.google_server import CHANNEL, GoogleServer

SCOPES = [
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
]
REDIRECT = "http://127.0.0.1:3000/youtube/callback"
CHUNK = 256 * 1024

pytestmark = pytest.mark.usefixtures("insecure_loopback")


def _client_config(google: GoogleServer) -> dict[str, Any]:
    ends = google.endpoints
    return {
        "web": {
            "client_id": google.state.client_id,
            "client_secret": google.state.client_secret,
            "auth_uri": ends["google_auth_uri"],
            "token_uri": ends["google_token_uri"],
            "redirect_uris": [REDIRECT],
        }
    }


def _flow(google: GoogleServer, verifier: str | None = None) -> Flow:
    return Flow.from_client_config(
        _client_config(google),
        scopes=SCOPES,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
        autogenerate_code_verifier=verifier is None,
    )


def _consent(url: str) -> dict[str, str]:
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return {k: v[-1] for k, v in parse_qs(urlparse(answer.headers["Location"]).query).items()}


def _linked(google: GoogleServer) -> Credentials:
    flow = _flow(google)
    url, state = flow.authorization_url(access_type="offline", prompt="consent", state="s-1")
    back = _consent(url)
    # The callback is another request: a fresh Flow that carries the stored verifier.
    callback = _flow(google, verifier=flow.code_verifier)
    callback.fetch_token(code=back["code"])
    return callback.credentials


def _youtube(google: GoogleServer, credentials: Credentials) -> Any:
    document = requests.get(f"{google.base_url}discovery/v1/apis/youtube/v3/rest", timeout=5).json()
    # build_http(), not httplib2.Http(): a plain Http follows 308 as a redirect.
    return build_from_document(document, http=AuthorizedHttp(credentials, http=build_http()))


def test_code_flow_with_pkce_s256_is_verified(google: GoogleServer) -> None:
    flow = _flow(google)
    url, state = flow.authorization_url(access_type="offline", prompt="consent", state="abc")
    query = google_query = parse_qs(urlparse(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["access_type"] == ["offline"]
    assert set(query["scope"][0].split()) == set(SCOPES)
    back = _consent(url)
    assert back["state"] == "abc"
    callback = _flow(google, verifier=flow.code_verifier)
    callback.fetch_token(code=back["code"])
    credentials = callback.credentials
    assert credentials.refresh_token and credentials.token
    challenge = google_query["code_challenge"][0]
    assert challenge != flow.code_verifier  # S256, not plain


def test_callback_without_the_stored_verifier_is_invalid_grant(google: GoogleServer) -> None:
    flow = _flow(google)
    url, _ = flow.authorization_url(access_type="offline")
    back = _consent(url)
    with pytest.raises(InvalidGrantError, match="Missing code verifier"):
        Flow.from_client_config(_client_config(google), scopes=SCOPES, redirect_uri=REDIRECT).fetch_token(
            code=back["code"]
        )


def test_wrong_verifier_and_replayed_code_are_refused(google: GoogleServer) -> None:
    flow = _flow(google)
    url, _ = flow.authorization_url(access_type="offline")
    back = _consent(url)
    with pytest.raises(InvalidGrantError):
        _flow(google, verifier="x" * 64).fetch_token(code=back["code"])
    with pytest.raises(InvalidGrantError):  # the code was used up by the failed attempt
        _flow(google, verifier=flow.code_verifier).fetch_token(code=back["code"])


def test_short_lived_access_tokens_are_refreshed_transparently(google: GoogleServer) -> None:
    google.state.access_token_lifetime = 1
    youtube = _youtube(google, _linked(google))
    for _ in range(2):
        items = youtube.channels().list(part="snippet", mine=True).execute()["items"]
        assert items[0]["id"] == CHANNEL["id"]
    assert google.state.kinds().count("token") >= 2  # the code grant, then refresh grants


def test_refresh_after_revoke_is_invalid_grant(google: GoogleServer) -> None:
    credentials = _linked(google)
    answer = requests.post(
        google.endpoints["google_revoke_uri"], data={"token": credentials.refresh_token}, timeout=5
    )
    assert answer.status_code == 200
    stale = Credentials(
        None,
        refresh_token=credentials.refresh_token,
        token_uri=credentials.token_uri,
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
    )
    with pytest.raises(RefreshError, match="invalid_grant"):
        _youtube(google, stale).channels().list(part="id", mine=True).execute()


def _insert(youtube: Any, media: Any) -> Any:
    body = {"snippet": {"title": "A clip", "tags": ["test"]}, "status": {"privacyStatus": "private"}}
    return youtube.videos().insert(part="snippet,status", body=body, media_body=media)


def _upload(request: Any) -> dict[str, Any]:
    """Chunk by chunk; after a failure, the next call starts with the status query."""
    response = None
    attempts = 0
    while response is None:
        attempts += 1
        assert attempts < 50
        try:
            _status, response = request.next_chunk(num_retries=0)
        except (HttpError, OSError, httplib2.HttpLib2Error) as err:
            if isinstance(err, HttpError) and err.resp.status < 500:
                raise
    return response


@pytest.fixture
def video_file(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(os.urandom(5 * CHUNK + 1234))
    return path


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("fault", ["none", "fail_chunks", "drop_chunks"])
def test_resumable_upload_survives_faults_with_one_video(
    google: GoogleServer, video_file: Path, fault: str
) -> None:
    youtube = _youtube(google, _linked(google))
    if fault != "none":
        setattr(google.state.faults, fault, 1)
    response = _upload(_insert(youtube, FileChunks(video_file, chunksize=CHUNK)))
    assert len(google.state.videos) == 1
    video = google.state.videos[response["id"]]
    assert _sha(video.data) == _sha(video_file.read_bytes())
    assert google.state.kinds().count("upload.start") == 1
    # A 500 makes the next call ask where the upload stands; a dropped connection is re-sent
    # by httplib2 itself. Either way the session and the video are the same.
    if fault == "fail_chunks":
        assert "upload.status" in google.state.kinds()
    if fault == "drop_chunks":
        assert "upload.dropped" in google.state.kinds()


def test_inspection_endpoints_for_tests_in_other_processes(google: GoogleServer, video_file: Path) -> None:
    """What the browser tests read over HTTP: the videos' hashes, the request log, the faults."""
    base = f"{google.base_url}_emulator"
    assert requests.post(f"{base}/faults", json={"no_such": 1}, timeout=5).status_code == 400
    set_delay = requests.post(f"{base}/faults", json={"chunk_delay": 0.01}, timeout=5)
    assert set_delay.status_code == 200 and set_delay.json()["faults"]["chunk_delay"] == 0.01
    response = _upload(_insert(_youtube(google, _linked(google)), FileChunks(video_file, chunksize=CHUNK)))
    videos = requests.get(f"{base}/videos", timeout=5).json()["items"]
    assert [(v["id"], v["sha256"], v["size"]) for v in videos] == [
        (response["id"], _sha(video_file.read_bytes()), video_file.stat().st_size)
    ]
    assert videos[0]["thumbnail_sha256"] is None and videos[0]["snippet"]["title"] == "A clip"
    assert requests.get(f"{base}/log", timeout=5).json()["kinds"].count("upload.start") == 1


def test_resume_after_restart_uses_the_status_query(google: GoogleServer, video_file: Path) -> None:
    credentials = _linked(google)
    first = _insert(_youtube(google, credentials), FileChunks(video_file, chunksize=CHUNK))
    first.next_chunk(num_retries=0)
    first.next_chunk(num_retries=0)
    session_uri = first.resumable_uri  # what the app stores before the first chunk
    # A new process: a new request object, told the session URI and to ask where it stands.
    second = _insert(_youtube(google, credentials), FileChunks(video_file, chunksize=CHUNK))
    second.resumable_uri = session_uri
    second._in_error_state = True
    response = _upload(second)
    kinds = google.state.kinds()
    assert kinds.count("upload.start") == 1 and kinds.count("upload.status") == 1
    assert _sha(google.state.videos[response["id"]].data) == _sha(video_file.read_bytes())


def test_metadata_publish_at_and_forced_private(google: GoogleServer, video_file: Path) -> None:
    youtube = _youtube(google, _linked(google))
    google.state.faults.force_private = True
    body = {
        "snippet": {"title": "T"},
        "status": {"privacyStatus": "public", "publishAt": "2030-01-01T10:00:00Z"},
    }
    request = youtube.videos().insert(
        part="snippet,status", body=body, media_body=FileChunks(video_file, "video/mp4", CHUNK)
    )
    response = _upload(request)
    start = next(e for e in google.state.log if e["kind"] == "upload.start")
    assert start["metadata"]["status"]["publishAt"] == "2030-01-01T10:00:00Z"
    assert response["status"]["privacyStatus"] == "private"


def test_thumbnail_set_refusal_and_statistics(google: GoogleServer, video_file: Path, tmp_path: Path) -> None:
    youtube = _youtube(google, _linked(google))
    video_id = _upload(_insert(youtube, FileChunks(video_file, chunksize=CHUNK)))["id"]
    thumb = tmp_path / "thumb.jpg"
    thumb.write_bytes(b"\xff\xd8\xff" + os.urandom(2000))
    youtube.thumbnails().set(
        videoId=video_id, media_body=MediaFileUpload(str(thumb), mimetype="image/jpeg")
    ).execute()
    assert google.state.videos[video_id].thumbnail == thumb.read_bytes()
    google.state.faults.refuse_thumbnails = True
    with pytest.raises(HttpError) as refused:
        youtube.thumbnails().set(
            videoId=video_id, media_body=MediaFileUpload(str(thumb), mimetype="image/jpeg")
        ).execute()
    assert refused.value.resp.status == 403
    google.state.videos[video_id].stats["viewCount"] = "42"
    items = youtube.videos().list(part="statistics", id=video_id).execute()["items"]
    assert items[0]["statistics"]["viewCount"] == "42"


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("quota_exceeded", "quotaExceeded"), ("upload_limit_exceeded", "uploadLimitExceeded")],
)
def test_quota_errors_carry_their_reason(
    google: GoogleServer, video_file: Path, fault: str, reason: str
) -> None:
    youtube = _youtube(google, _linked(google))
    setattr(google.state.faults, fault, True)
    with pytest.raises(HttpError) as failed:
        _upload(_insert(youtube, FileChunks(video_file, chunksize=CHUNK)))
    assert failed.value.error_details[0]["reason"] == reason
    assert json.loads(failed.value.content)["error"]["errors"][0]["reason"] == reason
    assert not google.state.videos
