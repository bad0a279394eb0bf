from __future__ import annotations

from pathlib import Path
from typing import IO, cast

from flask import Blueprint, Request, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_jwt_extended import jwt_required

from backend.api.common import config, current_user_id
from backend.api.spec import AUTH, no_content, responses, spec
from backend.errors import ValidationFailed
from backend.pipeline.options import given
from backend.schemas.jobs import (
    CancelIn,
    JobCreateIn,
    JobDetail,
    JobEventList,
    JobEventOut,
    JobList,
    JobListQuery,
    JobOut,
    JobUploadForm,
    RetryIn,
    TranscriptOut,
)
from backend.services import job_views, storage
from backend.services import jobs as job_service
from backend.work.job import JobLifecycle

bp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs")


class UploadRequest(Request):
    """Multipart files stream straight to DATA_DIR/jobs/.incoming/ (never into memory); files
    no job took over are removed when the request ends."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        stream = storage.incoming_file(current_app.extensions["viral_clipper_config"])
        self.__dict__.setdefault("_incoming", []).append(Path(stream.name))
        return stream

    def close(self) -> None:
        super().close()
        for path in self.__dict__.get("_incoming", []):
            path.unlink(missing_ok=True)


def _lifecycle() -> JobLifecycle:
    return cast(JobLifecycle, current_app.extensions["job_lifecycle"])


def _upload(form: JobUploadForm) -> job_service.Upload:
    file, captions = form.file, form.captions
    filename = getattr(file, "filename", None)  # a werkzeug FileStorage at run time
    if not filename or not hasattr(file, "stream"):
        raise ValidationFailed("Attach the video as the `file` part.", {"file": ["required"]})
    file.stream.flush()
    data = captions.read(2 * 1024 * 1024 + 1) if captions is not None and hasattr(captions, "read") else None
    if data is not None and len(data) > 2 * 1024 * 1024:
        raise ValidationFailed("The captions file is too large (2 MiB max).", {"captions": ["too large"]})
    return job_service.Upload(Path(file.stream.name), str(filename), data)


@bp.post("")
@jwt_required()
@spec.validate(
    json=JobCreateIn,
    form=JobUploadForm,
    resp=responses({"HTTP_201": JobOut}, 400, 401, 403, 413, 415, 429),
    tags=["jobs"],
    security=AUTH,
)
def create_job() -> ResponseReturnValue:
    form: JobUploadForm | None = request.context.form  # type: ignore[attr-defined]
    user_id = current_user_id()
    if form is not None:
        options = job_service.parse_options(form.options)
        job = job_service.create_from_upload(user_id, _upload(form), form.priority, options, _lifecycle())
    else:
        body: JobCreateIn = request.context.json  # type: ignore[attr-defined]
        options = given(body.options)
        job = job_service.create_from_url(user_id, body.source_url, body.priority, options, _lifecycle())
    return jsonify(job_views.serialize(job)), 201


@bp.get("")
@jwt_required()
@spec.validate(
    query=JobListQuery, resp=responses({"HTTP_200": JobList}, 400, 401), tags=["jobs"], security=AUTH
)
def list_jobs() -> ResponseReturnValue:
    query: JobListQuery = request.context.query  # type: ignore[attr-defined]
    jobs, total = job_service.page(current_user_id(), query.status, query.limit, query.offset)
    return jsonify(items=job_views.serialize_page(jobs), total=total, limit=query.limit, offset=query.offset)


@bp.get("/<job_id>")
@jwt_required()
@spec.validate(resp=responses({"HTTP_200": JobDetail}, 401, 404), tags=["jobs"], security=AUTH)
def get_job(job_id: str) -> ResponseReturnValue:
    return jsonify(job_views.serialize_detail(job_service.get(current_user_id(), job_id)))


@bp.delete("/<job_id>")
@jwt_required()
@spec.validate(resp=responses({"HTTP_204": None}, 401, 403, 404), tags=["jobs"], security=AUTH)
def delete_job(job_id: str) -> ResponseReturnValue:
    job_service.delete(current_user_id(), job_id, _lifecycle())
    return no_content()


@bp.post("/<job_id>/cancel")
@jwt_required()
@spec.validate(
    json=CancelIn,
    resp=responses({"HTTP_200": JobOut}, 400, 401, 403, 404, 409, 415),
    tags=["jobs"],
    security=AUTH,
)
def cancel_job(job_id: str) -> ResponseReturnValue:
    body: CancelIn | None = request.context.json  # type: ignore[attr-defined]
    job = job_service.cancel(current_user_id(), job_id, body.reason if body else None, _lifecycle())
    return jsonify(job_views.serialize(job))


@bp.post("/<job_id>/retry")
@jwt_required()
@spec.validate(
    json=RetryIn,
    resp=responses({"HTTP_200": JobOut}, 400, 401, 403, 404, 409, 415, 429),
    tags=["jobs"],
    security=AUTH,
)
def retry_job(job_id: str) -> ResponseReturnValue:
    body: RetryIn | None = request.context.json  # type: ignore[attr-defined]
    job = job_service.retry(current_user_id(), job_id, bool(body and body.force), _lifecycle())
    return jsonify(job_views.serialize(job))


@bp.get("/<job_id>/events")
@jwt_required()
@spec.validate(resp=responses({"HTTP_200": JobEventList}, 401, 404), tags=["jobs"], security=AUTH)
def job_events(job_id: str) -> ResponseReturnValue:
    rows = job_service.events(current_user_id(), job_id)
    return jsonify([JobEventOut.model_validate(row).model_dump(mode="json") for row in rows])


@bp.get("/<job_id>/transcript")
@jwt_required()
@spec.validate(resp=responses({"HTTP_200": TranscriptOut}, 401, 404, 409), tags=["jobs"], security=AUTH)
def job_transcript(job_id: str) -> ResponseReturnValue:
    return jsonify(job_service.transcript(current_user_id(), job_id, config()))
