from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_jwt_extended import jwt_required

from backend.api.common import config, current_user_id
from backend.api.http_limits import per_user
from backend.api.spec import AUTH, no_content, responses, spec
from backend.schemas.publications import (
    PublicationList,
    PublicationListQuery,
    PublicationOut,
    PublishIn,
    StatsHistory,
    StatsPoint,
)
from backend.services import publications as pub_service
from backend.services import stats as stats_service
from backend.services.youtube import require_configured

bp = Blueprint("publications", __name__, url_prefix="/api/v1")


@bp.before_request
def _youtube_configured() -> None:
    """CONTRACTS §10: without a Google client every publication endpoint answers 503."""
    require_configured(config())


def _manager() -> Any:
    return current_app.extensions["job_manager"]


def _emitter() -> Any:
    return current_app.extensions["job_lifecycle"].emitter


@bp.post("/clips/<clip_id>/publish")
@jwt_required()
@per_user(lambda: config().publish_rate_limit)
@spec.validate(
    json=PublishIn,
    resp=responses({"HTTP_202": PublicationOut}, 400, 401, 404, 409, 415, 429, 503),
    tags=["publications"],
    security=AUTH,
)
def publish(clip_id: str) -> ResponseReturnValue:
    body: PublishIn = request.context.json  # type: ignore[attr-defined]
    pub = pub_service.create(current_user_id(), clip_id, body, config(), _manager(), _emitter())
    return jsonify(pub_service.serialize(pub)), 202


@bp.get("/publications")
@jwt_required()
@spec.validate(
    query=PublicationListQuery,
    resp=responses({"HTTP_200": PublicationList}, 400, 401, 503),
    tags=["publications"],
    security=AUTH,
)
def list_publications() -> ResponseReturnValue:
    query: PublicationListQuery = request.context.query  # type: ignore[attr-defined]
    rows, total = pub_service.page(current_user_id(), query.clip_id, query.status, query.limit, query.offset)
    return jsonify(
        items=[pub_service.serialize(p) for p in rows], total=total, limit=query.limit, offset=query.offset
    )


@bp.get("/publications/<publication_id>")
@jwt_required()
@spec.validate(
    resp=responses({"HTTP_200": PublicationOut}, 401, 404, 503), tags=["publications"], security=AUTH
)
def get_publication(publication_id: str) -> ResponseReturnValue:
    return jsonify(pub_service.serialize(pub_service.get(current_user_id(), publication_id)))


@bp.get("/publications/<publication_id>/stats")
@jwt_required()
@spec.validate(
    resp=responses({"HTTP_200": StatsHistory}, 401, 404, 503), tags=["publications"], security=AUTH
)
def stats_history(publication_id: str) -> ResponseReturnValue:
    rows = pub_service.stats_history(current_user_id(), publication_id)
    points = [StatsPoint.model_validate(row, from_attributes=True) for row in rows]
    return jsonify(StatsHistory(publication_id=publication_id, items=points).model_dump(mode="json"))


@bp.post("/publications/<publication_id>/retry")
@jwt_required()
@spec.validate(
    resp=responses({"HTTP_202": PublicationOut}, 401, 404, 409, 503), tags=["publications"], security=AUTH
)
def retry_publication(publication_id: str) -> ResponseReturnValue:
    pub = pub_service.retry(current_user_id(), publication_id, config(), _manager(), _emitter())
    return jsonify(pub_service.serialize(pub)), 202


@bp.delete("/publications/<publication_id>")
@jwt_required()
@spec.validate(resp=responses({"HTTP_204": None}, 401, 404, 503), tags=["publications"], security=AUTH)
def cancel_publication(publication_id: str) -> ResponseReturnValue:
    pub_service.cancel(current_user_id(), publication_id, config(), _manager(), _emitter())
    return no_content()


@bp.post("/publications/<publication_id>/refresh-stats")
@jwt_required()
@per_user(lambda: config().stats_refresh_rate_limit)
@spec.validate(
    resp=responses({"HTTP_200": PublicationOut}, 401, 404, 409, 429, 503),
    tags=["publications"],
    security=AUTH,
)
def refresh_stats(publication_id: str) -> ResponseReturnValue:
    """Fresh statistics from YouTube; within STATS_REFRESH_MIN_SECONDS of the last reading, that
    reading (without calling Google). 409 youtube_relink_required, 503 youtube_quota_exceeded."""
    pub = pub_service.get(current_user_id(), publication_id)
    return jsonify(pub_service.serialize(stats_service.refresh_one(config(), pub)))
