"""Caption files in and out: parse VTT / SRT / YouTube json3, drop rolling duplicates, write per-clip cues.

YouTube's automatic captions repeat each line: a cue shows the previous line plus the new words
(with inline `<00:00:01.234><c>word</c>` timings), then a 10 ms "freeze" cue repeats it. Feeding
that to the analysis triples the text, so `dedupe_rolling` keeps only the new text of each cue.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from backend.pipeline.cuts import silent_frames, silent_runs
from backend.pipeline.transcript import Segment, Transcript, Word

TIMING = re.compile(
    r"(?P<s>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<e>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
INLINE_TS = re.compile(r"<((?:\d+:)?\d{1,2}:\d{2}\.\d{3})>")
TAG = re.compile(r"</?[^>]+>")
MIN_CUE = 0.05
CUE_SLACK = 0.3  # caption files are often off by a few hundred ms: look this far past a cue
WORD_GAP = 0.04  # a pause at least this long can separate two words
SNAP = 0.25  # seconds a word start may move to the onset of speech after a pause
MIN_WORD = 0.05


class CaptionError(ValueError):
    """The captions file cannot be parsed."""


def parse_timestamp(value: str) -> float:
    parts = value.strip().replace(",", ".").split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def format_timestamp(seconds: float, sep: str = ".") -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{ms:03d}"


def _clean(text: str) -> str:
    text = TAG.sub("", INLINE_TS.sub("", text))
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def _words_from_inline(raw: str, start: float, end: float) -> tuple[Word, ...]:
    """Word timings from YouTube's `<ts><c>word</c>` markup, if present."""
    if not INLINE_TS.search(raw):
        return ()
    pieces = INLINE_TS.split(raw)  # [text, ts, text, ts, text...]
    times = [start] + [parse_timestamp(t) for t in pieces[1::2]]
    texts = pieces[0::2]
    words: list[Word] = []
    for i, chunk in enumerate(texts):
        chunk_words = _clean(chunk).split()
        t0 = times[i]
        t1 = times[i + 1] if i + 1 < len(times) else end
        step = (t1 - t0) / max(len(chunk_words), 1)
        words.extend(Word(t0 + k * step, t0 + (k + 1) * step, w) for k, w in enumerate(chunk_words))
    return tuple(words)


def _blocks(text: str) -> Iterable[tuple[float, float, str]]:
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.strip("\n").split("\n")
        for i, line in enumerate(lines):
            match = TIMING.search(line)
            if match:
                raw = "\n".join(lines[i + 1 :])
                yield parse_timestamp(match["s"]), parse_timestamp(match["e"]), raw
                break


def parse_vtt_or_srt(text: str) -> list[Segment]:
    segments = []
    for start, end, raw in _blocks(text):
        cleaned = _clean(raw.replace("\n", " "))
        if cleaned and end > start:
            segments.append(Segment(start, end, cleaned, _words_from_inline(raw, start, end)))
    if not segments and text.strip():
        raise CaptionError("No timed cues found in the captions file")
    return segments


def parse_json3(text: str) -> list[Segment]:
    data = json.loads(text)
    segments = []
    for event in data.get("events", []):
        segs = event.get("segs") or []
        start = event.get("tStartMs", 0) / 1000
        end = start + event.get("dDurationMs", 0) / 1000
        content = _clean("".join(s.get("utf8", "") for s in segs))
        if content and end > start:
            words = tuple(
                Word(start + s.get("tOffsetMs", 0) / 1000, end, _clean(s["utf8"]))
                for s in segs
                if _clean(s.get("utf8", ""))
            )
            segments.append(Segment(start, end, content, _fix_word_ends(words, end)))
    return segments


def _fix_word_ends(words: tuple[Word, ...], end: float) -> tuple[Word, ...]:
    return tuple(
        Word(w.start, words[i + 1].start if i + 1 < len(words) else end, w.word) for i, w in enumerate(words)
    )


def dedupe_rolling(segments: list[Segment]) -> list[Segment]:
    """Drop tiny freeze cues and keep only the text each cue adds to the previous one."""
    out: list[Segment] = []
    previous = ""
    for seg in segments:
        if seg.end - seg.start < MIN_CUE and seg.text in previous:
            continue
        new_text = _new_part(previous, seg.text)
        previous = seg.text
        if not new_text:
            continue
        words = seg.words[-len(new_text.split()) :] if seg.words else ()
        start = words[0].start if words else seg.start
        out.append(Segment(start, seg.end, new_text, words))
    return _monotonic(out)


def _new_part(previous: str, current: str) -> str:
    """The suffix of `current` that is not an overlap with the end of `previous`."""
    if current == previous or current in previous.split("\n"):
        return ""
    prev_words, cur_words = previous.split(), current.split()
    for size in range(min(len(prev_words), len(cur_words)), 0, -1):
        if prev_words[-size:] == cur_words[:size]:
            return " ".join(cur_words[size:])
    return current


def _monotonic(segments: list[Segment]) -> list[Segment]:
    """Make cue times non-overlapping (rolling cues overlap their successor)."""
    fixed: list[Segment] = []
    for i, seg in enumerate(segments):
        end = min(seg.end, segments[i + 1].start) if i + 1 < len(segments) else seg.end
        if end - seg.start >= MIN_CUE:
            fixed.append(Segment(seg.start, end, seg.text, tuple(w for w in seg.words if w.start < end)))
    return fixed


