"""Move each clip cut from its transcript boundary into the pause next to it, found in the audio.

Whisper's segment and word times, and caption cues, are only good to roughly ±0.2 s, so a cut
snapped to them often clips the first syllable or the last one. Here each cut looks at the audio
itself (dBFS per 10 ms frame, from `audio.fine_energy`) within ±MAX_SHIFT of the boundary, picks
the silent run nearest to it (a start prefers the run before, an end the run after: including a
little silence is harmless, cutting a word is not) and settles PAD away from the speech where
the pause is long enough. A cut only ever lands inside a silent run, so it never moves into a
neighbouring word; with no silent run in reach it stays where the transcript put it.

A re-render's requested times (CONTRACTS §9) snap the same way, with a longer reach: `snap_requested`
moves each to the nearest point within ±SNAP_REACH that sits in a pause between words (a silent
run next to a transcript boundary, QUIET_BELOW_SPEECH under the speech around it) with at least
QUIET_EDGE of that pause on both sides; with no such pause in reach, to the nearest word boundary.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backend.pipeline.audio import FINE_FRAME, fine_energy
from backend.pipeline.cancel import CancelToken
from backend.pipeline.transcript import Transcript

MAX_SHIFT = 0.3  # seconds a cut may move
PAD = 0.15  # silence kept between a cut and the speech next to it, where the pause allows
MIN_PAUSE = 0.06  # shorter dips are stop consonants inside a word, not pauses
CONTEXT = 1.0  # seconds of audio decoded either side of a boundary to judge what is quiet
SPEECH_BELOW_PEAK = 35.0  # dB under the window's loud frames that still counts as speech
FLOOR_MARGIN = 10.0  # dB above the window's noise floor that is still silence
QUIET_WINDOW = -50.0  # a window whose loud frames stay under this dBFS is silent throughout
MIN_CONTRAST = 15.0  # dB between loud frames and floor needed to tell speech from pause
SNAP_REACH = 1.0  # CONTRACTS §9: a requested time snaps within ±1 s, never further outside the range
QUIET_BELOW_SPEECH = 6.0  # dB under the speech level a snapped cut's pause must stay (CONTRACTS §9)
# Extra dB asked of a pause first: the speech level is measured over a few seconds of one window.
QUIET_MARGINS = (6.0, 2.0)
SNAP_RATE = 16_000  # a fricative's hiss (4-8 kHz) is audible: a snapped cut must not land in it
QUIET_EDGE = 0.05  # s of quiet kept on both sides of a snapped cut (the contract checks ±40 ms)
WORD_REACH = 0.15  # a quiet run is "between words" when a transcript boundary is this close to it


@dataclass(frozen=True)
class Cut:
    """Where a cut goes (`at`) and the silent span [lo, hi] it may still slide in (absolute s)."""

    at: float
    lo: float
    hi: float


def silent_frames(db: np.ndarray) -> np.ndarray:
    """True where a frame is a pause, judged against this window's own loudness and noise floor."""
    if db.size == 0:
        return np.zeros(0, dtype=bool)
    loud, floor = float(np.percentile(db, 95)), float(np.percentile(db, 5))
    if loud - floor < MIN_CONTRAST:  # one level throughout: all pause if quiet, else all speech
        return np.full(db.shape, loud < QUIET_WINDOW)
    threshold = max(floor + FLOOR_MARGIN, loud - SPEECH_BELOW_PEAK)
    return db <= threshold


