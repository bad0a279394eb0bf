"""Pure pieces: captions, criteria, lenient LLM parsing, chunking, grounding."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import REPO_ROOT
from backend.pipeline.captions import (
    clip_cues,
    dedupe_rolling,
    load_captions,
    parse_json3,
    parse_vtt_or_srt,
    to_srt,
)
from backend.pipeline.criteria import CriteriaError, load_builtin_criteria, parse_criterion_file
from backend.pipeline.grounding import Bounds, ClipCandidate, dedupe, ground, literal_quote
from backend.pipeline.llm import chunk_transcript, parse_clips, parse_score, parse_time, to_candidates
from backend.pipeline.transcript import Segment, Transcript, Word
from tests.media import Talk

ROLLING_VTT = """WEBVTT
Kind: captions

00:00:00.000 --> 00:00:02.000 align:start position:0%
hello<00:00:00.500><c> there</c><00:00:01.000><c> friends</c>

00:00:02.000 --> 00:00:02.010 align:start position:0%
hello there friends

00:00:02.010 --> 00:00:04.000 align:start position:0%
hello there friends
this<00:00:02.500><c> is</c><00:00:03.000><c> new</c>

00:00:04.000 --> 00:00:04.010
this is new
"""


def test_rolling_auto_captions_are_deduplicated() -> None:
    segments = dedupe_rolling(parse_vtt_or_srt(ROLLING_VTT))
    assert [s.text for s in segments] == ["hello there friends", "this is new"]
    assert [w.word for w in segments[1].words] == ["this", "is", "new"]
    assert segments[1].words[1].start == pytest.approx(2.5)


def test_srt_and_vtt_of_the_talk_parse_to_true_timings(talk_media: Talk) -> None:
    for path in (talk_media.vtt, talk_media.srt):
        transcript = load_captions(path, "en")
        assert [(s.start, s.end, s.text) for s in transcript.segments] == [
            (pytest.approx(a, abs=1e-3), pytest.approx(b, abs=1e-3), t) for a, b, t in talk_media.cues
        ]


def test_json3_captions() -> None:
    data = (
        '{"events": [{"tStartMs": 1000, "dDurationMs": 2000,'
        ' "segs": [{"utf8": "hi"}, {"utf8": " you", "tOffsetMs": 800}]}]}'
    )
    (seg,) = parse_json3(data)
    assert (seg.start, seg.end, seg.text) == (1.0, 3.0, "hi you")
    assert [(w.start, w.word) for w in seg.words] == [(1.0, "hi"), (1.8, "you")]


def test_clip_cues_are_cut_and_rebased() -> None:
    t = Transcript("en", [Segment(0, 4, "a."), Segment(4, 8, "b."), Segment(8, 12, "c.")], "captions")
    assert clip_cues(t, 5.0, 9.0) == [(0.0, 3.0, "b."), (3.0, 4.0, "c.")]
    assert to_srt(clip_cues(t, 5.0, 9.0)).startswith("1\n00:00:00,000 --> 00:00:03,000\nb.\n")


def test_criterion_file_parsing() -> None:
    text = (
        "# Money talk\n\nLook for prices.\n\n## Ranker hints\nkeywords: price, Cost\nphrases: how much\n"
        "patterns: \\$\\d+; (bad\nweight: 2\n"
    )
    title, body, hints = parse_criterion_file("money", text)
    assert title == "Money talk" and body == "# Money talk\n\nLook for prices."
    assert hints.keywords == ("price", "cost") and hints.phrases == ("how much",) and hints.weight == 2.0
    assert [p.pattern for p in hints.patterns] == ["\\$\\d+"]  # the invalid regex is skipped
    with pytest.raises(CriteriaError):
        parse_criterion_file("x", "no heading")


def test_builtin_criteria_load() -> None:
    criteria = load_builtin_criteria(REPO_ROOT / "criteria")
    assert "viral_hooks" in {c.name for c in criteria}
    assert all(len(c.sha256) == 64 and c.source == "builtin" for c in criteria)


def test_builtin_criteria_skip_readme(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Criteria\n")
    (tmp_path / "a_b.md").write_text("# A\nbody\n")
    assert [c.name for c in load_builtin_criteria(tmp_path)] == ["a_b"]


@pytest.mark.parametrize(
    "value, expected",
    [
        (75, 75.0),
        ("75.5", 75.5),
        ("1:15.5", 75.5),
        ("01:01:15", 3675.0),
        ("12s", 12.0),
        ("x", None),
        (None, None),
    ],
)
def test_time_parsing(value: object, expected: float | None) -> None:
    assert parse_time(value) == expected


def test_score_and_lenient_json() -> None:
    assert parse_score(85) == 0.85 and parse_score("0.4") == 0.4 and parse_score("90%") == 0.9
    text = 'Sure! Here you go:\n```json\n{"clips": [{"start_time": "0:05", "end_time": 20}]}\n```\nBye'
    assert parse_clips(text) == [{"start_time": "0:05", "end_time": 20}]
    assert parse_clips('[{"start": 1, "end": 2}] trailing') == [{"start": 1, "end": 2}]
    with pytest.raises(ValueError):
        parse_clips('{"clips": [{"start_time": 1, "end_time": oops')


def _long_transcript(n: int = 400) -> Transcript:
    return Transcript(
        "en", [Segment(i * 3.0, i * 3.0 + 2.5, f"Sentence number {i} is here.") for i in range(n)], "captions"
    )


def test_chunks_use_local_times_and_offset_is_added_once() -> None:
    transcript = _long_transcript()
    chunks = chunk_transcript(transcript, max_tokens=2000)
    assert len(chunks) > 2
    later = chunks[2]
    assert later.lines().startswith("[0.0-2.5]")
    assert later.segments[0].start < chunks[1].segments[-1].end  # chunks overlap
    (cand,) = to_candidates([{"start_time": 3.0, "end_time": 20.5}], later.offset)
    assert cand.start == later.offset + 3.0 and cand.end == later.offset + 20.5


def test_grounding_snaps_fits_and_dedupes() -> None:
    t = Transcript(
        "en",
        [
            Segment(
                i * 3.0,
                i * 3.0 + 2.5,
                f"Line {i}.",
                (Word(i * 3.0, i * 3.0 + 1.2, "Line"), Word(i * 3.0 + 1.3, i * 3.0 + 2.5, f"{i}.")),
            )
            for i in range(40)
        ],
        "captions",
    )
    bounds = Bounds(10.0, 20.0, 3, 0.2)
    cands = [
        ClipCandidate(start=-50, end=500, score=0.9, title="x" * 300, key_quote="Line 0. Line 1."),
        ClipCandidate(start=0.4, end=14.2, score=0.5, key_quote="invented words"),  # near duplicate
        ClipCandidate(start=60.7, end=62.0, score=0.6),  # too short: extended along sentences
        ClipCandidate(start=90.0, end=100.0, score=0.1),  # below min_score
    ]
    clips = ground(cands, t, bounds, source_duration=120)
    assert [c.score for c in clips] == [0.9, 0.6]
    for clip in clips:
        assert 10.0 <= clip.duration <= 20.0
        assert round(clip.start % 3.0, 3) == 0.0 and clip.key_quote in clip.transcript_segment
    assert len(clips[0].title) <= 100 and clips[0].key_quote == "Line 0. Line 1."
    assert literal_quote("invented words", "Line 1. Line 2.") == "Line 1."
    assert len(dedupe([ClipCandidate(0, 10, 0.5), ClipCandidate(4, 14, 0.9)])) == 1
