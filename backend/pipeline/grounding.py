"""Make clip timestamps ours: clamp, snap, fit the duration bounds, dedupe, re-derive quotes.

Whatever proposed a clip (the LLM or the local ranker), the clip that leaves this module starts
and ends on transcript boundaries inside the source, lasts between min and max seconds, and
quotes only literal transcript text.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field, replace

from backend.pipeline.transcript import Transcript

TITLE_MAX = 100
QUOTE_MAX = 220
PAUSE_AS_SENTENCE = 0.6  # a gap this long is a sentence break even without punctuation
SENTENCE_SNAP = 1.5  # seconds a cut may move to land on a sentence boundary instead of a word
EPS = 1e-6


@dataclass(frozen=True)
class ClipCandidate:
    start: float
    end: float
    score: float
    title: str = ""
    description: str = ""
    reasoning: str = ""
    key_quote: str = ""
    criteria_matched: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    transcript_segment: str = ""
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Bounds:
    min_duration: float
    max_duration: float
    max_clips: int
    min_score: float


class Boundaries:
    """Sorted candidate cut points of one transcript."""

    def __init__(self, transcript: Transcript) -> None:
        segs = transcript.segments
        self.starts = transcript.start_boundaries()
        self.ends = transcript.end_boundaries()
        sentence_starts = {segs[0].start} if segs else set()
        sentence_ends = {segs[-1].end} if segs else set()
        for prev, seg in itertools.pairwise(segs):
            if prev.ends_sentence or seg.start - prev.end >= PAUSE_AS_SENTENCE:
                sentence_ends.add(prev.end)
                sentence_starts.add(seg.start)
        self.sentence_starts = sorted(sentence_starts)
        self.sentence_ends = sorted(sentence_ends)


def nearest(points: list[float], value: float) -> float:
    i = bisect.bisect_left(points, value)
    options = points[max(0, i - 1) : i + 1]
    return min(options, key=lambda p: abs(p - value))


def _in_range(points: list[float], low: float, high: float) -> list[float]:
    return points[bisect.bisect_left(points, low - EPS) : bisect.bisect_right(points, high + EPS)]


def fit_window(start: float, end: float, b: Boundaries, bounds: Bounds) -> tuple[float, float] | None:
    """Snap to boundaries, then extend/trim along sentence boundaries into [min, max]."""
    if not b.starts:
        return None
    s = _snap(b.sentence_starts, b.starts, start)
    ends_after = _in_range(b.ends, s + EPS, s + bounds.max_duration)
    if not ends_after:
        return None
    e = _snap(_in_range(b.sentence_ends, s + EPS, s + bounds.max_duration), ends_after, end)
    if bounds.min_duration - EPS <= e - s <= bounds.max_duration + EPS:
        return (s, e)
    fitted = _end_within(s, b, bounds, prefer=end)
    return (s, fitted) if fitted is not None else _start_within(end, b, bounds)


def _snap(sentence_points: list[float], points: list[float], value: float) -> float:
    """A sentence boundary close by beats the nearest word boundary (clips should not cut mid-sentence)."""
    if sentence_points:
        candidate = nearest(sentence_points, value)
        if abs(candidate - value) <= SENTENCE_SNAP:
            return candidate
    return nearest(points, value)


def _end_within(s: float, b: Boundaries, bounds: Bounds, prefer: float) -> float | None:
    lo, hi = s + bounds.min_duration, s + bounds.max_duration
    for points in (b.sentence_ends, b.ends):
        options = _in_range(points, lo, hi)
        if options:
            return nearest(options, min(max(prefer, lo), hi))
    return None


def _start_within(end: float, b: Boundaries, bounds: Bounds) -> tuple[float, float] | None:
    """Keep the end, move the start earlier (used when the text after the start is too short)."""
    e = nearest(b.ends, end)
    for points in (b.sentence_starts, b.starts):
        options = _in_range(points, e - bounds.max_duration, e - bounds.min_duration)
        if options:
            return (options[-1], e)
    return None


def overlap_ratio(a: ClipCandidate, b: ClipCandidate) -> float:
    inter = min(a.end, b.end) - max(a.start, b.start)
    return max(0.0, inter) / max(min(a.duration, b.duration), EPS)


def dedupe(clips: list[ClipCandidate], limit: float = 0.5) -> list[ClipCandidate]:
    """Keep the better of any two clips overlapping more than `limit` of the shorter one."""
    kept: list[ClipCandidate] = []
    for clip in sorted(clips, key=lambda c: -c.score):
        if all(overlap_ratio(clip, other) <= limit for other in kept):
            kept.append(clip)
    return kept


def _norm(text: str) -> str:
    return re.sub(r"[^\w']+", " ", text.lower()).strip()


def literal_quote(quote: str, segment_text: str) -> str:
    """The model's quote if it is literally in the clip's text (returned as transcript text), else
    the clip's opening sentence: a quote the model invented never survives."""
    words = segment_text.split()
    target = _norm(quote).split()
    if target:
        normed = [_norm(w) for w in words]
        for i in range(len(words) - len(target) + 1):
            if [w for w in normed[i : i + len(target)]] == target:
                return " ".join(words[i : i + len(target)])
    return _first_sentence(segment_text)


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence if len(sentence) <= QUOTE_MAX else sentence[:QUOTE_MAX].rsplit(" ", 1)[0]


def trim_title(title: str, fallback: str) -> str:
    title = re.sub(r"\s+", " ", title or "").strip() or fallback.strip()
    if len(title) <= TITLE_MAX:
        return title
    return title[: TITLE_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:-") + "…"


def ground(
    candidates: list[ClipCandidate], transcript: Transcript, bounds: Bounds, source_duration: float
) -> list[ClipCandidate]:
    """Validate proposed clips against the transcript; best score first, at most max_clips."""
    boundaries = Boundaries(transcript)
    limit = min(source_duration or transcript.duration, transcript.duration) or transcript.duration
    grounded = []
    for cand in candidates:
        clip = _ground_one(cand, transcript, boundaries, bounds, limit)
        if clip is not None and clip.score >= bounds.min_score - EPS:
            grounded.append(clip)
    return dedupe(grounded)[: bounds.max_clips]


def _ground_one(
    cand: ClipCandidate, transcript: Transcript, b: Boundaries, bounds: Bounds, limit: float
) -> ClipCandidate | None:
    start, end = sorted((cand.start, cand.end))
    start, end = min(max(start, 0.0), limit), min(max(end, 0.0), limit)
    window = fit_window(start, end, b, bounds)
    if window is None:
        return None
    s, e = window
    text = transcript.text_between(s, e)
    if not text:
        return None
    return replace(
        cand,
        start=round(s, 3),
        end=round(e, 3),
        score=min(max(cand.score, 0.0), 1.0),
        title=trim_title(cand.title, _first_sentence(text)),
        key_quote=literal_quote(cand.key_quote, text),
        transcript_segment=text,
    )
