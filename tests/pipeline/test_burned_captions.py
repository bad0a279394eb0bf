"""Burned captions and the hook title, measured on real libass renders (ffmpeg `subtitles`).

Each render is diffed against the same lavfi source without the filter (both decoded to rgb24,
so nothing but the burned text differs): every changed pixel must lie in the Shorts safe area,
the highlight colour must appear within a frame of each word's start, nothing may show during a
pause, a page may not exceed two lines, and dropped emoji must leave the render unchanged.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from backend.pipeline import ffmpeg
from backend.pipeline.errors import RenderError
from backend.pipeline.shorts import fonts
from backend.pipeline.shorts.ass import (
    PAUSE,
    CaptionStyle,
    build_ass,
    clip_words,
    subtitles_filter,
)
from backend.pipeline.shorts.fonts import caption_font, renderable, text_width
from backend.pipeline.transcript import Segment, Transcript, Word

FPS = 30
LONG_TITLE = "The one secret nobody ever tells you about working harder, and what you should do instead"


def timed(text: str, start: float) -> list[Word]:
    """Synthetic word timings off the frame grid: longer words last longer, short gaps between."""
    words, t = [], start
    for token in text.split():
        length = 0.17 + 0.025 * len(token)
        words.append(Word(round(t, 3), round(t + length, 3), token))
        t += length + 0.043
    return words


PHRASE_1 = timed("Nobody tells you this secret,", 0.217)
PHRASE_2 = timed("but the biggest mistake is working harder!", PHRASE_1[-1].end + 1.0)
WORDS = PHRASE_1 + PHRASE_2


# --- rendering and diffing ---------------------------------------------------------------------


@dataclass(frozen=True)
class FrameDiff:
    changed: int
    rows: tuple[int, int] | None  # first and last changed row
    cols: tuple[int, int] | None
    caption_rows: tuple[int, int] | None  # changed rows in the lower half (captions)
    title_box: tuple[int, int, int, int] | None  # (top, bottom, left, right) in the upper half
    yellow: int  # pixels of the highlight colour
    yellow_xy: tuple[float, float] | None  # their centroid


@dataclass(frozen=True)
class Render:
    width: int
    height: int
    ass: str
    frames: list[FrameDiff]
    digests: list[str]  # a hash of every frame with the captions


def _frames(source: str, width: int, height: int, duration: float, vf: list[str]) -> Iterator[np.ndarray]:
    spec = f"{source}{':' if '=' in source else '='}s={width}x{height}:r={FPS}:d={duration}"
    args = [
        "ffmpeg",
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        spec,
        "-vf",
        ",".join(["format=rgb24", *vf]),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    ]
    for block in ffmpeg.stream_stdout(args, block_size=width * height * 3, timeout=120):
        yield np.frombuffer(block, np.uint8).reshape(height, width, 3)


def _span(index: np.ndarray) -> tuple[int, int] | None:
    return (int(index[0]), int(index[-1])) if index.size else None


def _diff(with_subs: np.ndarray, plain: np.ndarray) -> FrameDiff:
    height = with_subs.shape[0]
    differs = with_subs != plain
    rows = np.flatnonzero(differs.reshape(height, -1).any(1))
    if not rows.size:
        return FrameDiff(0, None, None, None, None, 0, None)
    # the rest runs on the band of changed rows only (a frame is 6 MB, the text a small part)
    lo, hi = int(rows[0]), int(rows[-1]) + 1
    mask = differs[lo:hi].any(2)
    band = with_subs[lo:hi].astype(np.int16)
    r, g, b = band[..., 0], band[..., 1], band[..., 2]
    ys, xs = np.nonzero(mask & (r > 230) & (g > 180) & (g < 235) & (b < 70))
    half = height // 2
    top = mask[: max(0, half - lo)]
    top_rows, top_cols = np.flatnonzero(top.any(1)) + lo, np.flatnonzero(top.any(0))
    title_box = (
        (int(top_rows[0]), int(top_rows[-1]), int(top_cols[0]), int(top_cols[-1])) if top_rows.size else None
    )
    return FrameDiff(
        changed=int(mask.sum()),
        rows=_span(rows),
        cols=_span(np.flatnonzero(mask.any(0))),
        caption_rows=_span(rows[rows >= half]),
        title_box=title_box,
        yellow=int(ys.size),
        yellow_xy=(float(xs.mean()), float(ys.mean() + lo)) if ys.size else None,
    )


def render(
    tmp: Path,
    ass: str,
    *,
    width: int = 1080,
    height: int = 1920,
    duration: float,
    source: str = "color=c=0x203040",
) -> Render:
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "captions.ass"
    path.write_text(ass, encoding="utf-8")
    burned = _frames(source, width, height, duration, [subtitles_filter(path, caption_font().path.parent)])
    plain = _frames(source, width, height, duration, [])
    diffs, digests = [], []
    for a, b in zip(burned, plain, strict=True):
        diffs.append(_diff(a, b))
        digests.append(hashlib.sha256(a.tobytes()).hexdigest())
    return Render(width, height, ass, diffs, digests)


def style_size(ass: str, name: str) -> tuple[int, int, int]:
    """(font size, outline, shadow) of a style, read back from the document."""
    fields = re.search(rf"^Style: {name},[^,]*,(\d+),(?:[^,]*,){{13}}(\d+),(\d+),", ass, re.M)
    assert fields, name
    return int(fields[1]), int(fields[2]), int(fields[3])


@dataclass(frozen=True)
class SafeArea:
    top: int  # first allowed row
    bottom: int  # last allowed row
    left: int
    right: int

    @classmethod
    def of(cls, width: int, height: int) -> SafeArea:
        return cls(
            math.ceil(0.15 * height),
            math.floor(0.80 * height) - 1,
            math.ceil(0.12 * width),
            math.floor(0.88 * width) - 1,
        )


def extent(frames: list[FrameDiff]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) over every changed pixel of every frame."""
    rows = [f.rows for f in frames if f.rows]
    cols = [f.cols for f in frames if f.cols]
    assert rows and cols, "nothing was rendered"
    return min(r[0] for r in rows), max(r[1] for r in rows), min(c[0] for c in cols), max(c[1] for c in cols)


