"""Burned captions and the hook title of a Short, as one ASS document for libass (CONTRACTS §9).

Everything is laid out here, not by libass: lines are broken with our own `\\N` (WrapStyle 2, no
automatic wrapping) after measuring words with the caption font's advances, so we know every
line fits the Shorts safe area: nothing in the top 15 %, the bottom 20 % or the right 12 % of
the frame (and 12 % on the left too, so text stays centred).

Placement: the clip is cut into scenes (its shots), each with the output-frame boxes of the faces
its layout shows. In each scene the captions take the face-free rows nearest their usual place (a
split's seam, else the bottom of the safe area) and the title the face-free rows nearest the top
that the captions leave; every event is cut at scene boundaries and given its scene's MarginV.

Timing: a word's event runs from its start to the next word's start, so the highlight never runs
ahead of the voice and nothing flickers between words; a pause longer than `PAUSE` ends the page,
so no caption stays up while nobody speaks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from backend.pipeline.shorts.fonts import FONT_FAMILY, renderable, text_width
from backend.pipeline.shorts.plan import Box
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
    lines: int = 1
    margin_v: int = 0  # where this event sits (0: the style's MarginV), set by the placement below
    size: float = 0.0  # its font size when not the style's (0)

    def line(self) -> str:
        prefix = f"{{\\fs{math.floor(self.size)}}}" if self.size else ""
        return (
            f"Dialogue: {self.layer},{_cs_time(self.start_cs)},{_cs_time(self.end_cs)},"
            f"{self.style},,0,0,{self.margin_v},,{prefix}{self.text}"
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
) -> tuple[str, float]:
    """The page's text, and its font size when it cannot be the style's (else 0)."""
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
    shrunk = size * m.max_width / widest if widest > m.max_width else 0.0
    return "\\N".join(parts), shrunk


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
                text, size = _page_text(words, lines, m, cue.size, active=k)
                end = _event_end(words, k, duration_cs)
                events.append(_Event(0, _cs(words[k].start), end, "Caption", text, len(lines), size=size))
        else:
            text, size = _page_text(words, lines, m, cue.size, active=None)
            end = _event_end(words, last, duration_cs)
            events.append(_Event(0, _cs(words[first].start), end, "Caption", text, len(lines), size=size))
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


def _title_layout(
    title: str, frame: _Frame, style: _Style, start: float | None = None
) -> tuple[int, list[str]]:
    """(font size, lines) of the title: the largest size (from `start`, by default the style's)
    at which it fits in TITLE_MAX_LINES."""
    words = renderable(title).split()
    size = float(start if start is not None else style.size)
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


def _title_events(
    title: str, frame: _Frame, style: _Style, end_cs: int, places: Sequence[_Place]
) -> list[_Event]:
    """The hook title over [0, end_cs), one event per scene it spans, each sized and placed clear
    of that scene's faces and captions."""
    events = []
    for place in places:
        start, end = max(place.start_cs, 0), min(place.end_cs, end_cs)
        if end <= start:
            continue
        placed = place.title(title, style)
        if placed is None or not placed[1]:
            continue
        size, lines, top = placed
        text = "\\N".join(escape(line) for line in lines)
        margin = math.ceil(top + style.outline + _pad(frame))
        events.append(
            _Event(1, start, end, "Title", text, len(lines), margin, size if size != style.size else 0)
        )
    return events


# --- placement: clear of the faces the layout shows (CONTRACTS §9) ----------------------------

# Kept clear around a face box, as a share of its height: the analysis sees faces at low
# resolution, 5 times a second, and a brow or chin sits just outside the detector's box.
FACE_MARGIN = 0.1
# Captions may shrink to this share of their size to fit between faces (a close-up leaves a
# narrow band above the head); below it they would no longer read at a glance.
MIN_CAPTION_SCALE = 0.6


@dataclass(frozen=True)
class Scene:
    """A span of the clip (seconds from its start) and what its layout shows, in output pixels."""

    start: float
    end: float
    faces: tuple[Box, ...] = ()
    seam: int | None = None  # split: the row between the two panels, where captions centre


_Span = tuple[float, float]


def _minus(free: list[_Span], cut: _Span) -> list[_Span]:
    out = []
    for lo, hi in free:
        if cut[1] <= lo or cut[0] >= hi:
            out.append((lo, hi))
            continue
        if cut[0] > lo:
            out.append((lo, cut[0]))
        if cut[1] < hi:
            out.append((cut[1], hi))
    return out


def _covered(top: float, bottom: float, blocked: Sequence[_Span]) -> float:
    return sum(max(0.0, min(bottom, b) - max(top, a)) for a, b in blocked)


def _free(lo: float, hi: float, blocked: Sequence[_Span]) -> list[_Span]:
    free = [(lo, hi)]
    for band in blocked:
        free = _minus(free, band)
    return free


def _gap(free: Sequence[_Span], height: float, preferred: float) -> float | None:
    """The top of a `height`-tall slot inside one of the `free` spans, nearest to `preferred`."""
    fits = [min(max(preferred, a), b - height) for a, b in free if b - a >= height]
    return min(fits, key=lambda top: abs(top - preferred)) if fits else None


@dataclass(frozen=True)
class _Block:
    """Text of `body` px (its lines at full size, which scale) plus `edge` px above and below
    (outline, shadow, anti-aliasing slack: these do not scale)."""

    body: float
    edge: float

    def height(self, scale: float = 1.0) -> float:
        return self.body * scale + 2 * self.edge


@dataclass(frozen=True)
class _Place:
    """Where text goes during one scene: the rows of the safe area that no face covers, and the
    caption slot chosen in them (the title then takes what is left)."""

    frame: _Frame
    start_cs: int
    end_cs: int
    faces: tuple[_Span, ...]  # rows a face covers across the text column
    margined: tuple[_Span, ...]  # the same with FACE_MARGIN around each
    seam: int | None
    caption: _Span | None = None  # the caption slot (top, bottom), ink and outline included
    caption_scale: float = 1.0

    @classmethod
    def of(cls, scene: Scene, frame: _Frame, start_cs: int, end_cs: int, caption: _Block | None) -> _Place:
        left, right = frame.safe_left, frame.width - frame.safe_left
        # The text is centred in [left, right]: a face wholly beside that column is never covered.
        boxes = [f for f in scene.faces if f.x < right and f.x + f.w > left]
        faces = tuple((f.y, f.y + f.h) for f in boxes)
        margined = tuple((f.y - FACE_MARGIN * f.h, f.y + f.h + FACE_MARGIN * f.h) for f in boxes)
        place = cls(frame, start_cs, end_cs, faces, margined, scene.seam)
        if caption is None:
            return place
        scale, top = place._caption_slot(caption)
        return replace(place, caption=(top, top + caption.height(scale)), caption_scale=scale)

    def _preferred(self, height: float) -> float:
        """On the seam of a split (between the two faces), else just above the bottom of the safe area."""
        if self.seam is not None:
            return self.seam - height / 2
        return self.frame.safe_bottom - height

    def _caption_slot(self, block: _Block) -> tuple[float, float]:
        """(scale, top) of the captions: full size clear of the faces and their margins if there is
        room, else shrunk (down to MIN_CAPTION_SCALE) into the tallest free gap; then the same
        against the bare face boxes; and when a face fills the frame, where they cover least."""
        lo, hi = float(self.frame.safe_top), float(self.frame.safe_bottom)
        for bands in (self.margined, self.faces):
            free = _free(lo, hi, bands)
            top = _gap(free, block.height(), self._preferred(block.height()))
            if top is not None:
                return 1.0, top
            a, b = max(free, key=lambda span: span[1] - span[0], default=(lo, lo))
            scale = (b - a - 2 * block.edge) / block.body
            if scale >= MIN_CAPTION_SCALE:
                return scale, a
        height = block.height(MIN_CAPTION_SCALE)
        preferred = self._preferred(height)
        edges = [
            preferred,
            lo,
            hi - height,
            *(b for _, b in self.faces),
            *(a - height for a, _ in self.faces),
        ]
        candidates = {min(max(c, lo), max(lo, hi - height)) for c in edges}
        top = min(candidates, key=lambda t: (_covered(t, t + height, self.faces), abs(t - preferred)))
        return MIN_CAPTION_SCALE, top

    def slot(self, height: float, preferred: float, avoid: Sequence[_Span] = ()) -> float | None:
        """The top of a `height`-tall slot in the safe area, nearest to `preferred`, that covers no
        face nor its margin, and none of `avoid`; None when there is no such gap."""
        lo, hi = float(self.frame.safe_top), float(self.frame.safe_bottom)
        return _gap(_free(lo, hi, [*self.margined, *avoid]), height, preferred)

    def caption_event(self, event: _Event, style: _Style, look: _Look, edge: int) -> _Event:
        """`event` at this scene's caption slot: a page at the bottom of the slot (MarginV from the
        bottom, alignment 2), or, on a split's seam, in its middle so the page centres on the seam."""
        assert self.caption is not None
        scale = self.caption_scale
        size = (event.size or style.size) * scale if scale < 1 else event.size
        bottom = self.caption[1] - edge
        if self.seam is not None:
            bottom -= (look.max_lines - event.lines) * style.size * scale / 2
        return replace(event, margin_v=math.ceil(self.frame.height - bottom), size=size)

    def title(self, title: str, style: _Style) -> tuple[int, list[str], float] | None:
        """(size, lines, top) of the title: the largest size that has a place nearest the top of the
        safe area (above the top face of a split) covering neither a face (nor its margin: the
        title is not worth the risk) nor the captions; None when even the smallest size has none
        (a face filling the frame): then no title is shown in this scene rather than one over a
        face."""
        avoid = [self.caption] if self.caption is not None else []
        edge = style.outline + _pad(self.frame)
        size: float = style.size
        min_size = self.frame.unit * TITLE_MIN_SIZE
        while True:
            fitted, lines = _title_layout(title, self.frame, style, size)
            height = len(lines) * fitted + 2 * edge
            top = self.slot(height, float(self.frame.safe_top), avoid)
            if top is not None:
                return fitted, lines, top
            if fitted * 0.92 < min_size:
                return None
            size = fitted * 0.92


def caption_height(style: CaptionStyle, width: int, height: int) -> float:
    """The rows a full caption page of `style` takes (ink, outline and slack); 0 for none."""
    if style == "none":
        return 0.0
    frame = _Frame(width, height)
    return _caption_block(frame, _LOOKS.get(style, _LOOKS["highlight"])).height()


def _caption_block(frame: _Frame, look: _Look) -> _Block:
    cue = _caption_style(frame, look)
    return _Block(float(look.max_lines * cue.size), float(cue.outline + cue.shadow + _pad(frame)))


def title_bottom(title: str, width: int, height: int) -> float:
    """The first row below the hook title at its full size at the top of the safe area (box,
    padding and slack included): where a face's margin may start with the title above it."""
    frame = _Frame(width, height)
    style = _title_style(frame)
    size, lines = _title_layout(title, frame, style)
    return frame.safe_top + len(lines) * size + 2 * (style.outline + _pad(frame))


def _scenes_cs(scenes: Sequence[Scene], duration_cs: int) -> list[tuple[Scene, int, int]]:
    """Scenes in order with their centisecond spans, covering [0, duration] with no gap."""
    ordered = sorted(scenes, key=lambda sc: sc.start) or [Scene(0.0, duration_cs / 100)]
    bounds = [0, *(_cs(sc.start) for sc in ordered[1:]), max(duration_cs, 1)]
    return [(sc, bounds[k], bounds[k + 1]) for k, sc in enumerate(ordered) if bounds[k + 1] > bounds[k]]


def _placed_captions(
    events: Sequence[_Event], places: Sequence[_Place], style: _Style, look: _Look, frame: _Frame
) -> list[_Event]:
    """Each caption event cut at scene boundaries, each piece at its scene's caption slot."""
    edge = style.outline + style.shadow + _pad(frame)
    out = []
    for event in events:
        for place in places:
            start, end = max(event.start_cs, place.start_cs), min(event.end_cs, place.end_cs)
            if end > start:
                out.append(place.caption_event(replace(event, start_cs=start, end_cs=end), style, look, edge))
    return out


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
    scenes: Sequence[Scene] = (),
) -> str:
    """The ASS document of one clip: captions in `style` (clip-relative `words`) and the hook title,
    each scene's text placed clear of the faces it shows (no scenes: no faces anywhere)."""
    if style not in ("none", *_LOOKS):
        raise ValueError(f"unknown caption style {style!r}")
    frame = _Frame(width, height)
    duration_cs = _cs(duration)
    look = _LOOKS.get(style, _LOOKS["highlight"])
    styles = [_caption_style(frame, look), _title_style(frame)]
    cue = styles[0]
    block = _caption_block(frame, look) if style != "none" else None
    places = [_Place.of(sc, frame, a, b, block) for sc, a, b in _scenes_cs(scenes, duration_cs)]
    events = []
    if style != "none":
        events = _placed_captions(_caption_events(words, style, frame, duration_cs), places, cue, look, frame)
    if title:
        events += _title_events(title, frame, styles[1], min(_cs(hook_seconds), duration_cs), places)
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
