from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from flask_jwt_extended import (
    current_user,
    decode_token,
    get_jwt,
    jwt_required,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError

from backend.api.common import config, user_out
from backend.api.spec import AUTH, no_content, responses, spec
from backend.extensions import limiter
from backend.realtime import handlers as sockets
from backend.realtime.emitter import disconnect_user
from backend.schemas.auth import (
    LoginIn,
    LoginOut,
    LogoutIn,
    PasswordIn,
    RefreshOut,
    RegisterIn,
    UserEnvelope,
    normalize_email,
)
from backend.security import SESSION_CLAIM, issue_tokens
from backend.services import auth as auth_service

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")

REFRESH_COOKIE = "refresh_token_cookie"


def _email_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return "login-email:" + (normalize_email(email) if isinstance(email, str) else "")


def _failed(response: ResponseReturnValue) -> bool:
    return getattr(response, "status_code", 200) == 401


def _refused(response: ResponseReturnValue) -> bool:
    return getattr(response, "status_code", 200) == 400


def _refresh_lifetime() -> timedelta:
    return timedelta(days=config().refresh_token_days)


def _with_tokens(response: Response, access: str, refresh: str) -> Response:
    set_access_cookies(response, access)
    set_refresh_cookies(response, refresh)
    return response


@bp.post("/register")
# Every attempt counts (a successful sign-up is what an account farm wants), per client address.
@limiter.limit(lambda: config().register_rate_limit)
@spec.validate(json=RegisterIn, resp=responses({"HTTP_201": UserEnvelope}, 400, 409, 415, 429), tags=["auth"])
def register() -> ResponseReturnValue:
    body: RegisterIn = request.context.json  # type: ignore[attr-defined]
    user = auth_service.register(body.email, body.password, body.name)
    return jsonify(user=user_out(user)), 201


@bp.post("/login")
@limiter.limit(lambda: config().login_rate_limit, key_func=_email_key, deduct_when=_failed)
@limiter.limit(lambda: config().login_ip_rate_limit, deduct_when=_failed)
@spec.validate(json=LoginIn, resp=responses({"HTTP_200": LoginOut}, 400, 401, 415, 429), tags=["auth"])
def login() -> ResponseReturnValue:
    """Log in.

    Starts a session: these tokens and every refresh token rotated from them belong to it.
    """
    body: LoginIn = request.context.json  # type: ignore[attr-defined]
    user = auth_service.authenticate(body.email, body.password)
    session = auth_service.start_session(user.id, _refresh_lifetime())
    access, refresh = issue_tokens(user.id, session.id, session.refresh_jti)
    return _with_tokens(
        jsonify(user=user_out(user), access_token=access, refresh_token=refresh), access, refresh
    )


@bp.post("/refresh")
@jwt_required(refresh=True)
@spec.validate(resp=responses({"HTTP_200": RefreshOut}, 401, 403), tags=["auth"], security=AUTH)
def refresh() -> ResponseReturnValue:
    """Exchange a refresh token (bearer or refresh cookie) for new tokens.

    The refresh token used is retired and its successor returned (body and cookie). Presenting
    a retired refresh token again revokes the whole session it came from (401
    `refresh_token_reused`): one of the two holders is not the user.
    """
    claims = get_jwt()
    session_id = str(claims[SESSION_CLAIM])
    try:
        successor = auth_service.rotate(session_id, claims["jti"], _refresh_lifetime())
    except auth_service.RefreshReused:
        sockets.drop_sessions({session_id})
        raise
    access, refresh_token = issue_tokens(current_user.id, session_id, successor)
    return _with_tokens(jsonify(access_token=access, refresh_token=refresh_token), access, refresh_token)


@bp.post("/logout")
@jwt_required()
@spec.validate(
    json=LogoutIn, resp=responses({"HTTP_204": None}, 400, 401, 403, 415), tags=["auth"], security=AUTH
)
def logout() -> ResponseReturnValue:
    """End this session.

    The access token's session is revoked: the access token and every refresh token of the
    same login, whether one is presented or not. A refresh token given in the body
    (`refresh_token`, for bearer clients) or in the refresh cookie (browsers) is revoked too,
    if it belongs to this user. Cookies are cleared and the session's sockets closed.
    """
    sessions = {str(get_jwt()[SESSION_CLAIM])}
    body: LogoutIn | None = request.context.json  # type: ignore[attr-defined]
    for token in (request.cookies.get(REFRESH_COOKIE), body.refresh_token if body else None):
        sessions |= _session_of_refresh(token, current_user.id)
    for session_id in sessions:
        auth_service.revoke_session(session_id, current_user.id, "logout")
    sockets.drop_sessions(sessions)
    response = jsonify()
    response.status_code = 204
    unset_jwt_cookies(response)
    return response


@bp.post("/logout-all")
@jwt_required()
@spec.validate(resp=responses({"HTTP_204": None}, 401, 403), tags=["auth"], security=AUTH)
def logout_all() -> ResponseReturnValue:
    """End every session of this user.

    On every device, this one included: all access and refresh tokens are revoked, the
    cookies cleared and the user's sockets closed.
    """
    auth_service.revoke_user_sessions(current_user.id, "logout_all")
    disconnect_user(current_user.id)
    response = jsonify()
    response.status_code = 204
    unset_jwt_cookies(response)
    return response


@bp.post("/password")
# Guessing the current password with a stolen access token is throttled like failed logins.
@limiter.limit(lambda: config().login_rate_limit, deduct_when=_refused)
@jwt_required()
@spec.validate(
    json=PasswordIn, resp=responses({"HTTP_204": None}, 400, 401, 403, 415, 429), tags=["auth"], security=AUTH
)
def change_password() -> ResponseReturnValue:
    """Change the password.

    A wrong `current_password` is a 400 (`invalid_current_password`); failed attempts are
    rate limited like failed logins (429). Every other session of the user is revoked (and
    its sockets closed); the calling session keeps its tokens and goes on working.
    """
    body: PasswordIn = request.context.json  # type: ignore[attr-defined]
    keep = str(get_jwt()[SESSION_CLAIM])
    revoked = auth_service.change_password(current_user, body.current_password, body.new_password, keep)
    sockets.drop_sessions(set(revoked))
    return no_content()


@bp.get("/me")
@jwt_required()
@spec.validate(resp=responses({"HTTP_200": UserEnvelope}, 401), tags=["auth"], security=AUTH)
def me() -> ResponseReturnValue:
    return jsonify(user=user_out(current_user))


def _session_of_refresh(token: str | None, user_id: str) -> set[str]:
    """The session of a refresh token presented at logout, if it is valid and this user's."""
    if not token:
        return set()
    try:
        claims = decode_token(token)
    except (JWTExtendedException, PyJWTError):
        return set()
    session_id = claims.get(SESSION_CLAIM)
    if claims.get("sub") != user_id or claims.get("type") != "refresh" or not session_id:
        return set()
    return {str(session_id)}
