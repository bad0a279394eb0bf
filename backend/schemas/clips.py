"""Clips: the `Clip` serializer (asset URLs, never file paths), list query and PATCH body."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, create_model, field_validator, model_validator

from backend.models.clip import RenderStatus
from backend.pipeline.options import (
    RENDER_OPTIONS,
    JobOptions,
    optional_fields,
    render_values,
    resolved_fields,
)
from backend.schemas.common import OutModel, PageMeta, PageQuery, StrictModel, UTCTime

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def no_control_chars(value: str | None) -> str | None:
    """Refuse control characters other than tab/newline (PostgreSQL cannot even store a NUL)."""
    if value is not None and any((ord(ch) < 32 and ch not in "\t\n\r") or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


class ClipAssets(BaseModel):
    video_url: str
    thumbnail_url: str
    captions_vtt_url: str
    captions_srt_url: str


class CutShift(BaseModel):
    """Seconds each cut moved from its transcript boundary into the nearest pause (+ = later)."""

    start: float
    end: float


class ShotOut(BaseModel):
    """One shot of the clip and the layout it got (seconds from the clip's start)."""

    start: float
    end: float
    layout: Literal["crop", "fit", "split"]
    note: str | None = None  # why the layout asked for could not be used on this shot


class _RenderOptionsBase(BaseModel):
    @model_validator(mode="before")
    @classmethod
    def _newer_options_default(cls, data: Any) -> Any:
        # A clip rendered before a render option existed has no value for it: it reads as the
        # option's default, which is also what a re-render of it would use.
        if isinstance(data, dict):
            return {**_RENDER_DEFAULTS, **data}
        return data


_RENDER_DEFAULTS = render_values(JobOptions.model_validate({}))

if TYPE_CHECKING:
    RenderOptionsOut = _RenderOptionsBase
else:
    RenderOptionsOut = create_model(
        "RenderOptionsOut",
        __base__=_RenderOptionsBase,
        __doc__="The options the clip's current files were rendered with (the re-render form's defaults).",
        **resolved_fields(RENDER_OPTIONS),
    )


class ClipOut(OutModel):
    id: str
    job_id: str
    title: str
    description: str
    start_time: float
    end_time: float
    duration: float
    score: float
    reasoning: str
    key_quote: str
    criteria_matched: list[str]
    tags: list[str]
    transcript_segment: str
    assets: ClipAssets
    width: int | None
    height: int | None
    file_size: int | None
    cut_shift: CutShift | None = None
    format: Literal["vertical", "square", "original"] = "original"
    layout: Literal["crop", "fit", "split", "mixed"] = "fit"
    caption_style: Literal["none", "highlight", "bold", "clean"] = "none"
    loudness: float | None = None
    render_status: RenderStatus = RenderStatus.READY
    render_error: str | None = None
    shots: list[ShotOut] | None = None
    render_options: RenderOptionsOut | None = None
    created_at: UTCTime


def clip_payload(fields: dict[str, Any], asset_urls: dict[str, str]) -> dict[str, Any]:
    """The one `Clip` shape, for the API (row fields, asset URLs) and the CLI's clips.json
    (a rendered clip's fields, asset paths relative to --out); other keys are dropped."""
    known = {name: value for name, value in fields.items() if name in ClipOut.model_fields}
    return ClipOut.model_validate({**known, "assets": asset_urls}).model_dump(mode="json")


class ClipList(PageMeta):
    items: list[ClipOut]


class ClipListQuery(PageQuery):
    job_id: str | None = Field(None, pattern=UUID_PATTERN)


class ClipPatch(StrictModel):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    tags: list[str] | None = Field(None, max_length=30)

    _text = field_validator("title", "description")(no_control_chars)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for tag in value:
            no_control_chars(tag)
            if not tag.strip() or len(tag) > 100:
                raise ValueError("each tag must be 1-100 characters")
        return [tag.strip() for tag in value]


class MediaQuery(StrictModel):
    download: bool = False


class _ClipRenderRange(StrictModel):
    start_time: float | None = Field(None, ge=0)
    end_time: float | None = Field(None, gt=0)
    title: str | None = Field(None, min_length=1, max_length=200)

    _text = field_validator("title")(no_control_chars)


if TYPE_CHECKING:
    ClipRender = _ClipRenderRange
else:
    ClipRender = create_model(
        "ClipRender",
        __base__=_ClipRenderRange,
        __doc__="A re-render: new times (snapped to transcript boundaries, then into silence), another "
        "title, or other render options; anything left out stays as the clip was rendered.",
        **optional_fields(RENDER_OPTIONS),
    )
