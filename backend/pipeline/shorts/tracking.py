"""Within one shot: face tracks, who speaks, the crop window's path and the split panels.

The analysis has the whole clip before it plans, so the path is made offline: the target is the
tracked face's centre (gaps filled, a short median against detector jitter), a deadzone keeps the
window still until the face pushes against it, and a zero-phase Gaussian eases the moves. A
Gaussian of a monotone path stays monotone, so smoothing adds no back-and-forth.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from backend.pipeline.shorts.detector import Face
from backend.pipeline.shorts.plan import Box, Keyframe

MATCH_DISTANCE = 0.75  # a face continues a track within this many face widths of its last centre
MEDIAN_SECONDS = 0.6  # a running median this long drops single-detection outliers
DEADZONE = 0.08  # of the window's width (or height): moves smaller than this are not followed
SMOOTH_SECONDS = 0.3  # Gaussian sigma of the path
PRUNE_PX = 1.0
MAX_KEYFRAMES_PER_S = 4.0
SPEAKER_MARGIN = 0.75  # grey levels of extra mouth motion needed to call one face the speaker
PANEL_FACE_HEIGHTS = 2.6  # a split panel is this many face heights tall
# ... but at least this share of the frame's height, so a small face far back is not magnified
# without limit (0.3 of a 720p source fills a 960 px half of a 1080x1920 Short at 4.4x).
MIN_PANEL_SHARE = 0.3
UTTERANCE_GAP = 0.6  # words closer than this are one utterance (one speaker)
MIN_TURN = 2.0  # the crop stays on a speaker at least this long
SWITCH_LEAD = 0.3  # the crop switches this long before the new speaker's first word, as editors cut
SWITCH_EPS = 0.001  # the old window's last keyframe before a switch


@dataclass
class Track:
    faces: dict[int, Face] = field(default_factory=dict)  # sample index → face
    mouths: dict[int, np.ndarray] = field(default_factory=dict)

    def last(self) -> Face:
        return next(reversed(self.faces.values()))  # filled in sample order

    def median_box(self) -> Box:
        arr = np.array([(f.x, f.y, f.w, f.h) for f in self.faces.values()])
        x, y, w, h = np.median(arr, axis=0)
        return Box(float(x), float(y), float(w), float(h))


def build_tracks(
    samples: Sequence[tuple[Sequence[Face], Sequence[np.ndarray | None]]], indices: Sequence[int]
) -> list[Track]:
    """Greedy nearest-centre association of each sample's faces to the running tracks.

    `indices` are the samples' numbers in the clip (the keys of the tracks' dicts)."""
    tracks: list[Track] = []
    for i, (faces, mouths) in zip(indices, samples, strict=True):
        free = list(range(len(tracks)))
        order = sorted(range(len(faces)), key=lambda j: -faces[j].w)
        for j in order:
            face = faces[j]
            best, best_d = None, MATCH_DISTANCE
            for ti in free:
                prev = tracks[ti].last()
                d = float(np.hypot(face.cx - prev.cx, face.cy - prev.cy)) / max(prev.w, face.w, 1.0)
                if d < best_d:
                    best, best_d = ti, d
            if best is None:
                tracks.append(Track())
                best = len(tracks) - 1
            else:
                free.remove(best)
            tracks[best].faces[i] = face
            mouth = mouths[j]
            if mouth is not None:
                tracks[best].mouths[i] = mouth
    return tracks


def _motions(track: Track, times: Sequence[float], step: int) -> list[tuple[float, float]]:
    """(time, mean grey change) of the mouth patch between consecutive looks at the face."""
    out = []
    for j, i in itertools.pairwise(sorted(track.mouths)):
        if i - j > step:  # the face was lost in between: not one motion
            continue
        out.append(((times[j] + times[i]) / 2, float(np.abs(track.mouths[i] - track.mouths[j]).mean())))
    return out


def _spoken(t: float, speech: Sequence[tuple[float, float]]) -> bool:
    return any(s <= t <= e for s, e in speech)


def _quiet_level(motions: Sequence[tuple[float, float]], speech: Sequence[tuple[float, float]]) -> float:
    """The mouth patch's change while nobody speaks: detector jitter and head motion, not talk."""
    quiet = [m for t, m in motions if not _spoken(t, speech)]
    return float(np.mean(quiet)) if quiet else 0.0


def mouth_motion(
    track: Track, times: Sequence[float], speech: Sequence[tuple[float, float]], step: int = 1
) -> float | None:
    """Mean mouth-patch change during speech minus outside it (grey levels); None without speech."""
    motions = _motions(track, times, step)
    talking = [m for t, m in motions if _spoken(t, speech)]
    if not talking:
        return None
    return float(np.mean(talking)) - _quiet_level(motions, speech)


