"""Publications (CONTRACTS §10): the `Publication` serializer, the publish body, the list query."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from backend.schemas.clips import UUID_PATTERN, no_control_chars
from backend.schemas.common import OutModel, PageMeta, PageQuery, StrictModel, UTCTime

PrivacyStatus = Literal["private", "unlisted", "public"]
PublicationStatusName = Literal["queued", "uploading", "processing", "published", "failed", "cancelled"]


class PublicationStats(BaseModel):
    views: int
    likes: int
    comments: int
    refreshed_at: UTCTime


class PublicationOut(OutModel):
    id: str
    clip_id: str
    job_id: str
    status: PublicationStatusName
    progress: float
    title: str
    privacy_status: PrivacyStatus
    publish_at: UTCTime | None
    youtube_video_id: str | None
    url: str | None
    warning: str | None
    error_code: str | None
    error_message: str | None
    stats: PublicationStats | None
    created_at: UTCTime
    updated_at: UTCTime


class PublicationList(PageMeta):
    items: list[PublicationOut]


class PublicationListQuery(PageQuery):
    clip_id: str | None = Field(None, pattern=UUID_PATTERN)
    status: PublicationStatusName | None = None


class PublicationProgress(BaseModel):
    """Throttled upload progress of one publication."""

    publication_id: str
    clip_id: str
    status: PublicationStatusName
    progress: float


class PublishIn(StrictModel):
    title: str | None = Field(None, min_length=1, max_length=500)
    description: str | None = Field(None, max_length=20000)
    tags: list[str] | None = Field(None, max_length=60)
    privacy_status: PrivacyStatus
    publish_at: datetime | None = None
    made_for_kids: bool = False
    confirm_rights: bool = False
    force: bool = False

    _text = field_validator("title", "description")(no_control_chars)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        for tag in value or []:
            no_control_chars(tag)
        return value

    @field_validator("publish_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("must carry a time zone (UTC: a trailing Z)")
        if value <= datetime.now(UTC):
            raise ValueError("must be in the future")
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _scheduling_is_private(self) -> PublishIn:
        # YouTube's rule: a scheduled video stays private until publishAt, then goes public.
        if self.publish_at is not None and self.privacy_status != "private":
            raise ValueError("publish_at requires privacy_status 'private'")
        return self
