from __future__ import annotations

import re

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_jwt_extended import jwt_required

from backend.api.common import config, current_user_id
from backend.api.spec import AUTH, no_content, responses, spec
from backend.errors import NotFound
from backend.pipeline.criteria import CriterionText
from backend.pipeline.options import CRITERIA_NAME
from backend.schemas.criteria import (
    CriteriaDetail,
    CriteriaList,
    CriteriaPut,
    CriteriaQuery,
    CriteriaSummary,
    RevisionList,
    RevisionOut,
)
from backend.services import criteria as criteria_service

bp = Blueprint("criteria", __name__, url_prefix="/api/v1/criteria")


def _check_name(name: str) -> None:
    if not re.match(CRITERIA_NAME, name):
        raise NotFound(f"No criteria named {name!r}.")


def _detail(text: CriterionText) -> dict[str, object]:
    return CriteriaDetail(
        name=text.name,
        title=text.title,
        content=text.content,
        source=text.source,  # type: ignore[arg-type]
        revision=text.revision,
        content_sha256=text.sha256,
    ).model_dump(mode="json")


@bp.get("")
@jwt_required()
@spec.validate(resp=responses({"HTTP_200": CriteriaList}, 401), tags=["criteria"], security=AUTH)
def list_criteria() -> ResponseReturnValue:
    items = criteria_service.list_for_user(current_user_id(), config().criteria_dir)
    return jsonify([CriteriaSummary.model_validate(item).model_dump(mode="json") for item in items])


@bp.get("/<name>")
@jwt_required()
@spec.validate(
    query=CriteriaQuery,
    resp=responses({"HTTP_200": CriteriaDetail}, 400, 401, 404),
    tags=["criteria"],
    security=AUTH,
)
def get_criteria(name: str) -> ResponseReturnValue:
    _check_name(name)
    query: CriteriaQuery = request.context.query  # type: ignore[attr-defined]
    text = criteria_service.get(current_user_id(), name, config().criteria_dir, query.source == "builtin")
    return jsonify(_detail(text))


@bp.put("/<name>")
@jwt_required()
@spec.validate(
    json=CriteriaPut,
    resp=responses({"HTTP_200": CriteriaDetail}, 400, 401, 403, 404, 409, 413, 415),
    tags=["criteria"],
    security=AUTH,
)
def put_criteria(name: str) -> ResponseReturnValue:
    _check_name(name)
    body: CriteriaPut = request.context.json  # type: ignore[attr-defined]
    cfg = config()
    text = criteria_service.save(
        current_user_id(), name, body.content, body.title, cfg.criteria_dir, cfg.max_criteria_revisions
    )
    return jsonify(_detail(text))


@bp.get("/<name>/revisions")
@jwt_required()
@spec.validate(resp=responses({"HTTP_200": RevisionList}, 401, 404), tags=["criteria"], security=AUTH)
def list_revisions(name: str) -> ResponseReturnValue:
    _check_name(name)
    rows = criteria_service.revisions(current_user_id(), name, config().criteria_dir)
    return jsonify([RevisionOut.model_validate(row).model_dump(mode="json") for row in rows])


@bp.delete("/<name>")
@jwt_required()
@spec.validate(resp=responses({"HTTP_204": None}, 401, 403, 404), tags=["criteria"], security=AUTH)
def delete_criteria(name: str) -> ResponseReturnValue:
    _check_name(name)
    criteria_service.remove_user_copy(current_user_id(), name, config().criteria_dir)
    return no_content()