def load_captions(path: Path, language: str = "und") -> Transcript:
    """Parse a caption file by content (json3, VTT or SRT) into a captions transcript."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    segments = parse_json3(text) if text.lstrip().startswith("{") else parse_vtt_or_srt(text)
    segments = dedupe_rolling(sorted(segments, key=lambda s: s.start))
    if not segments:
        raise CaptionError(f"The captions file {path.name} has no text")
    return Transcript(language=language, segments=segments, source="captions")


def clip_cues(transcript: Transcript, start: float, end: float) -> list[tuple[float, float, str]]:
    """Cues inside [start, end], cut at the edges and rebased so the clip starts at 0."""
    cues = []
    for seg in transcript.segments:
        s, e = max(seg.start, start), min(seg.end, end)
        if e - s >= MIN_CUE:
            cues.append((round(s - start, 3), round(e - start, 3), seg.text.strip()))
    return cues


def to_srt(cues: list[tuple[float, float, str]]) -> str:
    blocks = [
        f"{i}\n{format_timestamp(s, ',')} --> {format_timestamp(e, ',')}\n{text}\n"
        for i, (s, e, text) in enumerate(cues, 1)
    ]
    return "\n".join(blocks)


def to_vtt(cues: list[tuple[float, float, str]]) -> str:
    blocks = [f"{format_timestamp(s)} --> {format_timestamp(e)}\n{text}\n" for s, e, text in cues]
    return "WEBVTT\n\n" + "\n".join(blocks)


# --- word times inside manual cues, from the audio -----------------------------------------


def time_words(segments: list[Segment], db: np.ndarray, frame: float) -> list[Segment]:
    """Cues without word times get them from the audio's energy (`db` per `frame` s from t=0).

    Words follow the speech, not the clock: each word gets a share of the cue's *voiced* time
    in proportion to its letters, and a word start near the onset of speech after a pause moves
    onto that onset (speakers pause between words, rarely inside one).
    """
    out: list[Segment] = []
    for i, seg in enumerate(segments):
        if seg.words or not seg.text.split():
            out.append(seg)
            continue
        lo = max(seg.start - CUE_SLACK, segments[i - 1].end if i else 0.0, 0.0)
        hi = min(seg.end + CUE_SLACK, segments[i + 1].start if i + 1 < len(segments) else seg.end + CUE_SLACK)
        out.append(Segment(seg.start, seg.end, seg.text, cue_words(seg, lo, hi, db, frame)))
    return out


def voiced_spans(db: np.ndarray, origin: float, frame: float) -> list[tuple[float, float]]:
    """Speech between pauses of at least WORD_GAP, as absolute (start, end) times."""
    silent = silent_frames(db)
    spans, cursor = [], 0
    for a, b in [*silent_runs(silent, max(1, round(WORD_GAP / frame))), (len(db), len(db))]:
        if a > cursor:
            spans.append((origin + cursor * frame, origin + a * frame))
        cursor = b
    return spans


def cue_words(seg: Segment, lo: float, hi: float, db: np.ndarray, frame: float) -> tuple[Word, ...]:
    tokens = seg.text.split()
    a, b = max(0, int(lo / frame)), min(len(db), int(np.ceil(hi / frame)))
    spans = voiced_spans(db[a:b], a * frame, frame) if b > a else []
    if not spans:  # no audio to go by: spread by letters over the cue
        spans = [(seg.start, seg.end)]
    starts = [_timeline_to_time(spans, f) for f in _letter_fractions(tokens)]
    onsets = [s for s, _ in spans]
    for k in range(1, len(starts)):
        near = [o for o in onsets if abs(o - starts[k]) <= SNAP and o > starts[k - 1] + MIN_WORD]
        if near:
            starts[k] = min(near, key=lambda o: abs(o - starts[k]))
    starts[0] = spans[0][0]
    for k in range(1, len(starts)):  # keep order even where snapping moved a neighbour
        starts[k] = max(starts[k], starts[k - 1] + MIN_WORD / 2)
    ends = [_speech_end_before(spans, starts[k], starts[k + 1]) for k in range(len(starts) - 1)]
    ends.append(max(spans[-1][1], starts[-1] + MIN_WORD / 2))
    return tuple(Word(round(s, 3), round(e, 3), w) for s, e, w in zip(starts, ends, tokens, strict=True))


def _letter_fractions(tokens: list[str]) -> list[float]:
    """Where each word starts, as a fraction of the cue's speech (by letters, one extra per word)."""
    weights = [len(re.sub(r"\W", "", t)) + 1 for t in tokens]
    total, acc, out = sum(weights), 0, []
    for weight in weights:
        out.append(acc / total)
        acc += weight
    return out


def _timeline_to_time(spans: list[tuple[float, float]], fraction: float) -> float:
    """The time at `fraction` of the voiced duration, counting only voiced spans."""
    target = fraction * sum(e - s for s, e in spans)
    for s, e in spans:
        if target <= e - s:
            return s + target
        target -= e - s
    return spans[-1][1]


def _speech_end_before(spans: list[tuple[float, float]], start: float, next_start: float) -> float:
    """A word ends where the speech stops before the next word (or where the next one starts)."""
    ends = [e for s, e in spans if start < e <= next_start]
    return max(ends) if ends else next_start
