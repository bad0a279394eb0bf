"""The one place that sends Socket.IO events. Callers emit only after the commit they describe."""

from __future__ import annotations

import logging
from typing import Any

from backend.extensions import socketio

log = logging.getLogger(__name__)


def room_of(user_id: str) -> str:
    return f"user:{user_id}"


def emit_to_user(user_id: str, event: str, payload: dict[str, Any]) -> None:
    """Send to every socket of one user (and nobody else). Never raises: a lost event is
    recovered by the client's GET /api/v1/jobs, a crashed worker would not be."""
    if socketio.server is None:
        return
    try:
        socketio.emit(event, payload, to=room_of(user_id), namespace="/")
    except Exception:
        log.exception("socket emit %s failed", event)


def disconnect_user(user_id: str) -> None:
    """Close every socket of a user (logout): their rooms would otherwise keep receiving."""
    server = socketio.server
    if server is None:
        return
    participants = list(server.manager.get_participants("/", room_of(user_id)))
    for sid, _eio_sid in participants:
        server.disconnect(sid, namespace="/")
