"""Per-user job defaults and the resolution of a job's options
(request > user settings > server config)."""

from __future__ import annotations

from typing import Any

from backend.config import Config
from backend.errors import ValidationFailed
from backend.extensions import db
from backend.models import UserSettings
from backend.pipeline.options import JobOptions
from backend.services import criteria as criteria_service

DEFAULT_CRITERIA = ("viral_hooks", "emotional_peaks", "storytelling", "educational_value")


def server_defaults(config: Config) -> dict[str, Any]:
    known = criteria_service.builtin(config.criteria_dir)
    return {
        "language": "auto",
        "whisper_model": config.whisper_model,
        "use_source_captions": True,
        "criteria": [name for name in DEFAULT_CRITERIA if name in known] or sorted(known)[:4],
        "prompt": "",
        "min_clip_duration": config.default_min_clip_duration,
        "max_clip_duration": config.default_max_clip_duration,
        "max_clips": config.default_max_clips,
        "min_score": config.default_min_score,
    }


def _stored(user_id: str) -> dict[str, Any]:
    row = db.session.get(UserSettings, user_id)
    return dict(row.options) if row else {}


def get(user_id: str, config: Config) -> dict[str, Any]:
    return {**server_defaults(config), **_stored(user_id)}


def put(user_id: str, options: dict[str, Any], config: Config) -> dict[str, Any]:
    """Replace the user's saved defaults with `options` (keys left out fall back to the server's)."""
    merged = {**server_defaults(config), **options}
    check(user_id, merged, config)
    row = db.session.get(UserSettings, user_id) or UserSettings(user_id=user_id)
    row.options = options
    db.session.add(row)
    db.session.commit()
    return merged


def check(user_id: str, merged: dict[str, Any], config: Config) -> None:
    """Rules that need more than one field or the database (the schema checks the rest)."""
    fields: dict[str, list[str]] = {}
    if merged["min_clip_duration"] > merged["max_clip_duration"]:
        fields["min_clip_duration"] = ["must not exceed max_clip_duration"]
    unknown = sorted(set(merged["criteria"]) - criteria_service.known_names(user_id, config.criteria_dir))
    if unknown:
        fields["criteria"] = [f"unknown criteria: {', '.join(unknown)}"]
    if fields:
        raise ValidationFailed("The options are not valid.", fields)


def resolve(user_id: str, request_options: dict[str, Any], config: Config) -> JobOptions:
    """The exact options a job runs with, validated as a whole."""
    merged = {**get(user_id, config), **request_options}
    check(user_id, merged, config)
    merged["criteria"] = tuple(merged["criteria"])
    return JobOptions(**merged)