def assert_in_safe_area(r: Render) -> tuple[int, int, int, int]:
    top, bottom, left, right = extent(r.frames)
    safe = SafeArea.of(r.width, r.height)
    assert top >= safe.top and bottom <= safe.bottom, (top, bottom, safe)
    assert left >= safe.left and right <= safe.right, (left, right, safe)
    return top, bottom, left, right


# --- the renders (one per session each) ------------------------------------------------------


def _build(
    style: CaptionStyle, words: list[Word], title: str | None, w: int, h: int, dur: float, **kw: float
) -> str:
    return build_ass(words, style=style, width=w, height=h, title=title, duration=dur, **kw)


HIGHLIGHT_DURATION = round(PHRASE_2[-1].end + 0.4, 2)


@pytest.fixture(scope="session")
def highlight_render(tmp_path_factory: pytest.TempPathFactory) -> Render:
    ass = _build("highlight", WORDS, None, 1080, 1920, HIGHLIGHT_DURATION)
    return render(tmp_path_factory.mktemp("highlight"), ass, duration=HIGHLIGHT_DURATION)


@pytest.fixture(scope="session")
def clean_render(tmp_path_factory: pytest.TempPathFactory) -> Render:
    ass = _build("clean", WORDS, None, 1080, 1920, HIGHLIGHT_DURATION)
    return render(tmp_path_factory.mktemp("clean"), ass, duration=HIGHLIGHT_DURATION)


