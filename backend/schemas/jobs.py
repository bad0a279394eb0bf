"""Jobs: request bodies, the `Job` serializer (REST and Socket.IO share it) and job events."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, RootModel, field_validator
from spectree import BaseFile

from backend.models.job import JobEventType, JobStage, JobStatus
from backend.pipeline.options import JobOptionsIn
from backend.schemas.clips import ClipOut, no_control_chars
from backend.schemas.common import OutModel, PageMeta, PageQuery, StrictModel, UTCTime
from backend.schemas.publications import PublicationOut

# The API's names are the enums' values (backend/models): one list, exported in the OpenAPI document.
JobStatusName = JobStatus


class JobCreateIn(StrictModel):
    source_url: str = Field(min_length=1, max_length=2048)
    priority: int = Field(5, ge=0, le=10, description="higher runs first")
    options: JobOptionsIn | None = None

    _text = field_validator("source_url")(no_control_chars)


class JobUploadForm(StrictModel):
    """multipart/form-data: the video, optional SRT/VTT captions, options as a JSON string."""

    file: BaseFile
    captions: BaseFile | None = None
    options: str | None = Field(None, max_length=20000, description="JobOptions as a JSON object string")
    priority: int = Field(5, ge=0, le=10)

    _text = field_validator("options")(no_control_chars)


class JobListQuery(PageQuery):
    status: JobStatusName | None = None


class CancelIn(StrictModel):
    reason: str | None = Field(None, max_length=500)

    _text = field_validator("reason")(no_control_chars)


class RetryIn(StrictModel):
    force: bool = False


class StagePlan(BaseModel):
    """One step of this job's pipeline and its slice of the job's 0-100 progress."""

    name: JobStage
    label: str
    start: float
    end: float


class JobOut(OutModel):
    id: str
    source_url: str | None
    source_type: str
    video_title: str | None
    video_duration: float | None
    thumbnail_url: str | None
    status: JobStatusName
    stage: JobStage | None
    progress: float
    priority: int
    options: dict[str, Any]
    error_message: str | None
    created_at: UTCTime
    updated_at: UTCTime
    started_at: UTCTime | None
    completed_at: UTCTime | None
    clip_count: int = 0
    queue_position: int | None = Field(None, description="1 = next to run; null unless queued")
    stages: list[StagePlan] = Field(default_factory=list, description="this job's stages, in order")


class JobDetail(JobOut):
    clips: list[ClipOut]
    publications: list[PublicationOut] = Field(
        default_factory=list, description="the publications the job started (option `publish`), oldest first"
    )


class JobList(PageMeta):
    items: list[JobOut]


class JobEventOut(OutModel):
    id: str
    job_id: str
    type: JobEventType
    status: str | None
    stage: str | None
    progress: float | None
    message: str | None
    created_at: UTCTime


class JobEventList(RootModel[list[JobEventOut]]):
    """A bare JSON array of events (CONTRACTS §3)."""


class Word(BaseModel):
    start: float
    end: float
    word: str


class TranscriptSegment(BaseModel):
    start: float
    end: float
    text: str
    words: list[Word] | None = None


class TranscriptOut(BaseModel):
    language: str
    text: str
    segments: list[TranscriptSegment]
    source: Literal["whisper", "captions"]
