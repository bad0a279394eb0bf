from __future__ import annotations

import re
from typing import Self

from pydantic import Field, field_validator, model_validator

from backend.schemas.common import OutModel, StrictModel

CRITERIA_NAME = r"^[a-z0-9_]{1,64}$"
_LANGUAGE = re.compile(r"^(auto|[a-z]{2,3}(-[A-Za-z]{2,4})?)$")


class JobOptionsIn(StrictModel):
    """Every job option of CONTRACTS §3; all optional (defaults: settings, then config)."""

    language: str | None = Field(None, max_length=12, description='"auto" or an ISO 639 code')
    whisper_model: str | None = Field(None, min_length=1, max_length=200)
    use_source_captions: bool | None = None
    criteria: list[str] | None = Field(None, max_length=20)
    prompt: str | None = Field(None, max_length=2000)
    min_clip_duration: float | None = Field(None, ge=3, le=600)
    max_clip_duration: float | None = Field(None, ge=3, le=600)
    max_clips: int | None = Field(None, ge=1, le=50)
    min_score: float | None = Field(None, ge=0, le=1)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is not None and not _LANGUAGE.match(value):
            raise ValueError('must be "auto" or an ISO 639 language code such as "en"')
        return value

    @field_validator("criteria")
    @classmethod
    def _criteria(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for name in value:
            if not re.match(CRITERIA_NAME, name):
                raise ValueError(f"{name!r} is not a criteria name")
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        low, high = self.min_clip_duration, self.max_clip_duration
        if low is not None and high is not None and low > high:
            raise ValueError("min_clip_duration must not exceed max_clip_duration")
        return self


class SettingsOut(OutModel):
    language: str
    whisper_model: str
    use_source_captions: bool
    criteria: list[str]
    prompt: str
    min_clip_duration: float
    max_clip_duration: float
    max_clips: int
    min_score: float
