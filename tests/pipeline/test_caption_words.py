"""Every word of a manual-captions source is timed from the audio (issue 9 item 3)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import pytest

from backend.pipeline.captions import parse_vtt_or_srt, time_words, to_srt
from backend.pipeline.sources import Source
from backend.pipeline.stages.base import PipelineState
from backend.pipeline.stages.download import DownloadStage
from backend.pipeline.stages.transcribe import TranscribeStage
from backend.pipeline.transcript import Segment
from tests.media import word_talk
from tests.pipeline.conftest import MakeCtx


def test_words_follow_the_pauses_not_the_clock() -> None:
    # "a b" in a 0-1 s cue, but speech is 0.1-0.2 ("a") and 0.6-0.9 ("b"): even spreading says 0.5
    db = np.full(100, -90.0, dtype=np.float32)
    db[10:20] = db[60:90] = -20.0
    (seg,) = time_words([Segment(0.0, 1.0, "aa bb")], db, 0.01)
    assert [(w.word, w.start, w.end) for w in seg.words] == [("aa", 0.1, 0.2), ("bb", 0.6, 0.9)]


def test_cues_that_already_have_words_are_kept() -> None:
    seg = Segment(0.0, 1.0, "x", ())
    timed = time_words([seg], np.zeros(0, dtype=np.float32), 0.01)[0]
    assert timed.words and timed.words[0].word == "x"  # no audio: spread over the cue


@pytest.mark.parametrize("offset", [0.0, 0.2])
def test_manual_captions_words_timed_from_audio(make_ctx: MakeCtx, tmp_path: Path, offset: float) -> None:
    """One cue per sentence (also 0.2 s late, as caption files often are): words found in the audio."""
    media = word_talk()
    cues = [(s.start + offset, s.end + offset, s.text) for s in parse_vtt_or_srt(media.srt.read_text())]
    srt = tmp_path / "words.srt"
    srt.write_text(to_srt(cues))
    ctx = make_ctx(source=Source(kind="file", path=media.video, captions_path=srt))
    state = PipelineState()
    DownloadStage().run(ctx, state)
    TranscribeStage().run(ctx, state)
    data = json.loads((ctx.job_dir / "transcript.json").read_text())
    assert data["source"] == "captions" and len(data["segments"]) == 5
    words = [w for seg in data["segments"] for w in seg["words"]]
    assert [w["word"] for w in words] == [w for _, _, w in media.words]
    for seg in data["segments"]:
        assert all(seg["start"] - 0.31 <= w["start"] < w["end"] <= seg["end"] + 0.3 for w in seg["words"])
    errors = [abs(w["start"] - true) for w, (true, _, _) in zip(words, media.words, strict=True)]
    assert statistics.median(errors) < 0.15, f"median word-start error {statistics.median(errors):.3f} s"
