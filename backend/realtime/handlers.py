"""Socket.IO connection handling: authenticate by the JWT cookie or `auth: {token}`, join the
user's own room, refuse everything else (CONTRACTS §7).

A connection lives no longer than the access token it was opened with: each process keeps its
open connections' token expiry and session, and a sweep drops those whose token expired or
whose session was revoked (logout, logout-all, password change, refresh token reuse) — also
when the revocation happened in another process, since the sweep asks the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, request
from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_socketio import ConnectionRefusedError, join_room
from jwt import PyJWTError

from backend.config import CONFIG_KEY
from backend.extensions import db, socketio
from backend.realtime.emitter import room_of
from backend.security import SESSION_CLAIM
from backend.services import auth as auth_service

log = logging.getLogger(__name__)

COOKIE = "access_token_cookie"
_REGISTRY_KEY = "socket_connections"


@dataclass(frozen=True)
class Connection:
    user_id: str
    session_id: str
    expires_at: float  # the access token's `exp`


@dataclass
class Connections:
    """The open sockets of one app in this process, and its sweeper."""

    by_sid: dict[str, Connection] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sweeper_started: bool = False

    def add(self, sid: str, connection: Connection) -> None:
        with self.lock:
            self.by_sid[sid] = connection

    def remove(self, sid: str) -> None:
        with self.lock:
            self.by_sid.pop(sid, None)

    def snapshot(self) -> dict[str, Connection]:
        with self.lock:
            return dict(self.by_sid)


def _token(auth: Any) -> str | None:
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return str(auth["token"])
    return request.cookies.get(COOKIE)


def authenticate(auth: Any) -> Connection:
    """The connection of a valid access token of a live session; ConnectionRefusedError otherwise."""
    token = _token(auth)
    if not token:
        raise ConnectionRefusedError("authentication required")
    try:
        claims = decode_token(token)
    except (JWTExtendedException, PyJWTError):
        raise ConnectionRefusedError("invalid token") from None
    session_id = claims.get(SESSION_CLAIM)
    if claims.get("type") != "access" or not auth_service.is_session_active(session_id):
        raise ConnectionRefusedError("invalid token")
    user_id = str(claims.get("sub"))
    if auth_service.get_user(user_id) is None:
        raise ConnectionRefusedError("invalid token")
    return Connection(user_id=user_id, session_id=str(session_id), expires_at=float(claims["exp"]))


def registry(app: Flask | None = None) -> Connections:
    app = app or current_app
    connections: Connections = app.extensions.setdefault(_REGISTRY_KEY, Connections())
    return connections


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    connection = authenticate(auth)
    join_room(room_of(connection.user_id))
    connections = registry()
    connections.add(request.sid, connection)  # type: ignore[attr-defined]
    _ensure_sweeper(current_app._get_current_object(), connections)  # type: ignore[attr-defined]


@socketio.on("disconnect")
def on_disconnect(*_args: Any) -> None:
    registry().remove(request.sid)  # type: ignore[attr-defined]


def drop_sessions(session_ids: set[str]) -> None:
    """Close this process's sockets of these sessions now (the sweep would within seconds)."""
    _drop(registry(), lambda c: c.session_id in session_ids)


def sweep(app: Flask, connections: Connections, now: float | None = None) -> int:
    """Drop the sockets whose token expired or whose session was revoked; how many were."""
    now = time.time() if now is None else now
    open_ = connections.snapshot()
    if not open_:
        return 0
    with app.app_context():
        try:
            live = auth_service.active_sessions({c.session_id for c in open_.values()})
        finally:
            db.session.remove()
    return _drop(connections, lambda c: c.expires_at <= now or c.session_id not in live, open_)


def _drop(
    connections: Connections,
    doomed: Callable[[Connection], bool],
    open_: dict[str, Connection] | None = None,
) -> int:
    server = socketio.server
    sids = [sid for sid, c in (open_ or connections.snapshot()).items() if doomed(c)]
    for sid in sids:
        connections.remove(sid)
        if server is not None:
            server.disconnect(sid, namespace="/")
    return len(sids)


def _ensure_sweeper(app: Flask, connections: Connections) -> None:
    with connections.lock:
        if connections.sweeper_started:
            return
        connections.sweeper_started = True
    socketio.start_background_task(_sweep_forever, app, connections, socketio.server)


def _sweep_forever(app: Flask, connections: Connections, server: Any) -> None:
    interval = float(app.extensions[CONFIG_KEY].socket_auth_check_seconds)
    # One sweeper per app and server, running while it has sockets to watch (the next connect
    # starts it again); a later init_app (tests build many apps) retires it too.
    while socketio.server is server:
        with connections.lock:
            if not connections.by_sid:
                connections.sweeper_started = False
                return
        soonest = min((c.expires_at for c in connections.snapshot().values()), default=None)
        # Wake at the next expiry if it comes before the next periodic check.
        delay = interval if soonest is None else max(0.05, min(interval, soonest - time.time()))
        socketio.sleep(delay)
        try:
            sweep(app, connections)
        except Exception:  # a database hiccup must not end the sweeper for good
            log.exception("socket sweep failed")
            socketio.sleep(interval)