def pick_subject(
    tracks: Sequence[Track], times: Sequence[float], speech: Sequence[tuple[float, float]], step: int = 1
) -> Track:
    """The face to follow: the one whose mouth moves with the speech, else the largest."""
    largest = max(tracks, key=lambda tr: tr.median_box().w * len(tr.faces))
    if len(tracks) < 2 or not speech:
        return largest
    scored = [(m, tr) for tr in tracks if (m := mouth_motion(tr, times, speech, step)) is not None]
    if len(scored) < 2:
        return largest
    scored.sort(key=lambda pair: -pair[0])
    return scored[0][1] if scored[0][0] - scored[1][0] >= SPEAKER_MARGIN else largest


def utterances(
    speech: Sequence[tuple[float, float]], gap: float = UTTERANCE_GAP
) -> list[tuple[float, float]]:
    """Word spans joined into utterances wherever the pause is shorter than `gap`."""
    out: list[tuple[float, float]] = []
    for s, e in sorted(speech):
        if out and s - out[-1][1] < gap:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


Turn = tuple[float, float, Track]  # (start, end, face followed)


def speaker_turns(
    tracks: Sequence[Track],
    times: Sequence[float],
    speech: Sequence[tuple[float, float]],
    step: int,
    span: tuple[float, float],
) -> list[Turn]:
    """Who to follow when over the shot: each utterance goes to the face whose mouth moves most in
    it (beyond its quiet level, by SPEAKER_MARGIN); the crop switches shortly before the new
    speaker's first word, and never for a turn shorter than MIN_TURN (no ping-pong)."""
    default = pick_subject(tracks, times, speech, step)
    if len(tracks) < 2 or not speech:
        return [(span[0], span[1], default)]
    motions = {id(tr): _motions(tr, times, step) for tr in tracks}
    quiet = {id(tr): _quiet_level(motions[id(tr)], speech) for tr in tracks}
    labelled: list[tuple[tuple[float, float], Track]] = []
    for u in utterances(speech):
        if u[1] <= span[0] or u[0] >= span[1]:
            continue
        scores = []
        for tr in tracks:
            inside = [m for t, m in motions[id(tr)] if u[0] <= t <= u[1]]
            if inside:
                scores.append((float(np.mean(inside)) - quiet[id(tr)], tr))
        scores.sort(key=lambda pair: -pair[0])
        if len(scores) >= 2 and scores[0][0] - scores[1][0] >= SPEAKER_MARGIN:
            labelled.append((u, scores[0][1]))
    if not labelled:
        return [(span[0], span[1], default)]
    starts: list[tuple[float, Track]] = [(span[0], labelled[0][1])]
    previous_end = span[0]
    for u, track in labelled:
        if track is not starts[-1][1]:
            starts.append((max(previous_end, u[0] - SWITCH_LEAD, span[0]), track))
        previous_end = u[1]
    return _merge_short_turns(starts, span)


def _merge_short_turns(starts: list[tuple[float, Track]], span: tuple[float, float]) -> list[Turn]:
    while len(starts) > 1:
        ends = [s for s, _ in starts[1:]] + [span[1]]
        lengths = [e - s for (s, _), e in zip(starts, ends, strict=True)]
        k = int(np.argmin(lengths))
        if lengths[k] >= MIN_TURN:
            break
        del starts[k]  # its time goes to the turn before (or, for the first, the one after)
        if k == 0:
            starts[0] = (span[0], starts[0][1])
        # Neighbours that now follow the same face are one turn.
        starts = [p for n, p in enumerate(starts) if n == 0 or p[1] is not starts[n - 1][1]]
    ends = [s for s, _ in starts[1:]] + [span[1]]
    return [(s, e, tr) for (s, tr), e in zip(starts, ends, strict=True)]


def turns_path(
    turns: Sequence[Turn],
    looked: Sequence[int],
    times: Sequence[float],
    size: tuple[float, float],
    frame: tuple[int, int],
    rate: float,
) -> tuple[Keyframe, ...]:
    """The crop path over all turns: each follows its face; a switch is a jump (no pan between faces).

    `looked`: the clip's sample numbers the faces were looked for on; `times`: all samples' times."""
    path: list[Keyframe] = []
    for n, (t0, t1, track) in enumerate(turns):
        at = [i for i in looked if t0 <= times[i] < t1] or [min(looked, key=lambda i: abs(times[i] - t0))]
        segment = list(crop_path(track, at, [times[i] for i in at], (t0, t1), size, frame, rate))
        if n < len(turns) - 1:
            # Hold until just before the switch, then jump: two keyframes SWITCH_EPS apart.
            last = segment[-1]
            segment = [k for k in segment if k.t < t1 - SWITCH_EPS] + [
                Keyframe(t1 - SWITCH_EPS, last.x, last.y)
            ]
        path += segment
    return tuple(path)


def _fill(values: dict[int, float], at: Sequence[int]) -> np.ndarray:
    """The series at samples `at`: linear between known samples, held at the ends."""
    known = sorted(values)
    return np.interp(np.asarray(at, dtype=float), known, [values[k] for k in known])


