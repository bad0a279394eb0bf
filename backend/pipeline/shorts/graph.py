"""The single-encode filter graph of one clip: reframe (crop path / fit / split, per shot), then
the caption filter, on the final-size frames; the audio chain beside it.

Input 0 is the source seeked with `-ss start` before `-i` and cut with `-t duration`, so the
graph's `t` is 0 at the clip's start: the plan's clip-relative times are used as they are.
Every size and offset is even (yuv420p), and every branch ends with `setsar=1` so the concat and
the stacks see identical frames.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from backend.pipeline.shorts.plan import Box, Keyframe, ReframePlan, Shot

# The fill behind a `fit` frame is blurred at 1/BLUR_SCALE of the output size: a boxblur there
# costs almost nothing and, scaled back up, looks like a wide blur at full size.
BLUR_SCALE = 8
BLUR_RADIUS = 6
FILL_LUMA = 0.55  # the fill is darkened so the sharp frame in front of it stands out
# Keyframes this close to the straight line through their neighbours add nothing to the path.
PATH_TOLERANCE_PX = 0.5


@dataclass(frozen=True)
class Graph:
    """A `-filter_complex` value; map `video` (always) and `audio` (when set, else 0:a:0)."""

    filter_complex: str
    video: str = "[v]"
    audio: str | None = None


def build_graph(
    plan: ReframePlan | None,
    *,
    out_w: int,
    out_h: int,
    subtitles: str | None = None,
    audio_filter: str | None = None,
) -> Graph:
    """The clip's whole filter graph. `plan` None (format `original`) only scales the frame."""
    out_w, out_h = _even(out_w), _even(out_h)
    if plan is None:
        chains = [f"[0:v]scale={out_w}:{out_h},setsar=1[r]"]
    else:
        chains = _reframe(plan, out_w, out_h, "[0:v]", "[r]")
    finish = ",".join(f for f in (subtitles, "format=yuv420p") if f)
    chains.append(f"[r]{finish}[v]")
    audio = None
    if audio_filter:
        chains.append(f"[0:a:0]{audio_filter}[a]")
        audio = "[a]"
    return Graph(filter_complex=";".join(chains), audio=audio)


def _reframe(plan: ReframePlan, out_w: int, out_h: int, src: str, out: str) -> list[str]:
    """One shot (or one run of same-layout shots) is laid out directly; several are split,
    trimmed to their span, laid out and concatenated back frame-exactly."""
    shots = merge_shots(plan.shots) or (Shot(0.0, plan.duration, "fit"),)
    if len(shots) == 1:
        return _layout(shots[0], plan, out_w, out_h, src, out, "0")
    n = len(shots)
    chains = [src + "split=" + str(n) + "".join(f"[s{k}]" for k in range(n))]
    for k, shot in enumerate(shots):
        # Shot k runs from its start to the next shot's start: the same boundary on both sides,
        # so every frame lands in exactly one shot. The first and last spans stay open, so a
        # frame a hair before 0 or past the plan's end (seek rounding) is never lost.
        bounds = [
            f"start={shot.start:.6f}" if k > 0 else "",
            f"end={shots[k + 1].start:.6f}" if k < n - 1 else "",
        ]
        trim = "trim=" + ":".join(b for b in bounds if b)
        chains.append(f"[s{k}]{trim}[t{k}]")
        # The layout runs before the timestamps are reset, so a crop path sees clip time.
        chains += _layout(shot, plan, out_w, out_h, f"[t{k}]", f"[l{k}]", str(k))
        chains.append(f"[l{k}]setpts=PTS-STARTPTS[p{k}]")
    chains.append("".join(f"[p{k}]" for k in range(n)) + f"concat=n={n}:v=1:a=0{out}")
    return chains


def _layout(shot: Shot, plan: ReframePlan, out_w: int, out_h: int, src: str, out: str, key: str) -> list[str]:
    if shot.layout == "crop":
        return [
            f"{src}{crop_filter(shot, plan.source_w, plan.source_h, out_w, out_h)},"
            f"scale={out_w}:{out_h},setsar=1{out}"
        ]
    if shot.layout == "split":
        return _split(shot, plan, out_w, out_h, src, out, key)
    return _fit(plan, out_w, out_h, src, out, key)


