"""The SpecTree instance: validates requests with the pydantic schemas and generates
`/api/v1/openapi.json` from the very same schemas."""

from __future__ import annotations

from typing import Any

from flask import Request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

from backend import __version__
from backend.errors import ValidationFailed, fields_from_pydantic
from backend.schemas.common import ErrorEnvelope


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
