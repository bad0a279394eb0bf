"""A local stand-in for Google: OAuth 2.0 (with PKCE), revoke, and the YouTube Data API v3.

A real HTTP server on 127.0.0.1 speaking the wire protocols Google's own client libraries use
(google-auth-oauthlib, google-auth, google-api-python-client over httplib2), so tests drive
those libraries unchanged through GOOGLE_AUTH_URI, GOOGLE_TOKEN_URI, GOOGLE_REVOKE_URI and
YOUTUBE_API_BASE_URL. Faults are switched on per test (`server.faults`); every request is
recorded (`server.log`) so tests can assert what the client really sent.

Run alone (for a server in another process): `python -m tests.youtube.google_server --port N`.
A test in another process (the browser tests) inspects it through `/_emulator/*`: `GET videos`
(each video's size, SHA-256, thumbnail and metadata), `GET log` (the kinds of requests seen) and
`POST faults` (a JSON object of `Faults` fields to set). These are the emulator's own, not Google's.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlparse

import googleapiclient

DISCOVERY_FILE = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "youtube.v3.json"
CHANNEL = {
    "id": "UC_local_channel_0001",
    "title": "Local Test Channel",
    "thumbnail_url": "https://yt3.example/avatar.jpg",
}


@dataclass
class Faults:
    """One-shot and sticky faults; a test sets them before the call it wants to break."""

    fail_chunks: int = 0  # the next N chunk PUTs answer 500 (without storing the bytes)
    drop_chunks: int = 0  # the next N chunk PUTs: read half the body, then close the socket
    quota_exceeded: bool = False  # every Data API call answers 403 quotaExceeded
    upload_limit_exceeded: bool = False  # uploads answer 400 uploadLimitExceeded
    refuse_thumbnails: bool = False  # thumbnails.set answers 403 (as for some Shorts)
    force_private: bool = False  # uploaded videos come back private (an unaudited project)
    invalid_grant: bool = False  # every refresh grant is refused
    chunk_delay: float = 0.0  # seconds each chunk PUT waits before answering


@dataclass
class UploadSession:
    upload_id: str
    metadata: dict[str, Any]
    size: int | None
    content_type: str
    data: bytearray = field(default_factory=bytearray)
    video_id: str | None = None


@dataclass
class Video:
    id: str
    metadata: dict[str, Any]
    data: bytes
    thumbnail: bytes | None = None
    stats: dict[str, str] = field(
        default_factory=lambda: {"viewCount": "0", "likeCount": "0", "commentCount": "0"}
    )


@dataclass
class GoogleState:
    client_id: str = "local-client-id.apps.googleusercontent.com"
    client_secret: str = "local-client-secret"
    access_token_lifetime: int = 3600
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh_tokens: dict[str, bool] = field(default_factory=dict)  # token -> still valid
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (epoch)
    revoked: list[str] = field(default_factory=list)
    sessions: dict[str, UploadSession] = field(default_factory=dict)
    videos: dict[str, Video] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    # Every request line received ("POST /revoke?..."): what a proxy or access log would keep.
    request_lines: list[str] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, **details: Any) -> None:
        with self.lock:
            self.log.append({"kind": kind, **details})

    def kinds(self) -> list[str]:
        with self.lock:
            return [entry["kind"] for entry in self.log]


def _b64url_sha256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _google_error(status: int, reason: str, message: str, domain: str = "global") -> dict[str, Any]:
    return {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
        }
    }


class _Dropped(Exception):
    """The handler closed the connection on purpose (fault injection)."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GoogleServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        return

    @property
    def state(self) -> GoogleState:
        return self.server.state

    # -- plumbing

    def _query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlparse(self.path).query).items()}

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _route(self, method: str) -> None:
        with self.state.lock:
            self.state.request_lines.append(self.requestline)
        path = urlparse(self.path).path
        routes = {
            ("GET", "/o/oauth2/auth"): self._authorize,
            ("POST", "/token"): self._token,
            ("POST", "/revoke"): self._revoke,
            ("GET", "/discovery/v1/apis/youtube/v3/rest"): self._discovery,
            ("GET", "/youtube/v3/channels"): self._channels,
            ("GET", "/youtube/v3/videos"): self._videos_list,
            ("POST", "/upload/youtube/v3/videos"): self._upload_start,
            ("POST", "/resumable/upload/youtube/v3/videos"): self._upload_start,
            ("PUT", "/upload/youtube/v3/videos"): self._upload_put,
            ("POST", "/upload/youtube/v3/thumbnails/set"): self._thumbnail,
            ("GET", "/_emulator/videos"): self._inspect_videos,
            ("GET", "/_emulator/log"): lambda: self._send(200, {"kinds": self.state.kinds()}),
            ("POST", "/_emulator/faults"): self._set_faults,
        }
        handler = routes.get((method, path))
        if handler is None:
            self._body()
            self._send(404, _google_error(404, "notFound", f"no route {method} {path}"))
            return
        try:
            handler()
        except _Dropped:
            self.close_connection = True

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    # -- OAuth 2.0

    def _authorize(self) -> None:
        """Consent is given at once: redirect back with a code bound to the PKCE challenge."""
        query = self._query()
        self.state.record("authorize", query=query)
        if query.get("client_id") != self.state.client_id or query.get("response_type") != "code":
            self._send(400, {"error": "invalid_request"})
            return
        code = secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.codes[code] = query
        target = (
            query["redirect_uri"]
            + "?"
            + urlencode({"code": code, "state": query.get("state", ""), "scope": query.get("scope", "")})
        )
        self._send(302, headers={"Location": target})

    def _token(self) -> None:
        form = {k: v[-1] for k, v in parse_qs(self._body().decode()).items()}
        self.state.record("token", grant_type=form.get("grant_type"))
        if self._client_of(form) != (self.state.client_id, self.state.client_secret):
            self._send(
                401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}
            )
            return
        grant = {"authorization_code": self._code_grant, "refresh_token": self._refresh_grant}
        answer = grant.get(form.get("grant_type", ""))
        if answer is None:
            self._send(400, {"error": "unsupported_grant_type"})
            return
        status, body = answer(form)
        self._send(status, body)

    def _client_of(self, form: dict[str, str]) -> tuple[str | None, str | None]:
        """Client credentials in the form (google-auth) or as HTTP Basic (requests-oauthlib)."""
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
            return unquote_plus(user), unquote_plus(password)
        return form.get("client_id"), form.get("client_secret")

    def _code_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.state.lock:
            request = self.state.codes.pop(form.get("code", ""), None)  # codes are single use
        if request is None or request.get("redirect_uri") != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "Malformed auth code."}
        if request.get("code_challenge"):
            verifier = form.get("code_verifier")
            if not verifier:
                return 400, {"error": "invalid_grant", "error_description": "Missing code verifier."}
            if (
                request.get("code_challenge_method") != "S256"
                or _b64url_sha256(verifier) != request["code_challenge"]
            ):
                return 400, {"error": "invalid_grant", "error_description": "Invalid code verifier."}
        body = self._new_access_token()
        refresh = "1//" + secrets.token_urlsafe(32)
        with self.state.lock:
            self.state.refresh_tokens[refresh] = True
        body.update(refresh_token=refresh, scope=request.get("scope", ""))
        return 200, body

    def _refresh_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.state.lock:
            valid = self.state.refresh_tokens.get(form.get("refresh_token", ""), False)
        if not valid or self.state.faults.invalid_grant:
            return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
        return 200, self._new_access_token()

    def _new_access_token(self) -> dict[str, Any]:
        token = "ya29." + secrets.token_urlsafe(32)
        with self.state.lock:
            self.state.access_tokens[token] = time.time() + self.state.access_token_lifetime
        return {"access_token": token, "expires_in": self.state.access_token_lifetime, "token_type": "Bearer"}

    def _revoke(self) -> None:
        """Google takes the token form-encoded in the body (or, though it then lands in access
        logs, in the query string)."""
        token = parse_qs(self._body().decode()).get("token", [""])[-1] or self._query().get("token", "")
        self.state.record("revoke")
        with self.state.lock:
            known = token in self.state.refresh_tokens or token in self.state.access_tokens
            self.state.refresh_tokens.pop(token, None)
            self.state.access_tokens.pop(token, None)
            self.state.revoked.append(token)
        self._send(200 if known else 400, {} if known else {"error": "invalid_token"})

    def _authorized(self) -> bool:
        """Bearer check; on failure the 401 google-auth reacts to by refreshing."""
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        with self.state.lock:
            expiry = self.state.access_tokens.get(token)
        if expiry is not None and expiry > time.time():
            return True
        self._body()
        self._send(
            401,
            _google_error(401, "authError", "Request had invalid authentication credentials."),
            {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
        )
        return False

    def _quota(self) -> bool:
        if not self.state.faults.quota_exceeded:
            return True
        self._body()
        message = "The request cannot be completed because you have exceeded your quota."
        self._send(403, _google_error(403, "quotaExceeded", message, "youtube.quota"))
        return False

    # -- Data API

    def _discovery(self) -> None:
        document = json.loads(DISCOVERY_FILE.read_text())
        document["rootUrl"] = self.server.base_url
        document["mtlsRootUrl"] = self.server.base_url
        self._send(200, document)

    def _channels(self) -> None:
        if not (self._authorized() and self._quota()):
            return
        self.state.record("channels.list", query=self._query())
        if self._query().get("mine") != "true":
            self._send(
                400, _google_error(400, "missingRequiredParameter", "mine=true is all this server knows")
            )
            return
        item = {
            "kind": "youtube#channel",
            "id": CHANNEL["id"],
            "snippet": {
                "title": CHANNEL["title"],
                "thumbnails": {"default": {"url": CHANNEL["thumbnail_url"]}},
            },
        }
        self._send(200, {"kind": "youtube#channelListResponse", "items": [item]})

    def _videos_list(self) -> None:
        if not (self._authorized() and self._quota()):
            return
        ids = [part for part in self._query().get("id", "").split(",") if part]
        self.state.record("videos.list", ids=ids, part=self._query().get("part"))
        with self.state.lock:
            found = [self.state.videos[i] for i in ids if i in self.state.videos]
        items = [{"kind": "youtube#video", "id": v.id, "statistics": dict(v.stats)} for v in found]
        self._send(200, {"kind": "youtube#videoListResponse", "items": items})

    # -- resumable upload

    def _upload_start(self) -> None:
        if not (self._authorized() and self._quota()):
            return
        query = self._query()
        metadata = json.loads(self._body() or b"{}")
        if query.get("uploadType") != "resumable":
            self._send(400, _google_error(400, "badRequest", "only resumable uploads are emulated"))
            return
        if self.state.faults.upload_limit_exceeded:
            message = "The user has exceeded the number of videos they may upload."
            self._send(400, _google_error(400, "uploadLimitExceeded", message, "youtube.video"))
            return
        size = self.headers.get("X-Upload-Content-Length")
        session = UploadSession(
            secrets.token_urlsafe(16),
            metadata,
            int(size) if size else None,
            self.headers.get("X-Upload-Content-Type", "application/octet-stream"),
        )
        with self.state.lock:
            self.state.sessions[session.upload_id] = session
        self.state.record("upload.start", upload_id=session.upload_id, metadata=metadata, query=query)
        location = f"{self.server.base_url}upload/youtube/v3/videos?" + urlencode(
            {"uploadType": "resumable", "part": query.get("part", ""), "upload_id": session.upload_id}
        )
        self._send(200, {}, {"Location": location, "X-GUploader-UploadID": session.upload_id})

    def _upload_put(self) -> None:
        session = self.state.sessions.get(self._query().get("upload_id", ""))
        if session is None:
            self._body()
            self._send(404, _google_error(404, "notFound", "upload session not found"))
            return
        content_range = self.headers.get("Content-Range", "")
        if content_range.startswith("bytes */"):
            self._body()
            self.state.record("upload.status", upload_id=session.upload_id, offset=len(session.data))
            self._answer_progress(session)
            return
        self._upload_chunk(session, content_range)

    def _upload_chunk(self, session: UploadSession, content_range: str) -> None:
        faults = self.state.faults
        length = int(self.headers.get("Content-Length") or 0)
        if faults.chunk_delay:
            time.sleep(faults.chunk_delay)
        if faults.drop_chunks > 0:
            faults.drop_chunks -= 1
            self.rfile.read(length // 2)
            self.state.record("upload.dropped", upload_id=session.upload_id)
            self.connection.shutdown(2)  # socket.SHUT_RDWR: the client sees a reset mid-chunk
            raise _Dropped
        data = self.rfile.read(length)
        if faults.fail_chunks > 0:
            faults.fail_chunks -= 1
            self.state.record("upload.500", upload_id=session.upload_id)
            self._send(500, _google_error(500, "backendError", "Backend Error"))
            return
        start, total = _parse_content_range(content_range)
        if start is not None and start != len(session.data):
            # Out of order: keep what we have and tell the client where we are (as Google does).
            self.state.record("upload.misplaced", upload_id=session.upload_id, start=start)
            self._answer_progress(session)
            return
        session.data.extend(data)
        if total is not None:
            session.size = total
        self.state.record("upload.chunk", upload_id=session.upload_id, start=start, length=len(data))
        self._answer_progress(session)

    def _answer_progress(self, session: UploadSession) -> None:
        if session.video_id is None and session.size is not None and len(session.data) >= session.size:
            session.video_id = self._create_video(session)
        if session.video_id is not None:
            self._send(200, self._video_resource(self.state.videos[session.video_id]))
            return
        headers = {"Range": f"bytes=0-{len(session.data) - 1}"} if session.data else {}
        self._send(308, None, headers)

    def _create_video(self, session: UploadSession) -> str:
        video_id = secrets.token_urlsafe(8).replace("-", "a").replace("_", "b")[:11]
        metadata = json.loads(json.dumps(session.metadata))
        status = metadata.setdefault("status", {})
        status.setdefault("privacyStatus", "public")
        if self.state.faults.force_private:
            status["privacyStatus"] = "private"
        with self.state.lock:
            self.state.videos[video_id] = Video(video_id, metadata, bytes(session.data))
        self.state.record("video.created", video_id=video_id)
        return video_id

    def _video_resource(self, video: Video) -> dict[str, Any]:
        status = {"uploadStatus": "uploaded", **video.metadata.get("status", {})}
        return {
            "kind": "youtube#video",
            "id": video.id,
            "snippet": video.metadata.get("snippet", {}),
            "status": status,
        }

    def _thumbnail(self) -> None:
        if not (self._authorized() and self._quota()):
            return
        video_id = self._query().get("videoId", "")
        data = self._body()
        self.state.record("thumbnails.set", video_id=video_id, length=len(data))
        video = self.state.videos.get(video_id)
        if video is None:
            self._send(404, _google_error(404, "videoNotFound", "The video could not be found."))
            return
        if self.state.faults.refuse_thumbnails:
            message = "The authenticated user doesn't have permissions for uploading custom thumbnails."
            self._send(403, _google_error(403, "forbidden", message, "youtube.thumbnail"))
            return
        video.thumbnail = data
        self._send(
            200,
            {
                "kind": "youtube#thumbnailSetResponse",
                "items": [{"default": {"url": f"{self.server.base_url}vi/{video_id}/default.jpg"}}],
            },
        )

    # -- inspection by tests in other processes

    def _inspect_videos(self) -> None:
        with self.state.lock:
            videos = list(self.state.videos.values())
        self._send(200, {"items": [_video_summary(video) for video in videos]})

    def _set_faults(self) -> None:
        wanted = json.loads(self._body() or b"{}")
        known = {name for name in Faults.__dataclass_fields__}
        unknown = sorted(set(wanted) - known)
        if unknown:
            self._send(400, {"error": f"unknown faults: {', '.join(unknown)}"})
            return
        for name, value in wanted.items():
            setattr(self.state.faults, name, value)
        self._send(200, {"faults": {name: getattr(self.state.faults, name) for name in sorted(known)}})


def _video_summary(video: Video) -> dict[str, Any]:
    def digest(data: bytes | None) -> str | None:
        return None if data is None else hashlib.sha256(data).hexdigest()

    return {
        "id": video.id,
        "size": len(video.data),
        "sha256": digest(video.data),
        "thumbnail_sha256": digest(video.thumbnail),
        "snippet": video.metadata.get("snippet", {}),
        "status": video.metadata.get("status", {}),
    }


def _parse_content_range(value: str) -> tuple[int | None, int | None]:
    """`bytes 0-99/1000` → (0, 1000); `bytes 0-99/*` → (0, None)."""
    if not value.startswith("bytes "):
        return None, None
    span, _, total = value[6:].partition("/")
    start = int(span.split("-")[0]) if span and span != "*" else None
    return start, (int(total) if total and total != "*" else None)


class GoogleServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0, state: GoogleState | None = None) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = state or GoogleState()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    @property
    def endpoints(self) -> dict[str, str]:
        """The config of CONTRACTS §10 that points a client at this server."""
        return {
            "google_auth_uri": f"{self.base_url}o/oauth2/auth",
            "google_token_uri": f"{self.base_url}token",
            "google_revoke_uri": f"{self.base_url}revoke",
            "youtube_api_base_url": self.base_url,
        }

    def start(self) -> GoogleServer:
        self._thread = threading.Thread(target=self.serve_forever, name="google-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = GoogleServer(args.port)
    print(server.base_url, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
