"""Analysis against a local OpenAI-compatible server, through the real `openai` client."""

from __future__ import annotations

import time

import pytest

from backend.pipeline.captions import load_captions
from backend.pipeline.errors import AnalysisError
from backend.pipeline.grounding import Bounds, ground
from backend.pipeline.llm import LLMAnalyzer
from backend.pipeline.processor import VideoProcessor
from backend.pipeline.transcript import Transcript
from tests.media import OpenAIMock, Talk
from tests.pipeline.checks import on_boundary
from tests.pipeline.conftest import MakeCtx

BOUNDS = Bounds(8.0, 25.0, 3, 0.0)


def _analyze(mock: OpenAIMock, talk: Talk, **config: object) -> tuple[list, Transcript]:
    from backend.config import Config

    cfg = Config(openai_api_key="test", openai_base_url=mock.url, openai_timeout=5, openai_max_retries=2)
    cfg = cfg.with_overrides(**config)
    transcript = load_captions(talk.vtt, "en")
    result = LLMAnalyzer(cfg).analyze(transcript, [("viral_hooks", "# Hooks")], "", BOUNDS)
    return ground(result.candidates, transcript, BOUNDS, talk.duration), transcript


def _viral_start(talk: Talk) -> float:
    return next(s for s, _, text in talk.cues if text.startswith("Nobody tells you"))


@pytest.mark.parametrize(
    "modes",
    [
        ["malformed", "valid"],
        ["out_of_range"],
        ["string_times"],
        ["invented_quote"],
        ["duplicates"],
        ["429", "valid"],
        ["reject_schema"],
        ["prose"],
    ],
    ids=lambda m: "+".join(m),
)
def test_mock_modes_end_in_grounded_clips(modes: list[str], talk_media: Talk) -> None:
    with OpenAIMock(modes=modes).running() as mock:
        clips, transcript = _analyze(mock, talk_media)
    assert len(clips) == 1  # near-duplicates collapse to one
    clip = clips[0]
    assert on_boundary(clip.start, transcript) and on_boundary(clip.end, transcript)
    assert 8.0 <= clip.duration <= 25.0 and 0 <= clip.end <= talk_media.duration
    assert clip.key_quote in clip.transcript_segment and "Buy my course" not in clip.key_quote
    assert len(clip.title) <= 100
    if modes[0] != "out_of_range":
        assert clip.start == pytest.approx(_viral_start(talk_media), abs=0.01)
    if modes == ["string_times"]:
        assert clip.score == pytest.approx(0.92)
    if modes == ["reject_schema"]:
        kinds = [r["body"]["response_format"]["type"] for r in mock.requests]
        assert kinds == ["json_schema", "json_object"]
    if modes[0] == "429":
        assert [r["mode"] for r in mock.requests] == ["429", "valid"]


def test_structured_output_request_shape(talk_media: Talk) -> None:
    with OpenAIMock().running() as mock:
        _analyze(mock, talk_media)
    body = mock.requests[0]["body"]
    system, user = body["messages"]
    assert "never invent" in system["content"]
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["clips"]
    assert "[" in user["content"] and "between 8 and 25 seconds" in user["content"]


def test_malformed_twice_is_an_analysis_error(talk_media: Talk) -> None:
    with OpenAIMock(modes=["malformed"]).running() as mock, pytest.raises(AnalysisError, match="JSON"):
        _analyze(mock, talk_media)


def test_chunked_transcript_offsets_added_once(talk_media: Talk) -> None:
    with OpenAIMock().running() as mock:
        clips, _ = _analyze(mock, talk_media, llm_chunk_tokens=1600)
    assert len(mock.requests) > 1  # really chunked
    assert clips[0].start == pytest.approx(_viral_start(talk_media), abs=0.01)


def test_hang_ends_with_timeout_and_job_falls_back(make_ctx: MakeCtx, pipeline_config) -> None:
    with OpenAIMock(modes=["hang"], hang_seconds=60).running() as mock:
        config = pipeline_config.with_overrides(
            openai_api_key="test", openai_base_url=mock.url, openai_timeout=1.0, openai_max_retries=1
        )
        ctx = make_ctx(config=config)
        started = time.monotonic()
        result = VideoProcessor(config).run(ctx)
        elapsed = time.monotonic() - started
    assert elapsed < 45, "the job waited for the hanging model instead of timing out"
    warnings = [w for w in ctx.reporter.warnings if not w.startswith("Cuts moved")]
    assert len(warnings) == 1 and "timeout" in warnings[0]
    assert (
        result.analysis_meta["method"] == "local"
        and "OPENAI_TIMEOUT" in result.analysis_meta["fallback_reason"]
    )


def test_hang_without_fallback_fails_naming_the_timeout(make_ctx: MakeCtx, pipeline_config) -> None:
    with OpenAIMock(modes=["hang"], hang_seconds=10).running() as mock:
        config = pipeline_config.with_overrides(
            openai_api_key="test",
            openai_base_url=mock.url,
            openai_timeout=0.5,
            openai_max_retries=0,
            llm_fallback_to_local=False,
        )
        with pytest.raises(AnalysisError, match="0.5 s timeout"):
            VideoProcessor(config).run(make_ctx(config=config))
