"""Which browser origins may open a Socket.IO connection.

The dashboard's origins (CORS_ORIGINS) plus the server's own origin: a client talking to the API
directly (same origin, or through a proxy that sets X-Forwarded-Host) must not be refused just
because a list of dashboard origins was configured.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def origin_checker(allowed: Iterable[str]) -> Callable[[str | None, dict[str, Any]], bool]:
    configured = {origin.rstrip("/") for origin in allowed}

    def is_allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None:  # not a browser: authentication alone decides
            return True
        return origin.rstrip("/") in configured | _own_origins(environ)

    return is_allowed


def _own_origins(environ: dict[str, Any]) -> set[str]:
    scheme, host = environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST", "")
    own = {f"{scheme}://{host}"} if host else set()
    forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[0].strip()
    if forwarded_host:
        forwarded_scheme = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
        own.add(f"{forwarded_scheme}://{forwarded_host}")
    return own
