from __future__ import annotations

from typing import Literal

from pydantic import Field, RootModel

from backend.schemas.common import OutModel, StrictModel, UTCTime


class CriteriaSummary(OutModel):
    name: str
    title: str
    source: Literal["builtin", "user"]
    revision: int
    updated_at: UTCTime | None = None


class CriteriaList(RootModel[list[CriteriaSummary]]):
    pass


class CriteriaDetail(OutModel):
    name: str
    title: str
    content: str
    source: Literal["builtin", "user"]
    revision: int
    content_sha256: str


class CriteriaQuery(StrictModel):
    source: Literal["effective", "builtin"] = "effective"


class CriteriaPut(StrictModel):
    content: str = Field(min_length=1, max_length=50_000)
    title: str | None = Field(None, min_length=1, max_length=200)


class RevisionOut(OutModel):
    revision: int
    created_at: UTCTime
    content_sha256: str


class RevisionList(RootModel[list[RevisionOut]]):
    pass