def crop_filter(shot: Shot, source_w: int, source_h: int, out_w: int, out_h: int) -> str:
    """`crop=w:h:x:y` with x/y the shot's keyframe path as expressions in `t`."""
    w, h = _window(shot.crop_w, shot.crop_h, source_w, source_h, out_w / out_h)
    path = shot.path or (Keyframe(shot.start, (source_w - w) / 2, (source_h - h) / 2),)
    x = path_expr([(k.t, k.x) for k in path], source_w - w)
    y = path_expr([(k.t, k.y) for k in path], source_h - h)
    return f"crop=w={w}:h={h}:x='{x}':y='{y}'"


def path_expr(points: Sequence[tuple[float, float]], limit: int) -> str:
    """A piecewise-linear function of `t` through `points` (held before the first and after the
    last), as a sum of clipped ramps: one term per segment, no nesting, cheap per frame. The
    value is rounded to an even offset inside [0, limit]."""
    limit = max(0, limit - limit % 2)
    pts = _simplify([(t, min(max(v, 0.0), float(limit))) for t, v in sorted(points, key=lambda p: p[0])])
    if all(abs(v - pts[0][1]) < 1 for _, v in pts):  # a still window: a constant, no expression
        return str(_even(pts[0][1], limit))
    terms = [f"{pts[0][1]:.1f}"]
    for (t0, v0), (t1, v1) in pairwise(pts):
        dv = v1 - v0
        if abs(dv) < 0.05:
            continue
        if t1 - t0 < 1e-4:  # a jump (a cut inside merged shots)
            terms.append(f"{dv:+.1f}*gte(t,{t0:.4f})")
        else:
            terms.append(f"{dv:+.1f}*clip((t-{t0:.4f})/{t1 - t0:.4f},0,1)")
    return f"clip(2*round(({''.join(terms)})/2),0,{limit})"


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop keyframes that lie on the line through their kept neighbours (dense analysis paths
    are mostly straight runs); jumps (two keyframes at one time) are kept."""
    if len(points) <= 2:
        return points
    kept = [points[0]]
    for i in range(1, len(points) - 1):
        (t0, v0), (t1, v1), (t2, v2) = kept[-1], points[i], points[i + 1]
        if t2 - t0 < 1e-4 or t1 - t0 < 1e-4 or t2 - t1 < 1e-4:
            kept.append(points[i])
            continue
        on_line = v0 + (v2 - v0) * (t1 - t0) / (t2 - t0)
        if abs(on_line - v1) > PATH_TOLERANCE_PX:
            kept.append(points[i])
    kept.append(points[-1])
    return kept


def _window(crop_w: float, crop_h: float, source_w: int, source_h: int, aspect: float) -> tuple[int, int]:
    """The crop window (even, inside the source); when the plan gave none, the largest window
    of the output's aspect."""
    if crop_w <= 0 or crop_h <= 0:
        crop_w, crop_h = min(source_w, source_h * aspect), min(source_h, source_w / aspect)
    w = max(2, min(_even(crop_w), source_w - source_w % 2))
    h = max(2, min(_even(crop_h), source_h - source_h % 2))
    return w, h


def _fit(plan: ReframePlan, out_w: int, out_h: int, src: str, out: str, key: str) -> list[str]:
    """The whole frame fitted into the output, centred over a blurred, darkened cover of itself."""
    fg_x, fg_y, fg_w, fg_h = _fit_front(plan, out_w, out_h)
    small_w, small_h = max(2, _even(out_w / BLUR_SCALE)), max(2, _even(out_h / BLUR_SCALE))
    fill, front, blurred, fitted = (f"[{name}{key}]" for name in ("fill", "front", "blurred", "fitted"))
    return [
        f"{src}split=2{fill}{front}",
        f"{fill}scale={small_w}:{small_h}:force_original_aspect_ratio=increase,crop={small_w}:{small_h},"
        f"boxblur={BLUR_RADIUS}:2,lutyuv=y='val*{FILL_LUMA}',scale={out_w}:{out_h}:flags=bilinear,"
        f"setsar=1{blurred}",
        f"{front}scale={fg_w}:{fg_h},setsar=1{fitted}",
        f"{blurred}{fitted}overlay={fg_x}:{fg_y},setsar=1{out}",
    ]


