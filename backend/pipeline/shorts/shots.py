"""Shot boundaries from the frame differences of the analysis decode.

Each sample is reduced to a tiny grey thumbnail; the change between consecutive samples is the
mean of a grey-histogram distance and the mean absolute pixel difference. A cut is a local peak
that stands well above the clip's usual change nearby (an adaptive threshold, so a busy handheld
shot does not cut at every pan) and above an absolute floor. Shots shorter than MIN_SHOT merge into
the neighbour they resemble most, because the layout may only change at a boundary.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import cv2
import numpy as np

THUMB = (64, 36)
HIST_BINS = 32
CUT_FLOOR = 0.15  # a change below this is never a cut (x264 noise and slow pans stay far under)
CUT_RATIO = 3.0  # ... and it must be this many times the local median change
LOCAL = 15  # samples either side for that median
MIN_SHOT = 1.5  # seconds


def thumbnail(rgb: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, THUMB, interpolation=cv2.INTER_AREA)


def change(a: np.ndarray, b: np.ndarray) -> float:
    """0 (same picture) .. 1 (nothing alike) between two thumbnails."""
    ha = np.bincount(a.ravel() // (256 // HIST_BINS), minlength=HIST_BINS) / a.size
    hb = np.bincount(b.ravel() // (256 // HIST_BINS), minlength=HIST_BINS) / b.size
    hist = float(np.abs(ha - hb).sum()) / 2
    mad = float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean()) / 255
    return (hist + min(1.0, 2 * mad)) / 2


def find_cuts(changes: Sequence[float]) -> list[int]:
    """Indices i of the samples that start a new shot (`changes[i]` is between samples i-1 and i)."""
    d = np.asarray(changes, dtype=float)
    cuts = []
    for i in range(1, len(d)):
        lo, hi = max(1, i - LOCAL), min(len(d), i + LOCAL + 1)
        around = np.concatenate([d[lo:i], d[i + 1 : hi]])
        base = float(np.median(around)) if around.size else 0.0
        peak = d[i] >= d[max(1, i - 1)] and (i + 1 >= len(d) or d[i] >= d[i + 1])
        if peak and d[i] >= max(CUT_FLOOR, CUT_RATIO * base):
            cuts.append(i)
    return cuts


def segment(
    times: Sequence[float], changes: Sequence[float], duration: float, min_shot: float = MIN_SHOT
) -> list[tuple[float, float]]:
    """(start, end) of each shot over [0, duration]; no shot shorter than `min_shot` unless the clip is."""
    cuts = find_cuts(changes)
    bounds = [0.0, *(float(times[i]) for i in cuts), duration]
    strength = [float(changes[i]) for i in cuts]  # strength[k] belongs to bounds[k + 1]
    while len(bounds) > 2:
        lengths = np.diff(bounds)
        k = int(np.argmin(lengths))
        if lengths[k] >= min_shot:
            break
        # Drop the weaker of the shot's two boundaries (the only one at the clip's ends).
        if k == 0:
            drop = 1
        elif k == len(lengths) - 1:
            drop = len(bounds) - 2
        else:
            drop = k if strength[k - 1] <= strength[k] else k + 1
        del bounds[drop]
        del strength[drop - 1]
    return list(itertools.pairwise(bounds))
