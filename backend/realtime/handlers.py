"""Socket.IO connection handling: authenticate by the JWT cookie or `auth: {token}`, join the
user's own room, refuse everything else (CONTRACTS §7)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_socketio import ConnectionRefusedError, join_room
from jwt import PyJWTError

from backend.extensions import socketio
from backend.realtime.emitter import room_of
from backend.services import auth as auth_service

COOKIE = "access_token_cookie"


def _token(auth: Any) -> str | None:
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return str(auth["token"])
    return request.cookies.get(COOKIE)


def authenticate(auth: Any) -> str:
    """The user id of a valid, unrevoked access token; ConnectionRefusedError otherwise."""
    token = _token(auth)
    if not token:
        raise ConnectionRefusedError("authentication required")
    try:
        claims = decode_token(token)
    except (JWTExtendedException, PyJWTError):
        raise ConnectionRefusedError("invalid token") from None
    if claims.get("type") != "access" or auth_service.is_revoked(claims["jti"]):
        raise ConnectionRefusedError("invalid token")
    user_id = str(claims.get("sub"))
    if auth_service.get_user(user_id) is None:
        raise ConnectionRefusedError("invalid token")
    return user_id


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    join_room(room_of(authenticate(auth)))
