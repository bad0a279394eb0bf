"""Publications (CONTRACTS §10): the `Publication` serializer, the publish body, the list query."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator, model_validator

from backend.models.youtube import PublicationStatus
from backend.pipeline.options import PrivacyStatus, future_utc, scheduled_is_private
from backend.schemas.clips import UUID_PATTERN, no_control_chars
from backend.schemas.common import OutModel, PageMeta, PageQuery, StrictModel, UTCTime

PublicationStatusName = PublicationStatus  # the enum's values (backend/models/youtube.py)


class PublicationStats(BaseModel):
    views: int
    likes: int
    comments: int
    refreshed_at: UTCTime


class PublicationOut(OutModel):
    id: str
    # null once the clip (or job) was deleted: the record of a published video stays.
    clip_id: str | None
    job_id: str | None
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


class StatsPoint(BaseModel):
    views: int
    likes: int
    comments: int
    recorded_at: UTCTime


class StatsHistory(BaseModel):
    """Every reading kept for a published video, oldest first (the dashboard's chart)."""

    publication_id: str
    items: list[StatsPoint]


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

    # The job option `publish` follows the same rules (one definition of each).
    _future = field_validator("publish_at")(future_utc)

    @model_validator(mode="after")
    def _scheduling_is_private(self) -> PublishIn:
        scheduled_is_private(self.privacy_status, self.publish_at)
        return self
