from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, jsonify, request, send_file
from flask.typing import ResponseReturnValue
from flask_jwt_extended import jwt_required

from backend.api import streaming
from backend.api.common import config, current_user_id
from backend.api.http_limits import per_user
from backend.api.spec import AUTH, no_content, responses, spec
from backend.pipeline.options import NULLABLE
from backend.schemas.clips import ClipList, ClipListQuery, ClipOut, ClipPatch, ClipRender, MediaQuery
from backend.services import clips as clip_service
from backend.services import objects
from backend.services import renders as render_service

bp = Blueprint("clips", __name__, url_prefix="/api/v1/clips")


@bp.get("")
@jwt_required()
@spec.validate(
    query=ClipListQuery, resp=responses({"HTTP_200": ClipList}, 400, 401), tags=["clips"], security=AUTH
)
def list_clips() -> ResponseReturnValue:
    query: ClipListQuery = request.context.query  # type: ignore[attr-defined]
    clips, total = clip_service.page(current_user_id(), query.job_id, query.limit, query.offset)
    items = [clip_service.serialize(clip) for clip in clips]
    return jsonify(items=items, total=total, limit=query.limit, offset=query.offset)


@bp.get("/<clip_id>")
@jwt_required()
@spec.validate(resp=responses({"HTTP_200": ClipOut}, 401, 404), tags=["clips"], security=AUTH)
def get_clip(clip_id: str) -> ResponseReturnValue:
    return jsonify(clip_service.serialize(clip_service.get(current_user_id(), clip_id)))


@bp.patch("/<clip_id>")
@jwt_required()
@spec.validate(
    json=ClipPatch,
    resp=responses({"HTTP_200": ClipOut}, 400, 401, 403, 404, 415),
    tags=["clips"],
    security=AUTH,
)
def patch_clip(clip_id: str) -> ResponseReturnValue:
    body: ClipPatch = request.context.json  # type: ignore[attr-defined]
    clip = clip_service.update(current_user_id(), clip_id, body.model_dump(exclude_none=True))
    return jsonify(clip_service.serialize(clip))


@bp.post("/<clip_id>/render")
@jwt_required()
@per_user(lambda: config().render_rate_limit)
@spec.validate(
    json=ClipRender,
    resp=responses({"HTTP_202": ClipOut}, 400, 401, 403, 404, 409, 415, 429),
    tags=["clips"],
    security=AUTH,
)
def render_clip(clip_id: str) -> ResponseReturnValue:
    """Re-render with new times, title or Shorts options; the old files stay served until done."""
    body: ClipRender = request.context.json  # type: ignore[attr-defined]
    # Only what the request set; null means "unchanged" except where it is a value (loudness off).
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k in NULLABLE}
    clip = render_service.request(
        current_user_id(), clip_id, changes, config(), current_app.extensions["job_manager"]
    )
    return jsonify(clip_service.serialize(clip)), 202


@bp.delete("/<clip_id>")
@jwt_required()
@spec.validate(resp=responses({"HTTP_204": None}, 401, 403, 404, 409), tags=["clips"], security=AUTH)
def delete_clip(clip_id: str) -> ResponseReturnValue:
    clip_service.delete(current_user_id(), clip_id, config(), current_app.extensions["job_manager"])
    return no_content()


def documented(
    **kwargs: Any,
) -> Callable[[Callable[..., ResponseReturnValue]], Callable[..., ResponseReturnValue]]:
    """In the OpenAPI document like every route, but served without spectree's response pass:
    it would read a streamed file into memory (and fails on send_file's passthrough body)."""

    def decorate(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
        described = spec.validate(**kwargs)(view)

        @functools.wraps(view)
        def plain(*args: Any, **kw: Any) -> ResponseReturnValue:
            return view(*args, **kw)

        plain.__dict__.update({k: v for k, v in vars(described).items() if k != "__wrapped__"})
        return plain

    return decorate


def _send(clip_id: str, kind: str, attachment: bool = False) -> ResponseReturnValue:
    media = clip_service.media(current_user_id(), clip_id, kind, config())
    if media.path is None:  # STORAGE_BACKEND=s3: streamed from the private bucket (README)
        return streaming.send_object(objects.store_for(config()), media, attachment)
    # conditional=True answers Range requests with 206 (and If-None-Match with 304).
    return send_file(
        media.path,
        mimetype=media.mimetype,
        conditional=True,
        as_attachment=attachment,
        download_name=media.download_name,
        max_age=0,
    )


@bp.get("/<clip_id>/video")
@jwt_required()
@documented(
    query=MediaQuery,
    resp=responses({"HTTP_200": None, "HTTP_206": None}, 400, 401, 404, 416),
    tags=["clips"],
    security=AUTH,
)
def clip_video(clip_id: str) -> ResponseReturnValue:
    query = MediaQuery.model_validate(request.args.to_dict())
    return _send(clip_id, "video", attachment=query.download)


@bp.get("/<clip_id>/thumbnail")
@jwt_required()
@documented(resp=responses({"HTTP_200": None}, 401, 404), tags=["clips"], security=AUTH)
def clip_thumbnail(clip_id: str) -> ResponseReturnValue:
    return _send(clip_id, "thumbnail")


@bp.get("/<clip_id>/captions.vtt")
@jwt_required()
@documented(resp=responses({"HTTP_200": None}, 401, 404), tags=["clips"], security=AUTH)
def clip_captions_vtt(clip_id: str) -> ResponseReturnValue:
    return _send(clip_id, "captions.vtt")


@bp.get("/<clip_id>/captions.srt")
@jwt_required()
@documented(resp=responses({"HTTP_200": None}, 401, 404), tags=["clips"], security=AUTH)
def clip_captions_srt(clip_id: str) -> ResponseReturnValue:
    return _send(clip_id, "captions.srt")