def _fit_front(plan: ReframePlan, out_w: int, out_h: int) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the sharp whole frame inside a `fit` output."""
    fg_w, fg_h = out_w, _even(out_w * plan.source_h / max(1, plan.source_w))
    if fg_h > out_h:
        fg_w, fg_h = _even(out_h * plan.source_w / max(1, plan.source_h)), out_h
    return _even((out_w - fg_w) / 2), _even((out_h - fg_h) / 2), fg_w, fg_h


def _split(shot: Shot, plan: ReframePlan, out_w: int, out_h: int, src: str, out: str, key: str) -> list[str]:
    """Two panels (the plan's boxes), each scaled to half the output, stacked top over bottom."""
    top_h = split_seam(out_h)
    heights = (top_h, out_h - top_h)
    panels = _panels(shot, plan)
    chains = [f"{src}split=2[pa{key}][pb{key}]"]
    for name, box, height in zip(("pa", "pb"), panels, heights, strict=True):
        crop = _box_crop(box, plan.source_w, plan.source_h)
        chains.append(f"[{name}{key}]{crop},scale={out_w}:{height},setsar=1[{name}s{key}]")
    chains.append(f"[pas{key}][pbs{key}]vstack{out}")
    return chains


def split_seam(out_h: int) -> int:
    """The row where a `split` output's bottom panel starts."""
    return _even(out_h / 2)


def _panels(shot: Shot, plan: ReframePlan) -> list[Box]:
    panels = list(shot.panels[:2])
    while len(panels) < 2:  # a plan without panels: the left and right halves of the frame
        half = plan.source_w / 2
        panels.append(Box(half * len(panels), 0.0, half, float(plan.source_h)))
    return panels


def _box_crop(box: Box, source_w: int, source_h: int) -> str:
    x, y, w, h = _box_geometry(box, source_w, source_h)
    return f"crop={w}:{h}:{x}:{y}"


def _box_geometry(box: Box, source_w: int, source_h: int) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the even crop that renders `box` (inside the source)."""
    w = max(2, min(_even(box.w), source_w - source_w % 2))
    h = max(2, min(_even(box.h), source_h - source_h % 2))
    return _even(box.x, source_w - w), _even(box.y, source_h - h), w, h


def merge_shots(shots: Sequence[Shot]) -> tuple[Shot, ...]:
    """Adjacent shots that render alike become one (fewer trims and branches in the graph):
    fit with fit, split with the same panels, crop with the same window size (the path jumps at
    the cut instead of gliding across it)."""
    merged: list[Shot] = []
    for shot in sorted(shots, key=lambda s: s.start):
        prev = merged[-1] if merged else None
        if prev is not None and _mergeable(prev, shot):
            merged[-1] = _merge(prev, shot)
        else:
            merged.append(shot)
    return tuple(merged)


def _mergeable(a: Shot, b: Shot) -> bool:
    if a.layout != b.layout:
        return False
    if a.layout == "crop":
        return (_even(a.crop_w), _even(a.crop_h)) == (_even(b.crop_w), _even(b.crop_h)) and bool(
            a.path and b.path
        )
    if a.layout == "split":
        return a.panels == b.panels
    return True


def _merge(a: Shot, b: Shot) -> Shot:
    path = a.path
    if a.layout == "crop":
        last, first = a.path[-1], b.path[0]
        # Hold a's last position up to the cut, then jump to b's first position.
        path = (*a.path, Keyframe(b.start, last.x, last.y), Keyframe(b.start, first.x, first.y), *b.path)
    return replace(a, end=b.end, path=path, faces=max(a.faces, b.faces))


def _even(value: float, limit: int | None = None) -> int:
    """The nearest even integer (inside [0, limit] when a limit is given)."""
    n = int(round(value / 2)) * 2
    if limit is not None:
        n = min(max(n, 0), limit - limit % 2)
    return n


# --- where the faces land in the output (burned text keeps off them, CONTRACTS §9) -------------


def shown_faces(shot: Shot, plan: ReframePlan, out_w: int, out_h: int) -> list[Box]:
    """The output-frame boxes that the shot's faces (`Shot.face_boxes`) can cover during the shot.

    Each face box is already its extent over the shot; a moving crop window widens it further by
    the window's own travel, so the result holds every place the face is drawn."""
    out_w, out_h = _even(out_w), _even(out_h)
    if shot.layout == "crop":
        return _crop_faces(shot, plan, out_w, out_h)
    if shot.layout == "split":
        seam = split_seam(out_h)
        bands = ((0, seam), (seam, out_h - seam))
        placed: list[Box] = []
        for panel, (top, height) in zip(_panels(shot, plan), bands, strict=True):
            x, y, w, h = _box_geometry(panel, plan.source_w, plan.source_h)
            view = _View((x, y), (x, y), (w, h), (out_w / w, height / h), (0.0, float(top)))
            placed += view.faces(shot.face_boxes)
        return placed
    fx, fy, fw, fh = _fit_front(plan, out_w, out_h)
    scale = (fw / max(1, plan.source_w), fh / max(1, plan.source_h))
    view = _View((0.0, 0.0), (0.0, 0.0), (plan.source_w, plan.source_h), scale, (float(fx), float(fy)))
    return view.faces(shot.face_boxes)


def raise_top_panels(
    plan: ReframePlan, out_w: int, out_h: int, *, below: float, margin: float, keep: float, until: float
) -> ReframePlan:
    """Room for the hook title above the top face of a split (CONTRACTS §9).

    A split panel centres its face, which puts the top face's brow at the top of the safe area:
    no title fits above it. In the split shots that start before `until` (the title's time), the
    top panel's crop moves up the source, so its face sits lower, until the face (with `margin`
    times its height around it) starts at output row `below`: as far as the source's top edge
    allows, and never so far that the face's margin comes within `keep` rows of the seam (the
    captions' half there). A panel framed tight on its own face can show that face too tall for
    the title above it and the captions below it both: it is first zoomed out just enough."""
    shots = tuple(
        _raised(shot, plan, (out_w, out_h), below, margin, keep)
        if shot.layout == "split" and shot.start < until and len(shot.panels) >= 2
        else shot
        for shot in plan.shots
    )
    return replace(plan, shots=shots)


def _raised(
    shot: Shot, plan: ReframePlan, size: tuple[int, int], below: float, margin: float, keep: float
) -> Shot:
    widened = _widened(shot, plan, size, below, margin, keep)
    return _shifted(widened, plan, size, below, margin, keep)


def _face_rows(
    shot: Shot, plan: ReframePlan, size: tuple[int, int], margin: float
) -> tuple[float, float] | None:
    """The source rows (first, last) of the faces the top panel shows, with `margin` times their
    height around them; None when it shows none."""
    seam = split_seam(_even(size[1]))
    faces = [f for f in shown_faces(shot, plan, *size) if f.y < seam]
    if not faces:
        return None
    _x, y, _w, h = _box_geometry(shot.panels[0], plan.source_w, plan.source_h)
    rows = seam / h  # output rows per source row
    top = y + min(f.y - margin * f.h for f in faces) / rows
    bottom = y + max(f.y + f.h + margin * f.h for f in faces) / rows
    return top, bottom


def _widened(
    shot: Shot, plan: ReframePlan, size: tuple[int, int], below: float, margin: float, keep: float
) -> Shot:
    """The top panel zoomed out about its centre until its faces, with their margins, fit between
    output rows `below` and `seam - keep`. Each split panel is framed on its own face, so a small
    face is drawn as tall as a large one: often taller than that band. Zooming out is skipped when
    it cannot let the title in anyway: with the crop at the source's top edge, a taller crop draws
    the face higher, so past `top * seam / below` source rows no title fits above it."""
    seam = split_seam(_even(size[1]))
    band = seam - keep - below
    rows = _face_rows(shot, plan, size, margin)
    if rows is None or band <= 0:
        return shot
    top, bottom = rows
    panel = shot.panels[0]
    _x, _y, _w, h = _box_geometry(panel, plan.source_w, plan.source_h)
    # The crop's size and place are whole even rows: 6 rows of slack leave room for that rounding
    # and for the shift's own (2 rows each way).
    needed = (bottom - top + 6) * seam / band
    most = min(float(plan.source_h), plan.source_w * panel.h / panel.w, top * seam / below)
    if needed <= h or needed > most:
        return shot
    grown_w = needed * panel.w / panel.h
    centre_x = panel.x + panel.w / 2
    centre_y = panel.y + panel.h / 2
    grown = Box(
        min(max(centre_x - grown_w / 2, 0.0), plan.source_w - grown_w),
        min(max(centre_y - needed / 2, 0.0), plan.source_h - needed),
        grown_w,
        needed,
    )
    return replace(shot, panels=(grown, *shot.panels[1:]))


def _shifted(
    shot: Shot, plan: ReframePlan, size: tuple[int, int], below: float, margin: float, keep: float
) -> Shot:
    """The top panel moved up the source (its faces down the output) towards `below`."""
    seam = split_seam(_even(size[1]))
    rows = _face_rows(shot, plan, size, margin)
    if rows is None:
        return shot
    top, bottom = rows
    panel = shot.panels[0]
    _x, y, _w, h = _box_geometry(panel, plan.source_w, plan.source_h)
    scale = seam / h  # output rows per source row
    # The crop's top is an even row: rounded down where the title needs the face lower, up where
    # the captions' half needs it higher.
    for_title = 2 * math.floor((top - below / scale) / 2)
    for_captions = 2 * math.ceil((bottom - (seam - keep) / scale) / 2)
    raised_y = max(for_title, for_captions, 0)
    if raised_y >= y:
        return shot
    raised = Box(panel.x, float(raised_y), panel.w, panel.h)
    return replace(shot, panels=(raised, *shot.panels[1:]))


def _crop_faces(shot: Shot, plan: ReframePlan, out_w: int, out_h: int) -> list[Box]:
    w, h = _window(shot.crop_w, shot.crop_h, plan.source_w, plan.source_h, out_w / out_h)
    path = shot.path or (Keyframe(shot.start, (plan.source_w - w) / 2, (plan.source_h - h) / 2),)
    xs = [min(max(k.x, 0.0), float(plan.source_w - w)) for k in path]
    ys = [min(max(k.y, 0.0), float(plan.source_h - h)) for k in path]
    view = _View((max(xs), max(ys)), (min(xs), min(ys)), (w, h), (out_w / w, out_h / h), (0.0, 0.0))
    return view.faces(shot.face_boxes)


@dataclass(frozen=True)
class _View:
    """A source window of `size` whose top-left corner ranges between `last` (its largest x, y)
    and `first` (its smallest): the same point for a still window. Seen through it, a face's left
    edge is drawn furthest left when the window is at `last`, its right edge furthest right when
    the window is at `first`; the window is scaled by `scale` and drawn at `offset`."""

    last: tuple[float, float]
    first: tuple[float, float]
    size: tuple[float, float]
    scale: tuple[float, float]
    offset: tuple[float, float]

    def faces(self, boxes: Sequence[Box]) -> list[Box]:
        """Output boxes of the faces, clipped to the window; a face never inside it is left out."""
        out = []
        for face in boxes:
            x0 = max(face.x - self.last[0], 0.0)
            y0 = max(face.y - self.last[1], 0.0)
            x1 = min(face.x + face.w - self.first[0], self.size[0])
            y1 = min(face.y + face.h - self.first[1], self.size[1])
            if x1 <= x0 or y1 <= y0:
                continue
            sx, sy = self.scale
            out.append(
                Box(self.offset[0] + x0 * sx, self.offset[1] + y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy)
            )
        return out