def _median(series: np.ndarray, width: int) -> np.ndarray:
    half = width // 2
    padded = np.pad(series, half, mode="edge")
    return np.array([np.median(padded[i : i + width]) for i in range(len(series))])


def _deadzone(series: np.ndarray, zone: float, first: int) -> np.ndarray:
    """Hold still while the target stays within ±zone of the window centre; else drag it along.

    The window starts at the median of the `first` samples, so a first-frame outlier is ignored."""
    out = np.empty_like(series)
    p = float(np.median(series[: max(1, min(len(series), first))]))
    for i, target in enumerate(series):
        if target > p + zone:
            p = float(target) - zone
        elif target < p - zone:
            p = float(target) + zone
        out[i] = p
    return out


def _gaussian(series: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0 or len(series) < 3:
        return series
    radius = int(3 * sigma)
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    padded = np.pad(series, radius, mode="edge")
    return np.convolve(padded, k / k.sum(), mode="valid")


def follow(centres: np.ndarray, window: float, limit: float, rate: float) -> np.ndarray:
    """The window's leading edge (source px) per sample (`rate` a second) for target centres on one axis."""
    if window >= limit:
        return np.zeros_like(centres)
    width = max(1, round(MEDIAN_SECONDS * rate)) | 1
    held = _deadzone(_median(centres, width), DEADZONE * window, max(1, round(rate)))
    smooth = _gaussian(held, SMOOTH_SECONDS * rate)
    return np.clip(smooth - window / 2, 0.0, limit - window)


def crop_path(
    track: Track,
    at: Sequence[int],
    times: Sequence[float],
    shot: tuple[float, float],
    size: tuple[float, float],
    frame: tuple[int, int],
    rate: float,
) -> tuple[Keyframe, ...]:
    """Keyframes (clip time, source px) of the window of `size` following `track` over `shot`.

    `at`/`times`: the samples (numbers, clip times) the faces were looked for on, `rate` a second."""
    cx = _fill({i: f.cx for i, f in track.faces.items()}, at)
    cy = _fill({i: f.cy for i, f in track.faces.items()}, at)
    xs = follow(cx, size[0], frame[0], rate)
    ys = follow(cy, size[1], frame[1], rate)
    points = [(shot[0], xs[0], ys[0]), *zip(times, xs, ys, strict=True), (shot[1], xs[-1], ys[-1])]
    return prune([Keyframe(float(t), float(x), float(y)) for t, x, y in points], shot[1] - shot[0])


def still_path(
    shot: tuple[float, float], size: tuple[float, float], frame: tuple[int, int]
) -> tuple[Keyframe, ...]:
    x, y = (frame[0] - size[0]) / 2, (frame[1] - size[1]) / 2
    return (Keyframe(shot[0], x, y), Keyframe(shot[1], x, y))


def _rdp(points: Sequence[Keyframe], tol: float) -> list[Keyframe]:
    """Ramer-Douglas-Peucker on (t → x, y): keep the keyframes linear interpolation cannot redo.

    Iterative (a stack of spans), since a 3-minute shot has ~900 points to recurse over."""
    if len(points) <= 2:
        return list(points)
    keep = {0, len(points) - 1}
    spans = [(0, len(points) - 1)]
    while spans:
        lo, hi = spans.pop()
        a, b = points[lo], points[hi]
        span = b.t - a.t
        worst, at = 0.0, 0
        for i in range(lo + 1, hi):
            p = points[i]
            k = (p.t - a.t) / span if span > 0 else 0.0
            err = max(abs(a.x + k * (b.x - a.x) - p.x), abs(a.y + k * (b.y - a.y) - p.y))
            if err > worst:
                worst, at = err, i
        if worst > tol:
            keep.add(at)
            spans += [(lo, at), (at, hi)]
    return [points[i] for i in sorted(keep)]


def prune(points: Sequence[Keyframe], duration: float) -> tuple[Keyframe, ...]:
    """Fewest keyframes within PRUNE_PX, loosened until at most ~4 a second (the crop expression)."""
    tol = PRUNE_PX
    kept = _rdp(points, tol)
    budget = max(2, int(MAX_KEYFRAMES_PER_S * duration) + 2)
    while len(kept) > budget:
        tol *= 1.5
        kept = _rdp(points, tol)
    return tuple(kept)


def panel(track: Track, face_h: float, aspect: float, frame: tuple[int, int]) -> Box:
    """A static panel of `aspect` (w/h) centred on the track's median face, clamped to the frame."""
    w_max, h_max = frame
    h = min(float(h_max), max(PANEL_FACE_HEIGHTS * face_h, MIN_PANEL_SHARE * h_max))
    w = h * aspect
    if w > w_max:
        w, h = float(w_max), w_max / aspect
    box = track.median_box()
    x = min(max(box.x + box.w / 2 - w / 2, 0.0), w_max - w)
    y = min(max(box.y + box.h / 2 - h / 2, 0.0), h_max - h)
    return Box(x, y, w, h)
