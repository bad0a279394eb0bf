"""Cuts land in the pause next to a transcript boundary, never inside a word (issue 9 item 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backend.pipeline.cuts import MAX_SHIFT, PAD, Cut, fit, land_in_silence, place_cut, silent_runs
from backend.pipeline.processor import VideoProcessor
from backend.pipeline.result import PipelineResult
from backend.pipeline.sources import Source
from tests.media import Talk, shifted_captions
from tests.pipeline.checks import assert_valid_clips
from tests.pipeline.conftest import MakeCtx

SPEECH, PAUSE = -20.0, -90.0


def frames(*spans: tuple[float, float]) -> np.ndarray:
    """10 ms frames over 2 s: speech in each (start, end) span, pause elsewhere."""
    db = np.full(200, PAUSE, dtype=np.float32)
    for a, b in spans:
        db[round(a * 100) : round(b * 100)] = SPEECH
    return db


def test_silent_runs_ignore_short_dips() -> None:
    mask = np.array([1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 1], dtype=bool)
    assert silent_runs(mask, 3) == [(0, 3), (7, 11)]


def test_start_late_into_first_word_moves_back_into_the_pause_with_pad() -> None:
    # speech 0.2-0.8 (previous sentence) and 1.2-2.0; the transcript says 1.28 (80 ms late)
    cut = place_cut(frames((0.2, 0.8), (1.2, 2.0)), 0.0, 1.28, "start")
    assert cut.at == pytest.approx(1.2 - PAD, abs=0.011)
    assert 0.8 <= cut.lo <= cut.at <= cut.hi <= 1.2


def test_end_early_inside_last_word_moves_forward_but_not_into_next_word() -> None:
    # last word ends 1.0; the next sentence starts at 1.2 (pause of 0.2 s, shorter than 2 pads)
    cut = place_cut(frames((0.2, 1.0), (1.2, 2.0)), 0.0, 0.954, "end")
    assert 1.0 <= cut.at <= 1.2 and cut.at == pytest.approx(1.1, abs=0.011)


def test_no_pause_in_reach_keeps_the_boundary() -> None:
    cut = place_cut(frames((0.0, 2.0)), 0.0, 1.0, "start")
    assert cut == Cut(1.0, 1.0, 1.0)


def test_cut_never_moves_more_than_max_shift() -> None:
    cut = place_cut(frames((0.0, 0.3), (1.5, 2.0)), 0.0, 1.0, "end")
    assert abs(cut.at - 1.0) <= MAX_SHIFT + 1e-9


def test_fit_keeps_duration_bounds_inside_the_pauses() -> None:
    s, e = fit(Cut(0.9, 0.8, 1.0), Cut(11.1, 11.0, 11.2), 5.0, 10.1, 100.0) or (0, 0)
    assert e - s == pytest.approx(10.1) and 0.8 <= s <= 1.0 and 11.0 <= e <= 11.2
    assert fit(Cut(0.9, 0.9, 0.9), Cut(11.1, 11.1, 11.1), 5.0, 10.0, 100.0) is None


def test_real_audio_cut_moves_out_of_the_first_word(talk_media: Talk) -> None:
    (on, off), (next_on, _) = talk_media.speech[5], talk_media.speech[6]
    start, end = land_in_silence(
        talk_media.video, on + 0.08, off - 0.046, min_d=1.0, max_d=60.0, media_end=talk_media.duration
    )
    assert talk_media.speech[4][1] < start < on and off < end < next_on


def inside_speech(t: float, talk_: Talk) -> bool:
    return any(a + 0.01 < t < b - 0.01 for a, b in talk_.speech)


def assert_cuts_in_pauses(result: PipelineResult, talk_: Talk) -> int:
    for clip in result.clips:
        for t in (clip.start_time, clip.end_time):
            assert not inside_speech(t, talk_), f"clip {clip.index} cut at {t:.3f} s is inside a sentence"
        assert clip.cut_shift is not None
        assert (
            abs(clip.cut_shift["start"]) <= MAX_SHIFT + 1e-3
            and abs(clip.cut_shift["end"]) <= MAX_SHIFT + 1e-3
        )
    return 2 * len(result.clips)


@pytest.mark.parametrize("offset", [0.25, -0.25])
def test_shifted_captions_never_cut_a_sentence(
    make_ctx: MakeCtx, talk_media: Talk, tmp_path: Path, offset: float
) -> None:
    vtt = shifted_captions(talk_media, offset, tmp_path / "shifted.vtt")
    ctx = make_ctx(source=Source(kind="file", path=talk_media.video, captions_path=vtt))
    result = VideoProcessor(ctx.config).run(ctx)
    assert result.transcript.source == "captions" and len(result.clips) == 3
    assert assert_cuts_in_pauses(result, talk_media) == 6
    assert_valid_clips(result, ctx.job_dir, 8.0, 25.0, source=talk_media.video)
    assert any(w.startswith("Cuts moved into the nearest pause") for w in ctx.reporter.warnings)