def silent_runs(mask: np.ndarray, min_frames: int) -> list[tuple[int, int]]:
    """[first, end) frame ranges of consecutive True values at least `min_frames` long."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= min_frames]


def place_cut(db: np.ndarray, origin: float, t: float, kind: str, frame: float = FINE_FRAME) -> Cut:
    """The cut for boundary `t` ("start" or "end") given frames `db` beginning at time `origin`."""
    best: tuple[float, Cut] | None = None
    for a, b in silent_runs(silent_frames(db), max(1, round(MIN_PAUSE / frame))):
        lo, hi = max(origin + a * frame, t - MAX_SHIFT), min(origin + b * frame, t + MAX_SHIFT)
        if lo > hi:
            continue
        run_lo, run_hi = origin + a * frame, origin + b * frame
        middle = (run_lo + run_hi) / 2
        # PAD from the speech this cut belongs to; the middle of the pause if it is shorter.
        at = max(run_hi - PAD, middle) if kind == "start" else min(run_lo + PAD, middle)
        at = min(max(at, lo), hi)
        distance = max(lo - t, t - hi, 0.0)
        wrong_way = (lo > t) if kind == "start" else (hi < t)
        cost = distance * (2.0 if wrong_way else 1.0)
        if best is None or cost < best[0]:
            best = (cost, Cut(at, lo, hi))
    return best[1] if best is not None else Cut(t, t, t)


def fit(start: Cut, end: Cut, min_d: float, max_d: float, media_end: float) -> tuple[float, float] | None:
    """Cut times inside both silent spans with min_d <= length <= max_d, or None if none exist."""
    s, e = max(start.at, 0.0), min(end.at, media_end) if media_end > 0 else end.at
    s_lo, s_hi = max(start.lo, 0.0), start.hi
    e_lo, e_hi = end.lo, min(end.hi, media_end) if media_end > 0 else end.hi
    if e - s > max_d:  # too long: pull both ends inwards, the start first
        s = min(s_hi, s + (e - s - max_d))
        e = max(e_lo, e - max(0.0, e - s - max_d))
    elif e - s < min_d:  # too short: push both ends outwards, the end first
        e = min(e_hi, e + (min_d - (e - s)))
        s = max(s_lo, s - max(0.0, min_d - (e - s)))
    if not (min_d - 1e-6 <= e - s <= max_d + 1e-6):
        return None
    return s, e


def land_in_silence(
    source: Path,
    start: float,
    end: float,
    *,
    min_d: float,
    max_d: float,
    media_end: float,
    cancel: CancelToken | None = None,
    timeout: float | None = None,
) -> tuple[float, float]:
    """The clip's cut times moved into the pauses next to `start` and `end` (decodes ~4 s of audio)."""
    cuts = []
    for t, kind in ((start, "start"), (end, "end")):
        origin = max(0.0, t - CONTEXT)
        db = fine_energy(source, start=origin, duration=t + CONTEXT - origin, cancel=cancel, timeout=timeout)
        cuts.append(place_cut(db, origin, t, kind))
    placed = fit(cuts[0], cuts[1], min_d, max_d, media_end)
    if placed is None:
        return start, end
    return round(placed[0], 3), round(placed[1], 3)


@dataclass(frozen=True)
class Window:
    """dBFS frames of the audio around one requested time, frame 0 at `origin` (s)."""

    db: np.ndarray
    origin: float
    frame: float = FINE_FRAME

    def times(self) -> np.ndarray:
        """The centre of each frame (absolute s)."""
        return self.origin + (np.arange(self.db.size) + 0.5) * self.frame

    def loudest_around(self) -> np.ndarray:
        """Per frame, the loudest frame within ±QUIET_EDGE (audio not decoded counts as loud)."""
        edge = max(1, round(QUIET_EDGE / self.frame))
        padded = np.pad(self.db.astype(np.float64), edge, constant_values=np.inf)
        return np.lib.stride_tricks.sliding_window_view(padded, 2 * edge + 1).max(axis=1)


def speech_level(db: np.ndarray) -> float | None:
    """The window's speech level: the median of the frames `silent_frames` calls speech."""
    speech = db[~silent_frames(db)]
    return float(np.median(speech)) if speech.size else None


def snap_time(
    window: Window,
    t: float,
    kind: str,
    boundaries: list[float] | None,
    points: list[float] | None,
    lo: float,
    hi: float,
) -> float:
    """`t` moved to the nearest point of [lo, hi] in a pause between words: a run of points whose
    ±QUIET_EDGE stays QUIET_BELOW_SPEECH (+ a margin, the larger one first) under the speech
    level, with a transcript boundary within WORD_REACH of the run. With none in reach: the
    quietest point next to a word boundary of `points` (the gap of two words run together), else
    the quietest point in reach. `boundaries`/`points` are None when the transcript has no word
    times (captions): then any quiet run is a pause, as no boundary can say otherwise."""
    loudest = window.loudest_around()
    level = speech_level(window.db)
    for margin in QUIET_MARGINS:
        quiet = loudest <= (level - QUIET_BELOW_SPEECH - margin if level is not None else np.inf)
        at = nearest_in_runs(window, quiet, t, kind, boundaries, lo, hi)
        if at is not None:
            return at
    for near in (points, None):
        at = quietest_near(window, loudest, t, near, lo, hi)
        if at is not None:
            return at
    return min(max(t, lo), hi)


