"""The transcript model shared by every stage, and its JSON form (`transcript.json`).

JSON shape (served as-is by GET /jobs/{id}/transcript):
`{"language", "text", "segments": [{"start", "end", "text", "words"?: [{"start", "end", "word"}]}], "source"}`
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SENTENCE_END = re.compile(r"[.!?…][\"'\u201d\u2019)\]]*$")
# C0 controls (but tab and line breaks) and DEL: a NUL in uploaded captions must never reach
# the database (PostgreSQL refuses it, and the job could not record its end).
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str) -> str:
    return CONTROLS.sub("", text)


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    word: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "word", strip_controls(self.word))


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", strip_controls(self.text))

    @property
    def ends_sentence(self) -> bool:
        return bool(SENTENCE_END.search(self.text.strip()))


@dataclass
class Transcript:
    language: str
    segments: list[Segment]
    source: str  # "whisper" | "captions"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(seg.text.strip() for seg in self.segments if seg.text.strip())

    @property
    def duration(self) -> float:
        return self.segments[-1].end if self.segments else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "text": self.text,
            "segments": [_segment_json(seg) for seg in self.segments],
            "source": self.source,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Transcript:
        segments = [
            Segment(
                float(s["start"]),
                float(s["end"]),
                str(s["text"]),
                tuple(Word(float(w["start"]), float(w["end"]), str(w["word"])) for w in s.get("words") or ()),
            )
            for s in data.get("segments", [])
        ]
        return cls(language=str(data.get("language") or "und"), segments=segments, source=str(data["source"]))

    def text_between(self, start: float, end: float) -> str:
        """Literal transcript text of the words (or segments) inside [start, end]."""
        parts: list[str] = []
        for seg in self.segments:
            if seg.end <= start + 1e-3 or seg.start >= end - 1e-3:
                continue
            if seg.words:
                parts.extend(
                    w.word.strip() for w in seg.words if w.start >= start - 0.05 and w.end <= end + 0.05
                )
            else:
                parts.append(seg.text.strip())
        return " ".join(p for p in parts if p)

    def start_boundaries(self) -> list[float]:
        """Times a clip may start at: word starts where known, else segment starts."""
        return sorted({w.start for s in self.segments for w in s.words} | {s.start for s in self.segments})

    def end_boundaries(self) -> list[float]:
        return sorted({w.end for s in self.segments for w in s.words} | {s.end for s in self.segments})


def _segment_json(seg: Segment) -> dict[str, Any]:
    data: dict[str, Any] = {"start": round(seg.start, 3), "end": round(seg.end, 3), "text": seg.text}
    if seg.words:
        data["words"] = [
            {"start": round(w.start, 3), "end": round(w.end, 3), "word": w.word} for w in seg.words
        ]
    return data
