"""The reframe plan of one clip: what the analysis decided, and what the filter graph renders.

All times are seconds from the clip's start; all positions are source pixels (the full-size
source, not the low-resolution analysis copy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ShotLayout = Literal["crop", "fit", "split"]


@dataclass(frozen=True)
class Box:
    """A rectangle in source pixels."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Keyframe:
    """The crop window's left/top edge at time `t`; the window moves linearly between keyframes
    and holds before the first and after the last."""

    t: float
    x: float
    y: float


@dataclass(frozen=True)
class Shot:
    start: float
    end: float
    layout: ShotLayout
    # crop: the window size (source px, the output's aspect) and its path over the shot.
    crop_w: float = 0.0
    crop_h: float = 0.0
    path: tuple[Keyframe, ...] = ()
    # split: the top and bottom panels (static for the shot, each of the half-frame's aspect).
    panels: tuple[Box, ...] = ()
    faces: int = 0  # faces seen in the shot (shown on the dashboard's timeline)
    note: str = ""  # why a forced layout could not be used on this shot ("" when it was)

    def to_dict(self) -> dict[str, Any]:
        note = {"note": self.note} if self.note else {}
        return {"start": round(self.start, 3), "end": round(self.end, 3), "layout": self.layout, **note}


@dataclass(frozen=True)
class ReframePlan:
    source_w: int
    source_h: int
    duration: float
    shots: tuple[Shot, ...] = field(default_factory=tuple)
    detector: str = ""

    @property
    def layout(self) -> str:
        """What the clip used: one layout for every shot, or `mixed`."""
        kinds = {s.layout for s in self.shots}
        return kinds.pop() if len(kinds) == 1 else "mixed"
