"""The reframe plan of one clip: what the analysis decided, and what the filter graph renders.

All times are seconds from the clip's start; all positions are source pixels (the full-size
source, not the low-resolution analysis copy).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

ShotLayout = Literal["crop", "fit", "split"]


@dataclass(frozen=True)
class Box:
    """A rectangle in source pixels."""

    x: float
    y: float
    w: float
    h: float


class _Rect(Protocol):
    @property
    def x(self) -> float: ...
    @property
    def y(self) -> float: ...
    @property
    def w(self) -> float: ...
    @property
    def h(self) -> float: ...


def extent(boxes: Iterable[_Rect]) -> Box:
    """The smallest box holding all of `boxes` (a face's detections over a shot)."""
    rects = list(boxes)
    if not rects:
        raise ValueError("extent of no boxes")
    x0 = min(r.x for r in rects)
    y0 = min(r.y for r in rects)
    x1 = max(r.x + r.w for r in rects)
    y1 = max(r.y + r.h for r in rects)
    return Box(x0, y0, x1 - x0, y1 - y0)


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
    # Where each of those faces went during the shot (the union of its detections): burned text
    # must stay off them (CONTRACTS §9).
    face_boxes: tuple[Box, ...] = ()

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
