"""Burned captions and the hook title of a Short, as one ASS document for libass (CONTRACTS §9).

Everything is laid out here, not by libass: lines are broken with our own `\\N` (WrapStyle 2, no
automatic wrapping) after measuring words with the caption font's advances, so we know every
line fits the Shorts safe area: nothing in the top 15 %, the bottom 20 % or the right 12 % of
the frame (and 12 % on the left too, so text stays centred).

Timing: a word's event runs from its start to the next word's start, so the highlight never runs
ahead of the voice and nothing flickers between words; a pause longer than `PAUSE` ends the page,
so no caption stays up while nobody speaks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from backend.pipeline.shorts.fonts import FONT_FAMILY, renderable, text_width
from backend.pipeline.transcript import Transcript, Word

CaptionStyle = Literal["none", "highlight", "bold", "clean"]

SAFE_TOP = 0.15
SAFE_BOTTOM = 0.20
SAFE_SIDE = 0.12  # the right edge holds YouTube's buttons; the left matches it so text is centred
# Fluent speech leaves gaps of up to ~0.25 s between words (and Whisper's word times wobble by
# about that); a pause a listener notices, between phrases or sentences, is longer. 0.4 s keeps
# a page up through the first and takes it down for the second.
PAUSE = 0.4
EDGE_TOLERANCE = 0.05  # how far a word may stick out of the clip and still count (as text_between)

WHITE = "&H00FFFFFF"
HIGHLIGHT = "&H0000D7FF"  # ASS is &HAABBGGRR: this is golden yellow (255, 215, 0)
BLACK = "&H00000000"
SHADOW = "&H80000000"
TITLE_BOX = "&H33000000"  # 80 % opaque black behind the title

_CLOSERS = "\"'\u201d\u2019)\\]"  # closing quotes and brackets may follow the punctuation
_SENTENCE_END = re.compile(f"[.!?\u2026][{_CLOSERS}]*$")
_CLAUSE_END = re.compile(f"[,;:\u2014\u2013-][{_CLOSERS}]*$")
# A line or page reads best when it starts with one of these rather than ends with it.
_PHRASE_STARTS = frozenset(
    "and but or nor so yet because although though while when whenever where if unless until "
    "since that which who whom whose what then than as like to of in on at for with from by about "
    "into onto over under after before through without between against during".split()
)
_WEAK_ENDS = frozenset("a an the my your his her its our their this that to of in on at for with".split())
_MINI_PAUSE = 0.15  # a gap this long inside a phrase is still a natural place to break


@dataclass(frozen=True)
class _Look:
    """Sizes of one caption style, as fractions of the frame's shorter side."""

    size: float
    max_lines: int
    max_words: int
    upper: bool = False


_LOOKS: dict[str, _Look] = {
    "highlight": _Look(size=0.070, max_lines=2, max_words=7),
    "bold": _Look(size=0.100, max_lines=1, max_words=3, upper=True),
    "clean": _Look(size=0.058, max_lines=2, max_words=14),
}
TITLE_SIZE = 0.068
TITLE_MIN_SIZE = 0.036
TITLE_MAX_LINES = 3


# --- words of a clip -----------------------------------------------------------------------


def clip_words(transcript: Transcript, start: float, end: float) -> list[Word]:
    """The words spoken inside [start, end], cleaned for the caption font, timed from the clip start."""
    words: list[Word] = []
    length = end - start
    for seg in transcript.segments:
        if seg.end <= start or seg.start >= end:
            continue
        for word in seg.words or _spread_by_letters(seg.start, seg.end, seg.text):
            if word.start < start - EDGE_TOLERANCE or word.end > end + EDGE_TOLERANCE:
                continue
            text = renderable(word.word)
            if text:
                s = min(max(word.start - start, 0.0), length)
                words.append(Word(round(s, 3), round(min(max(word.end - start, s), length), 3), text))
    return sorted(words, key=lambda w: w.start)