@pytest.fixture(scope="session")
def bold_title_render(tmp_path_factory: pytest.TempPathFactory) -> Render:
    ass = _build("bold", WORDS[:8], LONG_TITLE, 1080, 1920, 2.0, hook_seconds=1.5)
    return render(tmp_path_factory.mktemp("bold"), ass, duration=2.0, source="testsrc2")


@pytest.fixture(scope="session")
def square_render(tmp_path_factory: pytest.TempPathFactory) -> Render:
    ass = _build("highlight", WORDS[:9], LONG_TITLE, 1080, 1080, 2.4, hook_seconds=1.2)
    return render(
        tmp_path_factory.mktemp("square"), ass, width=1080, height=1080, duration=2.4, source="testsrc2"
    )


@pytest.fixture(scope="session")
def title_only_render(tmp_path_factory: pytest.TempPathFactory) -> Render:
    ass = _build("none", WORDS, LONG_TITLE, 1080, 1920, 1.5, hook_seconds=1.0)
    return render(tmp_path_factory.mktemp("none"), ass, duration=1.5)


# --- safe area ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["highlight_render", "clean_render", "bold_title_render", "square_render", "title_only_render"]
)
def test_every_burned_pixel_is_inside_the_safe_area(name: str, request: pytest.FixtureRequest) -> None:
    r: Render = request.getfixturevalue(name)
    top, bottom, left, right = assert_in_safe_area(r)
    safe = SafeArea.of(r.width, r.height)
    # centred: the side margins differ by no more than the shadow offset and rounding
    assert abs((left - safe.left) - (safe.right - right)) <= 40, (left, right)
    print(
        f"{name}: rows {top}..{bottom} (allowed {safe.top}..{safe.bottom}), "
        f"cols {left}..{right} (allowed {safe.left}..{safe.right})"
    )


@pytest.mark.parametrize("name", ["bold_title_render", "square_render", "title_only_render"])
def test_long_title_wraps_to_three_lines_without_touching_the_edges(
    name: str, request: pytest.FixtureRequest
) -> None:
    r: Render = request.getfixturevalue(name)
    title_event = next(
        line for line in r.ass.splitlines() if ",Title," in line and line.startswith("Dialogue")
    )
    assert title_event.count("\\N") == 2  # three lines, wrapped by us
    size = int(m[1]) if (m := re.search(r"\\fs(\d+)", title_event)) else style_size(r.ass, "Title")[0]
    boxes = [f.title_box for f in r.frames if f.title_box]
    assert boxes, "no title rendered"
    top, bottom = min(b[0] for b in boxes), max(b[1] for b in boxes)
    left, right = min(b[2] for b in boxes), max(b[3] for b in boxes)
    safe = SafeArea.of(r.width, r.height)
    assert top > safe.top and left > safe.left and right < safe.right  # a gap on every side
    assert bottom - top + 1 >= 3 * size  # all three lines (and the box) are drawn
    print(f"{name}: title size {size}px, box rows {top}..{bottom}, cols {left}..{right}, safe {safe}")


def test_title_disappears_after_the_hook(title_only_render: Render) -> None:
    r = title_only_render
    shown = [i for i, f in enumerate(r.frames) if f.changed]
    assert shown and shown[0] == 0
    assert shown[-1] == math.ceil(1.0 * FPS) - 1  # last frame before 1.0 s
    assert all(f.caption_rows is None for f in r.frames)  # style "none": no caption pixels at all


# --- highlight timing --------------------------------------------------------------------------


def _near(xy: tuple[float, float] | None, ref: tuple[float, float]) -> bool:
    return xy is not None and abs(xy[0] - ref[0]) < 4 and abs(xy[1] - ref[1]) < 4


