"""The one place that sends Socket.IO events. Callers emit only after the commit they describe.

`Emitter` is what the job lifecycle is given (injected like the worker), so tests and other
processes can provide their own; `SocketEmitter` sends through Flask-SocketIO to user rooms.
With REDIS_URL set, the web processes' Socket.IO servers share Redis as their message queue, and
`QueueEmitter` lets a process without a Socket.IO server (a Celery worker) emit into those rooms.
"""

from __future__ import annotations

import logging
from typing import Protocol

from flask_socketio import SocketIO
from pydantic import BaseModel

from backend.extensions import socketio
from backend.realtime.events import EVENT_NAMES, SocketEvents

log = logging.getLogger(__name__)


class Emitter(Protocol):
    def emit(self, user_id: str, event: str, payload: BaseModel) -> None: ...


def room_of(user_id: str) -> str:
    return f"user:{user_id}"


class SocketEmitter:
    def emit(self, user_id: str, event: str, payload: BaseModel) -> None:
        """Send to every socket of one user (and nobody else). Never raises: a lost event is
        recovered by the client's GET /api/v1/jobs, a crashed worker would not be."""
        check_payload(event, payload)
        if socketio.server is None:
            return
        try:
            socketio.emit(event, payload.model_dump(mode="json"), to=room_of(user_id), namespace="/")
        except Exception:
            log.exception("socket emit %s failed", event)


class QueueEmitter:
    """Write-only: publishes to the message queue, which every web process's server delivers to
    its own sockets in the user's room (the same rooms and the same payloads as SocketEmitter)."""

    def __init__(self, message_queue: str) -> None:
        self._queue = SocketIO(message_queue=message_queue)

    def emit(self, user_id: str, event: str, payload: BaseModel) -> None:
        check_payload(event, payload)
        try:
            self._queue.emit(event, payload.model_dump(mode="json"), to=room_of(user_id), namespace="/")
        except Exception:  # never raises, like SocketEmitter: the REST catch-up recovers a lost event
            log.exception("queued socket emit %s failed", event)


def check_payload(event: str, payload: BaseModel) -> None:
    """A wrong event name or payload type is a bug: fail loudly where it is made."""
    if event not in EVENT_NAMES:
        raise ValueError(f"unknown socket event {event!r}")
    expected = SocketEvents.model_fields[event].annotation
    if not isinstance(payload, expected):  # type: ignore[arg-type]
        raise TypeError(f"{event} carries {expected}, not {type(payload).__name__}")


def disconnect_user(user_id: str) -> None:
    """Close every socket of a user (logout): their rooms would otherwise keep receiving."""
    server = socketio.server
    if server is None:
        return
    participants = list(server.manager.get_participants("/", room_of(user_id)))
    for sid, _eio_sid in participants:
        server.disconnect(sid, namespace="/")
