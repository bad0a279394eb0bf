from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_jwt_extended import jwt_required

from backend.api.common import config, current_user_id
from backend.api.http_limits import per_user
from backend.api.spec import AUTH, no_content, responses, spec
from backend.schemas.youtube import CallbackIn, ConnectOut, YouTubeStatus
from backend.services import youtube as youtube_service

bp = Blueprint("youtube", __name__, url_prefix="/api/v1/youtube")


@bp.get("")
@jwt_required()
@spec.validate(resp=responses({"HTTP_200": YouTubeStatus}, 401), tags=["youtube"], security=AUTH)
def get_status() -> ResponseReturnValue:
    # Answers even without a Google client (`configured: false`): every dashboard page reads it.
    return jsonify(youtube_service.status(current_user_id(), config()))


@bp.post("/connect")
@jwt_required()
@per_user(lambda: config().connect_rate_limit)  # each attempt stores a state row
@spec.validate(resp=responses({"HTTP_200": ConnectOut}, 401, 429, 503), tags=["youtube"], security=AUTH)
def connect() -> ResponseReturnValue:
    return jsonify(authorization_url=youtube_service.connect(current_user_id(), config()))


@bp.post("/callback")
@jwt_required()
@spec.validate(
    json=CallbackIn,
    resp=responses({"HTTP_200": YouTubeStatus}, 400, 401, 415, 503),
    tags=["youtube"],
    security=AUTH,
)
def callback() -> ResponseReturnValue:
    body: CallbackIn = request.context.json  # type: ignore[attr-defined]
    return jsonify(youtube_service.callback(current_user_id(), body.code, body.state, config()))


@bp.delete("")
@jwt_required()
@spec.validate(resp=responses({"HTTP_204": None}, 401, 503), tags=["youtube"], security=AUTH)
def unlink() -> ResponseReturnValue:
    youtube_service.unlink(current_user_id(), config())
    return no_content()
