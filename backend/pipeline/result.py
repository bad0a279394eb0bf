"""What a pipeline run produces (PipelineResult), in the shape the JobManager and CLI persist."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# RenderedClip field -> the clips row / Clip schema field, where the names differ.
ROW_NAMES = {"index": "rank", "srt_path": "captions_srt_path", "vtt_path": "captions_vtt_path"}


@dataclass(frozen=True)
class RenderedClip:
    """One clip; asset paths are RELATIVE to the job dir."""

    index: int
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
    video_path: str
    thumbnail_path: str
    srt_path: str
    vtt_path: str
    width: int
    height: int
    file_size: int
    # How far each cut moved from the transcript boundary into the pause next to it (s, + = later).
    cut_shift: dict[str, float] | None = None
    # Shorts rendering (CONTRACTS §9); the defaults describe a clip rendered before it existed.
    format: str = "original"
    layout: str = "fit"  # what was used: crop, fit, split or mixed
    caption_style: str = "none"
    loudness: float | None = None  # the delivered file's integrated LUFS
    shots: list[dict[str, Any]] | None = None  # [{start, end, layout}] from the clip's start
    render_options: dict[str, Any] | None = None  # the options it was rendered with

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def row_fields(self) -> dict[str, Any]:
        """The clip under the names of the `clips` row and the `Clip` schema (the one mapping)."""
        data = {ROW_NAMES.get(name, name): value for name, value in asdict(self).items()}
        data["title"] = self.title[:200]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RenderedClip:
        return cls(**data)


@dataclass(frozen=True)
class SourceMetadata:
    title: str
    duration: float
    channel: str | None = None
    thumbnail_url: str | None = None


@dataclass(frozen=True)
class TranscriptInfo:
    language: str
    source: str  # "whisper" | "captions"
    path: str  # relative to the job dir


@dataclass(frozen=True)
class PipelineResult:
    source: SourceMetadata
    transcript: TranscriptInfo
    analysis_meta: dict[str, Any]
    clips: list[RenderedClip] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": asdict(self.source),
            "transcript": asdict(self.transcript),
            "analysis_meta": self.analysis_meta,
            "clips": [clip.to_dict() for clip in self.clips],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PipelineResult:
        return cls(
            source=SourceMetadata(**data["source"]),
            transcript=TranscriptInfo(**data["transcript"]),
            analysis_meta=data["analysis_meta"],
            clips=[RenderedClip.from_dict(c) for c in data["clips"]],
        )