def test_highlight_appears_within_one_frame_of_each_word_start(highlight_render: Render) -> None:
    frames = highlight_render.frames
    errors = []
    for k, word in enumerate(WORDS):
        nxt = (
            WORDS[k + 1].start if k + 1 < len(WORDS) and WORDS[k + 1].start - word.end <= PAUSE else word.end
        )
        ref = frames[round((word.start + nxt) / 2 * FPS)].yellow_xy  # the word, mid-event
        assert ref is not None, word
        expected = math.ceil(word.start * FPS)  # the first frame at or after the word's start

        # the first frame (searching from 4 early) where the highlight sits on this word
        onset = next(i for i in range(max(0, expected - 4), expected + 5) if _near(frames[i].yellow_xy, ref))
        errors.append(onset - expected)
    print(f"highlight onset error (frames) per word: {errors}")
    assert max(abs(e) for e in errors) <= 1


def test_no_caption_during_a_pause(highlight_render: Render, clean_render: Render) -> None:
    gap_from, gap_to = PHRASE_1[-1].end, PHRASE_2[0].start
    inside = range(math.ceil(gap_from * FPS) + 1, math.floor(gap_to * FPS))
    assert len(inside) > 20
    for r in (highlight_render, clean_render):
        assert all(r.frames[i].changed == 0 for i in inside)
        # ...while words are spoken on both sides of it
        assert r.frames[math.ceil(gap_from * FPS) - 2].changed > 0
        assert r.frames[math.ceil(gap_to * FPS) + 1].changed > 0


def test_caption_pages_have_at_most_two_lines(
    highlight_render: Render, clean_render: Render, bold_title_render: Render
) -> None:
    for r, lines in ((highlight_render, 2), (clean_render, 2), (bold_title_render, 1)):
        size, outline, shadow = style_size(r.ass, "Caption")
        heights = [f.caption_rows[1] - f.caption_rows[0] + 1 for f in r.frames if f.caption_rows]
        assert heights
        tallest = max(heights)
        # `lines` lines of text are (lines - 1) line pitches plus one line's ink, outline and shadow
        assert tallest <= lines * size + 2 * outline + shadow, (tallest, size)
        assert tallest > (lines - 1) * size  # and a page that uses them exists
        print(
            f"caption size {size}px: tallest page {tallest}px = {tallest / size:.2f} line heights (≤ {lines})"
        )


# --- glyph coverage ----------------------------------------------------------------------------


def test_renderable_drops_what_the_font_cannot_draw() -> None:
    assert renderable("Fire 🔥 sale ✨!") == "Fire sale !"
    assert renderable("👨\u200d👩\u200d👧 family ❤\ufe0f time") == "family ❤ time"  # ❤ is in DejaVu
    assert renderable("日本語 text\n\tnext") == "text next"
    assert renderable("Café \u2013 naïve") == "Café \u2013 naïve"
    font = caption_font()
    assert font.family == "DejaVu Sans" and ord("é") in font.codepoints and 0x1F525 not in font.codepoints


def test_emoji_render_identically_to_the_text_without_them(tmp_path: Path) -> None:
    def doc(with_emoji: bool) -> str:
        fire, sparkle = ("🔥", "✨") if with_emoji else ("", "")
        seg = Segment(
            10.0,
            11.5,
            "x",
            (
                Word(10.1, 10.5, f"Hot{fire}"),
                Word(10.55, 10.7, f"{fire}{sparkle}"),
                Word(10.72, 10.8, f"{sparkle}take!"),
            ),
        )
        words = clip_words(Transcript("en", [seg], "whisper"), 10.0, 11.5)
        return build_ass(
            words,
            style="highlight",
            width=1080,
            height=1920,
            title=f"{fire} Big news {sparkle}today",
            duration=0.8,
        )

    with_emoji = render(tmp_path / "emoji", doc(True), duration=0.8)
    without = render(tmp_path / "plain", doc(False), duration=0.8)
    assert sum(f.changed for f in without.frames) > 0
    assert with_emoji.digests == without.digests


# --- units -------------------------------------------------------------------------------------


