"""What every request passes before a view runs, and what every response carries.

Bodies: only a multipart upload to an upload route may be large (it streams to disk); any other
body is capped at MAX_JSON_BYTES *before* it is read — refused from its Content-Length, or
counted while a chunked body streams in, never buffering more than the cap. Unauthenticated
clients reach this too, so the cap is what bounds the memory one request can take.

Serving: `python -m backend serve` runs werkzeug's server, which after every response drains
what the client still sends with `rfile.read(10_000_000)` — about 20 MB per connection refused
with 413. `BoundedDrainRequestHandler` makes that drain read 64 KiB at a time.

Headers: `nosniff` and a referrer policy on every response the app produces (API and media).

Per-user limits (`per_user`): the actions that cost a Google call, a stored row or a worker's
time (link, publish, re-render, statistics refresh) are limited per signed-in user; over the limit
they answer 429 `rate_limited` with Retry-After.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Flask, Request, Response, request
from flask_jwt_extended import get_jwt_identity
from werkzeug.serving import WSGIRequestHandler

from backend.config import Config
from backend.errors import PayloadTooLarge, UnsupportedMedia, ValidationFailed
from backend.extensions import limiter

# Views whose multipart bodies may be as large as MAX_UPLOAD_BYTES.
UPLOAD_ENDPOINTS = frozenset({"jobs.create_job"})
_PARSED_METHODS = frozenset({"POST", "PUT", "PATCH"})
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


View = TypeVar("View", bound=Callable[..., Any])


def per_user(limit: Callable[[], str]) -> Callable[[View], View]:
    """A rate limit per signed-in user, e.g. `@per_user(lambda: config().publish_rate_limit)`.
    Placed under `@jwt_required()`: Flask-Limiter checks a decorated limit when the view is
    called, so the token is verified and its user known by then (each view counts apart)."""
    return cast(Callable[[View], View], limiter.limit(limit, key_func=_user_key))


def _user_key() -> str:
    return f"user:{get_jwt_identity()}"


def init_app(app: Flask, config: Config) -> None:
    """(MAX_CONTENT_LENGTH is the cap too, so a body read anywhere else stops there as well.)"""
    app.before_request(lambda: guard_body(request, config))
    app.after_request(add_security_headers)


def guard_body(req: Request, config: Config) -> None:
    """Cap, type-check and parse the body of an API request before the view (or auth) runs."""
    if not _has_body(req):
        return
    if req.endpoint in UPLOAD_ENDPOINTS and req.mimetype == "multipart/form-data":
        req.max_content_length = config.max_upload_bytes
        return
    cap = config.max_json_bytes
    if req.content_length is not None and req.content_length > cap:
        raise _too_large(cap)
    if req.method in _PARSED_METHODS and req.path.startswith("/api/"):
        _check_media_type(req)
        _read_capped(req, cap)
        _parse_json(req)


def _has_body(req: Request) -> bool:
    return bool(req.content_length) or "chunked" in req.headers.get("Transfer-Encoding", "").lower()


def _check_media_type(req: Request) -> None:
    if req.mimetype == "multipart/form-data":
        # A form parser on a JSON route would hand the view nothing (it was a 500).
        raise UnsupportedMedia("This endpoint takes an application/json body; only uploads are multipart.")
    if req.mimetype != "application/json":
        raise UnsupportedMedia("Send the body as application/json.")


def _read_capped(req: Request, cap: int) -> None:
    """Read (and cache) at most cap + 1 bytes: the extra byte tells a body of exactly `cap`
    bytes from a longer stream without reading any further."""
    req.max_content_length = cap + 1
    if len(req.get_data(cache=True)) > cap:
        raise _too_large(cap)


def _parse_json(req: Request) -> None:
    try:
        parsed = req.get_json(silent=True)
    except RecursionError:
        # json.loads recurses per nesting level; `[[[[…` a few thousand deep overflows it.
        raise ValidationFailed("The JSON body is nested too deeply.") from None
    if parsed is None:
        raise ValidationFailed("The body is not valid JSON.")


def _too_large(cap: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is too large: at most {cap} bytes are accepted here.")


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


# Only werkzeug's post-response drain asks the socket for this much in one read.
_BIG_READ = 8 * 1024 * 1024
_DRAIN_READ = 64 * 1024


class _BoundedBigReads:
    """The connection's reader, with reads of more than 8 MiB cut to what one socket read
    returns (at most 64 KiB). Everything else (readline, readinto, small reads) is untouched."""

    def __init__(self, rfile: io.BufferedIOBase) -> None:
        self._rfile = rfile

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size > _BIG_READ:
            return self._rfile.read1(_DRAIN_READ)
        return self._rfile.read(-1 if size is None else size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rfile, name)


class BoundedDrainRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, draining refused bodies in 64 KiB reads (see the module doc)."""

    def setup(self) -> None:
        super().setup()
        self.rfile = cast(Any, _BoundedBigReads(self.rfile))
