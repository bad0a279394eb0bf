from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
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
from backend.api.spec import AUTH, responses, spec
from backend.extensions import limiter
from backend.realtime.emitter import disconnect_user
from backend.schemas.auth import (
    LoginIn,
    LoginOut,
    LogoutIn,
    RefreshOut,
    RegisterIn,
    UserEnvelope,
    normalize_email,
)
from backend.services import auth as auth_service

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")


def _email_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return "login-email:" + (normalize_email(email) if isinstance(email, str) else "")


def _failed(response: ResponseReturnValue) -> bool:
    return getattr(response, "status_code", 200) == 401


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
    body: LoginIn = request.context.json  # type: ignore[attr-defined]
    user = auth_service.authenticate(body.email, body.password)
    access, refresh = create_access_token(identity=user), create_refresh_token(identity=user)
    response = jsonify(user=user_out(user), access_token=access, refresh_token=refresh)
    set_access_cookies(response, access)
    set_refresh_cookies(response, refresh)
    return response


@bp.post("/refresh")
@jwt_required(refresh=True)
@spec.validate(resp=responses({"HTTP_200": RefreshOut}, 401, 403), tags=["auth"], security=AUTH)
def refresh() -> ResponseReturnValue:
    access = create_access_token(identity=current_user)
    response = jsonify(access_token=access)
    set_access_cookies(response, access)
    return response


@bp.post("/logout")
@jwt_required()
@spec.validate(
    json=LogoutIn, resp=responses({"HTTP_204": None}, 400, 401, 403, 415), tags=["auth"], security=AUTH
)
def logout() -> ResponseReturnValue:
    claims = get_jwt()
    auth_service.revoke(claims["jti"], current_user.id, claims["type"], claims["exp"])
    _revoke_refresh(request.cookies.get("refresh_token_cookie"), current_user.id)
    body: LogoutIn | None = request.context.json  # type: ignore[attr-defined]
    _revoke_refresh(body.refresh_token if body else None, current_user.id)
    disconnect_user(current_user.id)
    response = jsonify()
    response.status_code = 204
    unset_jwt_cookies(response)
    return response


@bp.get("/me")
@jwt_required()
@spec.validate(resp=responses({"HTTP_200": UserEnvelope}, 401), tags=["auth"], security=AUTH)
def me() -> ResponseReturnValue:
    return jsonify(user=user_out(current_user))


def _revoke_refresh(token: str | None, user_id: str) -> None:
    """Revoke a refresh token presented at logout, if it is valid and belongs to this user."""
    if not token:
        return
    try:
        claims = decode_token(token)
    except (JWTExtendedException, PyJWTError):
        return
    if claims.get("sub") == user_id and claims.get("type") == "refresh":
        auth_service.revoke(claims["jti"], user_id, "refresh", claims["exp"])
