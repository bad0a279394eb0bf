"""A re-render's requested times snap into the nearest pause between words within ±1 s
(CONTRACTS §9, issue 23 point 2): on frames built here, and on real recorded speech."""

from __future__ import annotations

import numpy as np
import pytest

from backend.pipeline.cuts import QUIET_EDGE, SNAP_REACH, Window, snap_requested, snap_time
from tests.pipeline.real_speech import frame_db, librivox, loudest_within, speech_level

SPEECH, PAUSE = -20.0, -70.0


def window(*spans: tuple[float, float], level: float = SPEECH, seconds: float = 4.0) -> Window:
    """10 ms frames from 0 s: pause, with speech at `level` in each (start, end) span."""
    db = np.full(round(seconds * 100), PAUSE, dtype=np.float32)
    for a, b in spans:
        db[round(a * 100) : round(b * 100)] = level
    return Window(db, 0.0)


def test_a_time_inside_a_word_snaps_to_the_nearest_pause_between_words() -> None:
    # words 0.2-1.0 and 1.2-3.5 (one long word), a gap at 1.0-1.2; the request is inside the word
    w = window((0.2, 1.0), (1.2, 3.5))
    bounds = [0.2, 1.0, 1.2, 3.5]
    at = snap_time(w, 1.6, "start", bounds, bounds, 0.6, 2.6)
    assert 1.0 + QUIET_EDGE <= at <= 1.2 - QUIET_EDGE
    assert at == pytest.approx(1.2 - QUIET_EDGE, abs=0.011), "the nearest point of the pause"


def test_a_time_already_in_a_pause_stays() -> None:
    w = window((0.2, 1.0), (1.8, 3.5))
    bounds = [0.2, 1.0, 1.8, 3.5]
    assert snap_time(w, 1.4, "end", bounds, bounds, 0.4, 2.4) == pytest.approx(1.4, abs=0.006)


def test_a_dip_inside_a_long_word_is_not_a_pause() -> None:
    # one word 0.5-2.5 with a 150 ms stop closure at 1.5; the only pause between words at 2.5-2.8
    w = window((0.5, 1.5), (1.65, 2.5), (2.8, 4.0))
    bounds = [0.5, 2.5, 2.8, 4.0]
    at = snap_time(w, 1.55, "end", bounds, bounds, 0.55, 2.55 + 0.3)
    assert 2.5 + QUIET_EDGE <= at <= 2.8 - QUIET_EDGE


def test_never_further_than_the_reach_even_for_a_pause() -> None:
    # the only pause is 1.5 s away: the time stays within ±1 s, at the quietest point near a boundary
    w = window((0.0, 2.0), (2.2, 4.0))
    w.db[round(1.15 * 100) : round(1.35 * 100)] = SPEECH - 9  # a softer join of two words at 1.25
    bounds = [0.0, 1.25, 2.0, 2.2, 4.0]
    at = snap_time(w, 0.5, "start", bounds, bounds, 0.0, 0.5 + SNAP_REACH)
    assert at <= 0.5 + SNAP_REACH and at == pytest.approx(1.25, abs=0.051)


def test_captions_only_any_quiet_run_counts() -> None:
    # no word times (boundaries None): the gap at 1.0-1.2 is taken although no boundary marks it
    w = window((0.2, 1.0), (1.2, 3.5))
    at = snap_time(w, 1.5, "start", None, None, 0.5, 2.5)
    assert 1.0 + QUIET_EDGE <= at <= 1.2 - QUIET_EDGE


@pytest.mark.slow
def test_real_speech_requested_times_land_in_pauses_within_a_second() -> None:
    """20 requested times across ~25 s of read speech (LibriVox, forced-aligned words): each
    snapped time has ±40 ms of audio at least 6 dB under the speech level around it, and moved at
    most 1 s from its request."""
    speech = librivox()
    db = frame_db(speech.samples)
    spans = [(a, b) for a, b, _ in speech.words]
    rng = np.random.default_rng(7)
    starts = np.linspace(0.6, speech.duration - 6.5, 10) + rng.uniform(-0.3, 0.3, 10)
    requested, snapped = [], []
    for start in starts:
        end = float(start + rng.uniform(3.5, 6.0))
        s, e = snap_requested(
            speech.wav,
            speech.transcript,
            float(start),
            end,
            min_d=1.0,
            max_d=180.0,
            media_end=speech.duration,
        )
        assert 1.0 <= e - s <= 180.0
        requested += [float(start), end]
        snapped += [s, e]
    inside_words = [t for t in requested if any(a + 0.02 < t < b - 0.02 for a, b in spans)]
    assert len(inside_words) >= 10, "most requests should fall inside words"
    for want, got in zip(requested, snapped, strict=True):
        assert abs(got - want) <= SNAP_REACH + 1e-9, f"{want:.3f} s moved to {got:.3f} s"
        level = speech_level(db, spans, want)
        loudest = loudest_within(db, got)
        assert (
            loudest <= level - 6.0
        ), f"{want:.3f} s snapped to {got:.3f} s: {loudest - level:+.1f} dB against the speech level"
