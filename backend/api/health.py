from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from backend import __version__
from backend.api.common import config
from backend.api.spec import responses, spec
from backend.pipeline.shorts.detector import detector_name
from backend.schemas.health import HealthOut, RootOut
from backend.services import health as health_service

bp = Blueprint("health", __name__)


def _queue() -> dict[str, int]:
    return dict(current_app.extensions["job_manager"].stats())


@bp.get("/health")
@spec.validate(resp=responses({"HTTP_200": HealthOut, "HTTP_503": HealthOut}), tags=["health"])
def health() -> ResponseReturnValue:
    db_ok = health_service.database_ok()
    ffmpeg = health_service.ffmpeg_version()
    failing = [name for name, ok in (("db", db_ok), ("ffmpeg", ffmpeg is not None)) if not ok]
    body = {
        "status": "ok" if not failing else "unavailable: " + ", ".join(failing),
        "db": "ok" if db_ok else "unavailable",
        "ffmpeg": ffmpeg or "unavailable",
        "queue": _queue() if db_ok else {"queued": 0, "running": 0, "workers": config().job_workers},
        "detector": detector_name(),
        "version": __version__,
    }
    return jsonify(body), (200 if not failing else 503)


@bp.get("/")
@spec.validate(resp=responses({"HTTP_200": RootOut}), tags=["health"])
def root() -> ResponseReturnValue:
    links = {
        "health": "/health",
        "api": "/api/v1",
        "openapi": "/api/v1/openapi.json",
        "docs": "/api/v1/docs/swagger/",
    }
    return jsonify(name="Viral Clipper API", version=__version__, links=links)


@bp.get("/api/v1/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3 document spectree builds from the request/response schemas."""
    return jsonify(spec.spec)