def test_text_width_matches_the_rendered_ink(tmp_path: Path) -> None:
    """A one-line clean caption's ink is as wide as we measured (so our line breaks hold)."""
    text = "Ink {x} \\N of it"
    ass = build_ass([Word(0.0, 0.5, text)], style="clean", width=1080, height=1920, title=None, duration=0.5)
    size, outline, shadow = style_size(ass, "Caption")
    r = render(tmp_path, ass, duration=0.2)
    frame = r.frames[0]
    assert frame.rows and frame.cols
    ink = frame.cols[1] - frame.cols[0] + 1
    measured = text_width(text, size)
    assert 0.93 * measured <= ink <= measured + 2 * outline + shadow, (ink, measured)
    # braces and the backslash are literal: one line, not a \N break nor an override
    assert frame.rows[1] - frame.rows[0] + 1 <= size + 2 * outline + shadow
    print(f"width of {text!r} at {size}px: measured {measured:.1f}, rendered ink {ink}")


def test_subtitles_filter_escapes_awkward_paths(tmp_path: Path) -> None:
    weird = tmp_path / "it's a: dir, [x]; y"
    fonts_dir = weird / "fonts, it's: here"
    fonts_dir.mkdir(parents=True)
    shutil.copy(caption_font().path, fonts_dir)
    ass_path = weird / "cap: it's, mine.ass"
    ass_path.write_text(build_ass(WORDS[:3], style="bold", width=360, height=640, title=None, duration=1.0))
    vf = subtitles_filter(ass_path, fonts_dir)
    assert vf.startswith("subtitles=filename=")
    lit = max(int(np.any(f > 40, axis=2).sum()) for f in _frames("color=c=black", 360, 640, 0.5, [vf]))
    assert lit > 200  # the caption file was found and drawn


def test_clip_words_rebases_and_spreads_untimed_segments() -> None:
    transcript = Transcript(
        "en",
        [
            Segment(8.0, 9.9, "before and during", (Word(8.0, 9.0, "before"), Word(9.4, 9.9, "during"))),
            Segment(10.0, 11.0, "hello wonderful world 🔥"),
            Segment(12.0, 13.0, "after", (Word(12.0, 13.0, "after"),)),
        ],
        "captions",
    )
    words = clip_words(transcript, 9.4, 11.2)
    assert [w.word for w in words] == ["during", "hello", "wonderful", "world"]
    # letters + 1 per word: hello 6, wonderful 10, world 6 of 22 (the emoji takes no time)
    expected = [0.0, 0.6, 0.6 + 6 / 22, 0.6 + 16 / 22]
    assert [w.start for w in words] == pytest.approx(expected, abs=1e-3)
    assert words[-1].end == pytest.approx(0.6 + 22 / 22, abs=1e-3)


def test_highlight_events_cover_the_gaps_and_only_recolour() -> None:
    ass = build_ass(
        WORDS, style="highlight", width=1080, height=1920, title=None, duration=HIGHLIGHT_DURATION
    )
    events = [line.split(",", 9) for line in ass.splitlines() if line.startswith("Dialogue:")]
    assert len(events) == len(WORDS)
    assert all(re.fullmatch(r"\d:\d\d:\d\d\.\d\d", time) for event in events for time in event[1:3])
    ends_starts = [(a[2], b[1]) for a, b in itertools.pairwise(events)]
    pause_at = len(PHRASE_1) - 1
    for k, (end, start) in enumerate(ends_starts):
        assert (end == start) == (k != pause_at)  # contiguous, except across the pause
    for event in events:
        text = event[9]
        assert text.count("\\1c&H0000D7FF&") == 1
        assert "\\fs" not in text and "\\fsc" not in text  # recolour, never scale


def test_missing_font_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fonts, "FONT_PATH", tmp_path / "DejaVuSans-Bold.ttf")
    fonts.caption_font.cache_clear()
    try:
        with pytest.raises(RenderError, match="fonts-dejavu-core"):
            fonts.caption_font()
    finally:
        monkeypatch.undo()
        fonts.caption_font.cache_clear()
