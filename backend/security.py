"""JWT wiring: where tokens are read from, revocation, and token errors in our envelope (401)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask_jwt_extended import create_access_token, create_refresh_token
from flask_jwt_extended.exceptions import CSRFError

from backend.config import Config
from backend.errors import envelope
from backend.extensions import jwt
from backend.models import User
from backend.services import auth as auth_service

# The claim naming the login session (token family) every token belongs to.
SESSION_CLAIM = "fam"


def issue_tokens(user_id: str, session_id: str, refresh_jti: str) -> tuple[str, str]:
    """An access token and the session's current refresh token (its jti is the one the session
    expects next), both tagged with the session so that revoking it revokes them."""
    claims = {SESSION_CLAIM: session_id}
    access = create_access_token(identity=user_id, additional_claims=claims)
    refresh = create_refresh_token(identity=user_id, additional_claims={**claims, "jti": refresh_jti})
    return access, refresh


def jwt_settings(config: Config) -> dict[str, Any]:
    from datetime import timedelta

    return {
        "JWT_SECRET_KEY": config.jwt_secret_key,
        "JWT_TOKEN_LOCATION": ["headers", "cookies"],
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=config.access_token_minutes),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=config.refresh_token_days),
        "JWT_COOKIE_SECURE": bool(config.cookie_secure),
        "JWT_COOKIE_SAMESITE": "Lax",
        "JWT_COOKIE_CSRF_PROTECT": True,
        "JWT_CSRF_IN_COOKIES": True,
        "JWT_ACCESS_COOKIE_PATH": "/",
        "JWT_REFRESH_COOKIE_PATH": "/api/v1/auth/",
        "JWT_ACCESS_CSRF_COOKIE_PATH": "/",
        "JWT_REFRESH_CSRF_COOKIE_PATH": "/",
        "JWT_SESSION_COOKIE": False,
    }


def _unauthorized(message: str) -> Response:
    return envelope(401, "unauthorized", message)


def register_jwt_handlers(app: Flask) -> None:
    @jwt.user_identity_loader
    def _identity(user: User | str) -> str:
        return user.id if isinstance(user, User) else str(user)

    @jwt.user_lookup_loader
    def _lookup(_header: dict[str, Any], payload: dict[str, Any]) -> User | None:
        return auth_service.get_user(payload["sub"])

    @jwt.token_in_blocklist_loader
    def _revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
        # Per session, not per token: logout, logout-all and a password change revoke the
        # access token and every refresh token of a login at once. Whether a refresh token is
        # the session's current one is the refresh route's business (reuse revokes the session).
        return not auth_service.is_session_active(payload.get(SESSION_CLAIM))

    # flask-jwt-extended answers 401/422 with its own body; every case is a 401 in our envelope.
    jwt.unauthorized_loader(lambda reason: _unauthorized("Authentication required."))
    jwt.invalid_token_loader(lambda reason: _unauthorized("The token is invalid."))
    jwt.expired_token_loader(lambda _h, _p: _unauthorized("The token has expired."))
    jwt.revoked_token_loader(lambda _h, _p: _unauthorized("The token has been revoked."))
    jwt.needs_fresh_token_loader(lambda _h, _p: _unauthorized("A fresh login is required."))
    jwt.user_lookup_error_loader(lambda _h, _p: _unauthorized("The account no longer exists."))
    jwt.token_verification_failed_loader(lambda _h, _p: _unauthorized("The token was refused."))

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError) -> Response:
        return envelope(403, "csrf_failed", "The CSRF token is missing or does not match.")
