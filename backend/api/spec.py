"""The SpecTree instance: validates requests with the pydantic schemas and generates
`/api/v1/openapi.json` from the very same schemas."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Request, send_from_directory
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

from backend import __version__
from backend.errors import NotFound, ValidationFailed, fields_from_pydantic
from backend.realtime.events import SocketEvents
from backend.schemas.common import ErrorEnvelope

DOCS_ASSETS = "/api/v1/docs/assets"
# The Swagger UI page loads only these files, all served by the app itself (no CDN): the
# swagger-ui dist shipped by the `swagger-ui-py` package, plus our own start script.
_DIST_FILES = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"}
)
_START_SCRIPT = """window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
});
"""
# A str.format template (spectree fills `spec_url`); no inline script, no other host.
_SWAGGER_PAGE = f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Viral Clipper API</title>
    <link rel="stylesheet" href="{DOCS_ASSETS}/swagger-ui.css">
    <link rel="icon" type="image/png" href="{DOCS_ASSETS}/favicon-32x32.png">
  </head>
  <body>
    <div id="swagger-ui" data-spec-url="{{spec_url}}"></div>
    <script src="{DOCS_ASSETS}/swagger-ui-bundle.js"></script>
    <script src="{DOCS_ASSETS}/swagger-ui-standalone-preset.js"></script>
    <script src="{DOCS_ASSETS}/start.js"></script>
  </body>
</html>
"""

docs_assets = Blueprint("docs_assets", __name__, url_prefix=DOCS_ASSETS)


@cache
def _swagger_dist() -> Path | None:
    # Located without importing the package (its __init__ pulls in its own web handlers).
    found = importlib.util.find_spec("swagger_ui")
    if found is None or not found.submodule_search_locations:
        return None
    return Path(next(iter(found.submodule_search_locations))) / "static"


@docs_assets.get("/<name>")
def swagger_asset(name: str) -> ResponseReturnValue:
    if name == "start.js":
        return _START_SCRIPT, 200, {"Content-Type": "text/javascript; charset=utf-8"}
    dist = _swagger_dist()
    if name not in _DIST_FILES or dist is None:
        raise NotFound("No such documentation asset.")
    return send_from_directory(dist, name, max_age=86400)


def _before(req: Request, resp: Any, req_validation_error: Any, instance: Any) -> None:
    """Turn spectree's validation failure into our envelope (400 with `fields`)."""
    if req_validation_error is None:
        return
    fields = fields_from_pydantic(req_validation_error.errors(include_context=False))
    raise ValidationFailed("The request is not valid.", fields)


spec = SpecTree(
    "flask",
    title="Viral Clipper API",
    version=__version__,
    path="api/v1/docs",
    filename="openapi.json",
    openapi_version="3.1.0",
    before=_before,
    validation_error_status=400,
    validation_error_model=ErrorEnvelope,
    annotations=False,
    # Plain model names keep the generated TypeScript types readable.
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda parent, child: child,
    # Only Swagger UI, on assets the app serves; spectree's other pages load from CDNs.
    page_templates={"swagger": _SWAGGER_PAGE},
    security_schemes=[
        SecurityScheme(
            name="bearer",
            data=SecuritySchemeData.parse_obj({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
        ),
        SecurityScheme(
            name="cookie",
            data=SecuritySchemeData.parse_obj(
                {"type": "apiKey", "in": "cookie", "name": "access_token_cookie"}
            ),
        ),
    ],
)

# The Socket.IO events are no route, but their payloads belong in the same document, so the
# dashboard's socket types are generated like its REST types.
spec._add_model(SocketEvents, mode="serialization")

# Either scheme authenticates (alternatives, not both at once).
AUTH: list[dict[str, list[str]]] = [{"bearer": []}, {"cookie": []}]


def responses(ok: dict[str, type[BaseModel] | None], *errors: int) -> Response:
    """A spectree Response: the success models plus our envelope for each listed error status."""
    codes: dict[str, Any] = dict(ok)
    for status in errors:
        codes[f"HTTP_{status}"] = ErrorEnvelope
    return Response(**codes)


def no_content() -> ResponseReturnValue:
    return "", 204
