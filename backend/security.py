"""JWT wiring: where tokens are read from, revocation, and token errors in our envelope (401)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask_jwt_extended.exceptions import CSRFError

from backend.config import Config
from backend.errors import envelope
from backend.extensions import jwt
from backend.models import User
from backend.services import auth as auth_service


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
        return auth_service.is_revoked(payload["jti"])

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