def nearest_in_runs(
    window: Window,
    quiet: np.ndarray,
    t: float,
    kind: str,
    boundaries: list[float] | None,
    lo: float,
    hi: float,
) -> float | None:
    """The point of [lo, hi] nearest to `t` in a run of `quiet` frames that has a boundary within
    WORD_REACH (a dip inside a long word has none); on a tie a start takes the earlier point and
    an end the later one: a little more silence, never a cut word."""
    best: tuple[float, float, float] | None = None
    for a, b in silent_runs(quiet, 1):
        run_lo = window.origin + (a + 0.5) * window.frame
        run_hi = window.origin + (b - 0.5) * window.frame
        if boundaries is not None and not _has_point(boundaries, run_lo - WORD_REACH, run_hi + WORD_REACH):
            continue
        a_t, b_t = max(run_lo, lo), min(run_hi, hi)
        if a_t > b_t:
            continue
        at = min(max(t, a_t), b_t)
        key = (abs(at - t), at if kind == "start" else -at, at)
        best = key if best is None or key < best else best
    return best[2] if best is not None else None


def _has_point(points: list[float], lo: float, hi: float) -> bool:
    i = bisect.bisect_left(points, lo)
    return i < len(points) and points[i] <= hi


def quietest_near(
    window: Window, loudest: np.ndarray, t: float, points: list[float] | None, lo: float, hi: float
) -> float | None:
    """The point of [lo, hi] (within WORD_REACH of a boundary in `points`, unless None) whose
    ±QUIET_EDGE is quietest (the nearer of points within 1 dB of each other); None with none."""
    if window.db.size == 0 or (points is not None and not points):
        return None
    times = window.times()
    allowed_mask = (times >= lo) & (times <= hi) & np.isfinite(loudest)
    if points is not None:
        bounds = np.asarray(points)
        i = np.clip(np.searchsorted(bounds, times), 1, max(1, bounds.size - 1))
        before, after = bounds[i - 1], bounds[np.minimum(i, bounds.size - 1)]
        allowed_mask &= np.minimum(np.abs(times - before), np.abs(times - after)) <= WORD_REACH
    allowed = np.flatnonzero(allowed_mask)
    if allowed.size == 0:
        return None
    order = np.lexsort((np.abs(times[allowed] - t), np.round(loudest[allowed])))
    return float(times[allowed[order[0]]])


def snap_requested(
    source: Path,
    transcript: Transcript,
    start: float,
    end: float,
    *,
    min_d: float,
    max_d: float,
    media_end: float,
    cancel: CancelToken | None = None,
    timeout: float | None = None,
) -> tuple[float, float]:
    """A re-render's requested `start`/`end` snapped into pauses (CONTRACTS §9), each within
    SNAP_REACH of its request and inside the media; the end then keeps min_d..max_d from the start
    where that reach allows (decodes ~3 s of audio around each time)."""
    # With captions only (sentence times, no word times) no boundary can tell a pause from a dip.
    words = any(segment.words for segment in transcript.segments)
    starts = transcript.start_boundaries() if words else None
    ends = transcript.end_boundaries() if words else None
    boundaries = sorted({*(starts or ()), *(ends or ())}) if words else None
    limit = media_end if media_end > 0 else math.inf
    start, end = min(start, limit), min(end, limit)  # a request past the media's end means its end

    def window(t: float) -> Window:
        origin = max(0.0, t - SNAP_REACH - QUIET_EDGE - CONTEXT)
        span = t + SNAP_REACH + QUIET_EDGE + CONTEXT - origin
        db = fine_energy(source, start=origin, duration=span, cancel=cancel, timeout=timeout, rate=SNAP_RATE)
        return Window(db, origin)

    s_lo, s_hi = max(0.0, start - SNAP_REACH), min(start + SNAP_REACH, limit)
    s = snap_time(window(start), start, "start", boundaries, starts, s_lo, max(s_lo, s_hi))
    end_window = window(end)
    e_lo, e_hi = end - SNAP_REACH, min(end + SNAP_REACH, limit)
    e = snap_time(end_window, end, "end", boundaries, ends, e_lo, max(e_lo, e_hi))
    if not min_d <= e - s <= max_d:  # snapped apart too far (or too close): the end gives way
        e_lo, e_hi = max(e_lo, s + min_d), min(e_hi, s + max_d)
        e = snap_time(end_window, end, "end", boundaries, ends, e_lo, max(e_lo, e_hi))
    return round(s, 3), round(e, 3)
