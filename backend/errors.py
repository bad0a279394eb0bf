"""The one error contract (CONTRACTS §1): typed exceptions, mapped to the envelope in one place.

Every 4xx/5xx leaves the app as
`{"error": {"code": ..., "message": ..., "fields": {...}?}}` — including werkzeug's HTTP errors,
flask-jwt-extended's token errors (which would otherwise be 422) and pydantic validation errors.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields
        if code:
            self.code = code


class ValidationFailed(ApiError):
    status, code = 400, "validation_error"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMedia(ApiError):
    status, code = 415, "unsupported_media_type"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"


# werkzeug status -> our code for errors that never pass through an ApiError.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    429: "rate_limited",
    503: "service_unavailable",
}


def envelope(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    return response


NAMED_MESSAGE = re.compile(r"^([a-z][a-z0-9_]*): (.+)$", re.S)


def fields_from_pydantic(errors: Iterable[Any]) -> dict[str, list[str]]:
    """pydantic's error list → {"field.path": ["why", ...]}; `__root__` for model-level errors."""
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query")]
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        # A model-level rule names the field it is about by starting its message with it.
        named = NAMED_MESSAGE.match(message) if err.get("type") == "value_error" else None
        if named:
            loc, message = [*loc, named.group(1)], named.group(2)
        key = ".".join(loc) or "__root__"
        fields.setdefault(key, []).append(message)
    return fields


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(err: ApiError) -> Response:
        return envelope(err.status, err.code, err.message, err.fields)

    @app.errorhandler(ValidationError)
    def _validation(err: ValidationError) -> Response:
        fields = fields_from_pydantic(err.errors(include_context=False))
        return envelope(400, "validation_error", "The request is not valid.", fields)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> Response:
        status = err.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        response = envelope(status, code, _http_message(err))
        # Headers the status is defined with: Allow (405), Content-Range with the full length (416).
        for name in ("Allow", "Content-Range"):
            value = err.get_response().headers.get(name)
            if value:
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        # A 500 is always a bug: log it with the traceback, tell the client nothing internal.
        log.exception("unhandled error")
        return envelope(500, "internal_error", "An unexpected error occurred.")


def _http_message(err: HTTPException) -> str:
    if err.code == 413:
        return "The request is too large."
    if err.code == 429:
        return "Too many requests; please wait and try again."
    return (err.description or err.name or "Request failed").strip()
