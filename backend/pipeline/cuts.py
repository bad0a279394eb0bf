"""Move each clip cut from its transcript boundary into the pause next to it, found in the audio.

Whisper's segment and word times, and caption cues, are only good to roughly ±0.2 s, so a cut
snapped to them often clips the first syllable or the last one. Here each cut looks at the audio
itself (dBFS per 10 ms frame, from `audio.fine_energy`) within ±MAX_SHIFT of the boundary, picks
the silent run nearest to it (a start prefers the run before, an end the run after: including a
little silence is harmless, cutting a word is not) and settles PAD away from the speech where
the pause is long enough. A cut only ever lands inside a silent run, so it never moves into a
neighbouring word; with no silent run in reach it stays where the transcript put it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backend.pipeline.audio import FINE_FRAME, fine_energy
from backend.pipeline.cancel import CancelToken

MAX_SHIFT = 0.3  # seconds a cut may move
PAD = 0.15  # silence kept between a cut and the speech next to it, where the pause allows
MIN_PAUSE = 0.06  # shorter dips are stop consonants inside a word, not pauses
CONTEXT = 1.0  # seconds of audio decoded either side of a boundary to judge what is quiet
SPEECH_BELOW_PEAK = 35.0  # dB under the window's loud frames that still counts as speech
FLOOR_MARGIN = 10.0  # dB above the window's noise floor that is still silence
QUIET_WINDOW = -50.0  # a window whose loud frames stay under this dBFS is silent throughout
MIN_CONTRAST = 15.0  # dB between loud frames and floor needed to tell speech from pause


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
