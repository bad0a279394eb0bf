"""Small helpers the blueprints share: the app's Config, the current user, serialisers."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_jwt_extended import current_user

from backend.config import CONFIG_KEY, Config
from backend.models import User
from backend.schemas.auth import UserOut
from backend.services import auth as auth_service

__all__ = ["CONFIG_KEY", "config", "current_user_id", "user_out"]


def config() -> Config:
    cfg: Config = current_app.extensions[CONFIG_KEY]
    return cfg


def current_user_id() -> str:
    return str(current_user.id)


def user_out(user: User) -> dict[str, Any]:
    data = UserOut.model_validate(user).model_dump(mode="json")
    data["storage_bytes"] = auth_service.storage_used(user.id)
    return data