def _spread_by_letters(start: float, end: float, text: str) -> list[Word]:
    """Word times for a segment that has none (e.g. a caption file without word timing).

    Nothing better is known at this stage than the segment's span, and a long word takes longer
    to say than a short one: sharing the span by letters (plus one per word, for the gap) keeps
    the highlight closer to the voice than an equal share per word would.
    """
    tokens = [t for t in text.split() if renderable(t)]  # an emoji takes no time to say
    weights = [len(re.sub(r"\W", "", t)) + 1 for t in tokens]
    total = sum(weights) or 1
    words, acc = [], 0
    for token, weight in zip(tokens, weights, strict=True):
        t0 = start + (end - start) * acc / total
        acc += weight
        words.append(Word(t0, start + (end - start) * acc / total, token))
    return words


# --- geometry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    width: int
    height: int

    @property
    def unit(self) -> int:
        return min(self.width, self.height)

    @property
    def safe_left(self) -> int:
        return math.ceil(self.width * SAFE_SIDE)

    @property
    def safe_top(self) -> int:
        return math.ceil(self.height * SAFE_TOP)

    @property
    def safe_bottom(self) -> int:
        """The first row captions may not touch (80 % of the height)."""
        return math.floor(self.height * (1 - SAFE_BOTTOM))


def _outline(size: float) -> int:
    return max(2, round(size * 0.07))


def _shadow(size: float) -> int:
    return max(1, round(size * 0.03))


def _pad(frame: _Frame) -> int:
    """Slack for anti-aliasing and glyph ink past its advance (a bold 'f' or 'j')."""
    return max(2, math.ceil(frame.unit * 0.01))


# --- line and page breaking ----------------------------------------------------------------


def _break_cost(prev: Word, nxt: Word) -> float:
    """How badly a line or page break between `prev` and `nxt` splits a phrase (0 = a sentence end)."""
    cost = 6.0
    if _SENTENCE_END.search(prev.word):
        cost = 0.0
    elif _CLAUSE_END.search(prev.word):
        cost = 1.0
    elif nxt.start - prev.end >= _MINI_PAUSE:
        cost = 1.5
    elif _bare(nxt.word) in _PHRASE_STARTS:
        cost = 3.0
    if cost > 0 and (_bare(prev.word) in _WEAK_ENDS or _bare(prev.word) in _PHRASE_STARTS):
        cost += 3.0  # never strand "the", "to" or "but" at the end of a line
    return cost


def _bare(word: str) -> str:
    return re.sub(r"[^\w']", "", word).lower()


@dataclass(frozen=True)
class _Measure:
    widths: list[float]
    space: float
    max_width: float

    def width(self, i: int, j: int) -> float:
        return sum(self.widths[i:j]) + self.space * (j - i - 1)

    def fits(self, i: int, j: int) -> bool:
        return j - i == 1 or self.width(i, j) <= self.max_width  # an overlong word is shrunk later


def _split_lines(
    words: Sequence[Word], i: int, j: int, m: _Measure, max_lines: int
) -> tuple[float, list[tuple[int, int]]] | None:
    """The best (cost, lines) for words[i:j] in at most `max_lines` lines, or None if they do not fit."""
    if m.fits(i, j):
        return 0.0, [(i, j)]
    if max_lines < 2:
        return None
    best: tuple[float, list[tuple[int, int]]] | None = None
    for k in range(i + 1, j):
        if not (m.fits(i, k) and m.fits(k, j)):
            continue
        balance = abs(m.width(i, k) - m.width(k, j)) / m.max_width
        # Both lines are read at once, so a line break mid-phrase hurts less than a page break.
        cost = LINE_BREAK_WEIGHT * _break_cost(words[k - 1], words[k]) + balance
        if best is None or cost < best[0]:
            best = (cost, [(i, k), (k, j)])
    return best


def _runs(words: Sequence[Word]) -> list[tuple[int, int]]:
    """Index ranges of words spoken without a pause longer than PAUSE."""
    runs, first = [], 0
    for k in range(1, len(words) + 1):
        if k == len(words) or words[k].start - words[k - 1].end > PAUSE:
            runs.append((first, k))
            first = k
    return [r for r in runs if r[1] > r[0]]


