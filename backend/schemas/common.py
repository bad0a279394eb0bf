from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer


def iso_utc(value: datetime) -> str:
    """ISO-8601 UTC with a `Z`, as CONTRACTS §1 asks."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


UTCTime = Annotated[datetime, PlainSerializer(iso_utc, return_type=str)]


class StrictModel(BaseModel):
    """Request bodies: unknown keys are a 400, never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutModel(BaseModel):
    """Responses: built from ORM objects by attribute, only the declared fields go out."""

    model_config = ConfigDict(from_attributes=True)


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody


# Beyond this no user has rows to skip; above 2**63 the databases overflow (it was a 500).
MAX_OFFSET = 2**31 - 1


class PageQuery(StrictModel):
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PageMeta(BaseModel):
    total: int
    limit: int
    offset: int
