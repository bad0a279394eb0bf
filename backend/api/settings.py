from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_jwt_extended import jwt_required

from backend.api.common import config, current_user_id
from backend.api.spec import AUTH, responses, spec
from backend.pipeline.options import JobOptions, JobOptionsIn, given
from backend.services import settings as settings_service

bp = Blueprint("settings", __name__, url_prefix="/api/v1/settings")


@bp.get("")
@jwt_required()
@spec.validate(resp=responses({"HTTP_200": JobOptions}, 401), tags=["settings"], security=AUTH)
def get_settings() -> ResponseReturnValue:
    return jsonify(settings_service.get(current_user_id(), config()))


@bp.put("")
@jwt_required()
@spec.validate(
    json=JobOptionsIn,
    resp=responses({"HTTP_200": JobOptions}, 400, 401, 403, 415),
    tags=["settings"],
    security=AUTH,
)
def put_settings() -> ResponseReturnValue:
    body: JobOptionsIn = request.context.json  # type: ignore[attr-defined]
    saved = settings_service.put(current_user_id(), given(body), config())
    return jsonify(saved)