LINE_BREAK_WEIGHT = 0.5
PAGE_COST = 1.0  # a constant per page makes pages as full as phrase boundaries allow


def _pages(words: Sequence[Word], m: _Measure, look: _Look) -> list[list[tuple[int, int]]]:
    """Pages (each a list of line index ranges): fewest, fullest pages that break between phrases."""
    pages: list[list[tuple[int, int]]] = []
    for lo, hi in _runs(words):
        # best[j]: (cost, pages) of the words lo..j; a page ends at a pause, a sentence end, a
        # clause end... in that order of preference, then anywhere the lines are full.
        best: dict[int, tuple[float, list[list[tuple[int, int]]]]] = {lo: (0.0, [])}
        for j in range(lo + 1, hi + 1):
            for i in range(max(lo, j - look.max_words), j):
                if i not in best:
                    continue
                split = _split_lines(words, i, j, m, look.max_lines)
                if split is None:
                    continue
                end_cost = 0.0 if j == hi else _break_cost(words[j - 1], words[j])
                cost = best[i][0] + PAGE_COST + end_cost + split[0]
                if j not in best or cost < best[j][0]:
                    best[j] = (cost, [*best[i][1], split[1]])
        pages.extend(best[hi][1])
    return pages


# --- ASS text --------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text for an ASS Dialogue line: braces and backslashes literal, no line breaks of its own.

    libass reads `\\{` and `\\}` as literal braces; a backslash before N, n or h would be a line
    break or a hard space, so a word joiner (invisible, zero width) goes between them.
    """
    text = re.sub(r"\s+", " ", text)
    text = text.replace("\\", "\\\u2060")
    return text.replace("{", "\\{").replace("}", "\\}")


def ass_time(seconds: float) -> str:
    """H:MM:SS.cc (ASS's centisecond clock)."""
    return _cs_time(round(seconds * 100))


def _cs_time(cs: int) -> str:
    cs = max(0, cs)
    hours, rest = divmod(cs, 360_000)
    minutes, rest = divmod(rest, 6000)
    secs, cents = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{cents:02d}"


@dataclass(frozen=True)
class _Event:
    layer: int
    start_cs: int
    end_cs: int
    style: str
    text: str

    def line(self) -> str:
        return (
            f"Dialogue: {self.layer},{_cs_time(self.start_cs)},{_cs_time(self.end_cs)},"
            f"{self.style},,0,0,0,,{self.text}"
        )


@dataclass(frozen=True)
class _Style:
    name: str
    size: int
    primary: str
    outline_colour: str
    back: str
    border_style: int  # 1 outline + shadow, 3 opaque box
    outline: int
    shadow: int
    alignment: int  # numpad: 2 bottom centre, 8 top centre
    margin_h: int
    margin_v: int

    def line(self) -> str:
        return (
            f"Style: {self.name},{FONT_FAMILY},{self.size},{self.primary},{self.primary},"
            f"{self.outline_colour},{self.back},-1,0,0,0,100,100,0,0,{self.border_style},"
            f"{self.outline},{self.shadow},{self.alignment},{self.margin_h},{self.margin_h},"
            f"{self.margin_v},1"
        )


def _caption_style(frame: _Frame, look: _Look) -> _Style:
    size = round(frame.unit * look.size)
    outline, shadow = _outline(size), _shadow(size)
    edge = outline + shadow + _pad(frame)
    return _Style(
        name="Caption",
        size=size,
        primary=WHITE,
        outline_colour=BLACK,
        back=SHADOW,
        border_style=1,
        outline=outline,
        shadow=shadow,
        alignment=2,
        margin_h=frame.safe_left + edge,
        # the bottom of the lowest line's box sits MarginV above the frame's bottom edge;
        # outline and shadow reach below it.
        margin_v=frame.height - frame.safe_bottom + edge,
    )


def _title_style(frame: _Frame) -> _Style:
    size = round(frame.unit * TITLE_SIZE)
    outline = _outline(size)  # with BorderStyle 3 this is the box's padding around the text
    edge = outline + _pad(frame)
    return _Style(
        name="Title",
        size=size,
        primary=WHITE,
        outline_colour=TITLE_BOX,
        back=TITLE_BOX,
        border_style=3,
        outline=outline,
        shadow=0,
        alignment=8,
        margin_h=frame.safe_left + edge,
        margin_v=frame.safe_top + edge,
    )


def _line_width(style: _Style, frame: _Frame) -> float:
    return frame.width - 2 * style.margin_h


# --- captions --------------------------------------------------------------------------------


def _caption_words(words: Sequence[Word], look: _Look) -> list[Word]:
    out = []
    for w in words:
        text = renderable(w.word.upper() if look.upper else w.word)
        if text:
            out.append(Word(w.start, w.end, text))
    return out


def _page_text(
    words: Sequence[Word], lines: list[tuple[int, int]], m: _Measure, size: int, active: int | None
) -> str:
    parts = []
    for i, j in lines:
        parts.append(
            " ".join(
                f"{{\\1c{HIGHLIGHT}&}}{escape(words[k].word)}{{\\1c{WHITE}&}}"
                if k == active
                else escape(words[k].word)
                for k in range(i, j)
            )
        )
    widest = max(m.width(i, j) for i, j in lines)
    # A single word wider than the safe width (a long URL) is drawn smaller rather than cut.
    prefix = f"{{\\fs{math.floor(size * m.max_width / widest)}}}" if widest > m.max_width else ""
    return prefix + "\\N".join(parts)


def _event_end(words: Sequence[Word], k: int, duration_cs: int) -> int:
    """A word's event lasts until the next word starts, unless a pause (a new run) comes first."""
    nxt = k + 1
    if nxt < len(words) and words[nxt].start - words[k].end <= PAUSE:
        return min(_cs(words[nxt].start), duration_cs)
    return min(_cs(words[k].end), duration_cs)


def _cs(seconds: float) -> int:
    return round(seconds * 100)


def _caption_events(words: Sequence[Word], style: str, frame: _Frame, duration_cs: int) -> list[_Event]:
    look = _LOOKS[style]
    cue = _caption_style(frame, look)
    words = _caption_words(words, look)
    m = _Measure(
        [text_width(w.word, cue.size) for w in words], text_width(" ", cue.size), _line_width(cue, frame)
    )
    events: list[_Event] = []
    for lines in _pages(words, m, look):
        first, last = lines[0][0], lines[-1][1] - 1
        if style == "highlight":
            for k in range(first, last + 1):
                text = _page_text(words, lines, m, cue.size, active=k)
                events.append(
                    _Event(0, _cs(words[k].start), _event_end(words, k, duration_cs), "Caption", text)
                )
        else:
            text = _page_text(words, lines, m, cue.size, active=None)
            events.append(
                _Event(0, _cs(words[first].start), _event_end(words, last, duration_cs), "Caption", text)
            )
    return [e for e in events if e.end_cs > e.start_cs]


# --- hook title ------------------------------------------------------------------------------


def _wrap_balanced(widths: list[float], space: float, max_width: float, max_lines: int) -> list[int] | None:
    """Line start indices of the most even wrap in the fewest lines, or None if it cannot fit."""
    n = len(widths)
    m = _Measure(widths, space, max_width)
    if any(w > max_width for w in widths):
        return None
    for lines in range(1, max_lines + 1):
        best: tuple[float, list[int]] | None = None
        for starts in _splits(n, lines):
            bounds = [*starts, n]
            spans = [(bounds[k], bounds[k + 1]) for k in range(lines)]
            if all(m.width(i, j) <= max_width for i, j in spans):
                widest = max(m.width(i, j) for i, j in spans)
                if best is None or widest < best[0]:
                    best = (widest, starts)
        if best is not None:
            return best[1]
    return None


def _splits(n: int, lines: int) -> list[list[int]]:
    if lines == 1:
        return [[0]]
    if lines == 2:
        return [[0, a] for a in range(1, n)]
    return [[0, a, b] for a in range(1, n) for b in range(a + 1, n)]


def _title_layout(title: str, frame: _Frame, style: _Style) -> tuple[int, list[str]]:
    """(font size, lines) of the title: the largest size at which it fits in TITLE_MAX_LINES."""
    words = renderable(title).split()
    size = float(style.size)
    min_size = frame.unit * TITLE_MIN_SIZE
    max_width = _line_width(style, frame)
    while words:
        widths = [text_width(w, size) for w in words]
        starts = _wrap_balanced(widths, text_width(" ", size), max_width, TITLE_MAX_LINES)
        if starts is not None:
            bounds = [*starts, len(words)]
            return math.floor(size), [" ".join(words[bounds[k] : bounds[k + 1]]) for k in range(len(starts))]
        if size * 0.92 >= min_size:
            size *= 0.92
        else:  # even the smallest legible size is not enough: cut the title at a word, with an ellipsis
            words = (
                [*words[:-2], f"{words[-2]}…"] if len(words) > 1 else [_shorten(words[0], size, max_width)]
            )
    return math.floor(size), []


def _shorten(word: str, size: float, max_width: float) -> str:
    while len(word) > 1 and text_width(f"{word}…", size) > max_width:
        word = word[:-1]
    return f"{word}…"


def _title_event(title: str, frame: _Frame, style: _Style, end_cs: int) -> _Event | None:
    size, lines = _title_layout(title, frame, style)
    if not lines or end_cs <= 0:
        return None
    prefix = f"{{\\fs{size}}}" if size != style.size else ""
    return _Event(1, 0, end_cs, "Title", prefix + "\\N".join(escape(line) for line in lines))


# --- the document ----------------------------------------------------------------------------


def build_ass(
    words: Sequence[Word],
    *,
    style: CaptionStyle,
    width: int,
    height: int,
    title: str | None,
    hook_seconds: float = 3.0,
    duration: float,
) -> str:
    """The ASS document of one clip: captions in `style` (clip-relative `words`) and the hook title."""
    if style not in ("none", *_LOOKS):
        raise ValueError(f"unknown caption style {style!r}")
    frame = _Frame(width, height)
    duration_cs = _cs(duration)
    look = _LOOKS.get(style, _LOOKS["highlight"])
    styles = [_caption_style(frame, look), _title_style(frame)]
    events = [] if style == "none" else _caption_events(words, style, frame, duration_cs)
    if title:
        hook = _title_event(title, frame, styles[1], min(_cs(hook_seconds), duration_cs))
        if hook is not None:
            events.append(hook)
    return "\n".join(
        [
            "[Script Info]",
            "ScriptType: v4.00+",
            f"PlayResX: {width}",
            f"PlayResY: {height}",
            "ScaledBorderAndShadow: yes",
            "WrapStyle: 2",
            "YCbCr Matrix: None",
            "",
            "[V4+ Styles]",
            "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
            "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
            "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
            *(s.line() for s in styles),
            "",
            "[Events]",
            "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
            *(e.line() for e in events),
            "",
        ]
    )


# --- the ffmpeg filter -----------------------------------------------------------------------


def _escaped(value: str, specials: str) -> str:
    return "".join(f"\\{c}" if c in specials else c for c in value)


def filter_value(value: str) -> str:
    """`value` as a filter option inside a filtergraph string.

    Two parsers read it: the filtergraph's (where , ; [ ] separate filters and links) and then
    the filter's option parser (where : separates options); each strips one level of backslash
    escapes, so the option level is escaped first and the graph level around it.
    """
    return _escaped(_escaped(value, "\\':"), "\\',;[]")


def subtitles_filter(ass_path: Path, fonts_dir: Path) -> str:
    """The `subtitles` filter burning `ass_path`, with fonts looked up in `fonts_dir` first.

    Paths are made absolute: a relative name like `a:b.ass` would be read as protocol `a`.
    """
    filename = filter_value(str(ass_path.resolve()))
    fontsdir = filter_value(str(fonts_dir.resolve()))
    return f"subtitles=filename={filename}:fontsdir={fontsdir}"
