"""Per-user job defaults and the resolution of a job's options
(request > user settings > server config), all through `backend.pipeline.options`."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from backend.config import Config
from backend.errors import ValidationFailed, fields_from_pydantic
from backend.extensions import db
from backend.models import UserSettings
from backend.pipeline import options as job_options
from backend.pipeline.options import JobOptions
from backend.services import criteria as criteria_service


def server_defaults(config: Config) -> dict[str, Any]:
    return job_options.server_defaults(config, criteria_service.builtin(config.criteria_dir))


def _stored(user_id: str) -> dict[str, Any]:
    row = db.session.get(UserSettings, user_id)
    return dict(row.options) if row else {}


def get(user_id: str, config: Config) -> dict[str, Any]:
    return {**server_defaults(config), **_stored(user_id)}


def put(user_id: str, options: dict[str, Any], config: Config) -> dict[str, Any]:
    """Replace the user's saved defaults with `options` (keys left out fall back to the server's)."""
    resolved = _validated(user_id, server_defaults(config), options, config=config)
    row = db.session.get(UserSettings, user_id) or UserSettings(user_id=user_id)
    row.options = options
    db.session.add(row)
    db.session.commit()
    return resolved.model_dump(mode="json")


def resolve(user_id: str, request_options: dict[str, Any], config: Config) -> JobOptions:
    """The exact options a job runs with, validated as a whole."""
    return _validated(user_id, get(user_id, config), request_options, config=config)


def _validated(user_id: str, *layers: dict[str, Any], config: Config) -> JobOptions:
    try:
        resolved = job_options.resolve(*layers)
    except ValidationError as exc:
        fields = fields_from_pydantic(exc.errors(include_context=False))
        # The merged options' one unnamed model-level rule is min <= max duration: name the field.
        fields = {("min_clip_duration" if key == "__root__" else key): why for key, why in fields.items()}
        raise ValidationFailed("The options are not valid.", fields) from None
    check(user_id, resolved, config)
    return resolved


def check(user_id: str, options: JobOptions, config: Config) -> None:
    """Rules that need the server's state (the model checks the rest)."""
    fields: dict[str, list[str]] = {}
    unknown = sorted(set(options.criteria) - criteria_service.known_names(user_id, config.criteria_dir))
    if unknown:
        fields["criteria"] = [f"unknown criteria: {', '.join(unknown)}"]
    allowed = config.allowed_whisper_models
    if options.whisper_model is not None and options.whisper_model not in allowed:
        fields["whisper_model"] = [f"must be one of the server's models: {', '.join(allowed)}"]
    if fields:
        raise ValidationFailed("The options are not valid.", fields)
