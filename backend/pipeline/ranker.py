"""The built-in local ranker: works with no API key, and as the fallback when the LLM fails.

Candidate windows run from a sentence start to a sentence end within [min, max] seconds. Each is
scored from: the selected criteria's hint lists, generic hook patterns (strongest in the opening
sentence, where a viewer decides to stay), speech energy and pace relative to the whole talk,
and clean pauses at the edges. The reasoning names the strongest features.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from backend.pipeline.audio import EnergyTrack
from backend.pipeline.criteria import RankerHints
from backend.pipeline.grounding import Boundaries, Bounds, ClipCandidate, dedupe, trim_title
from backend.pipeline.keyphrases import key_phrases
from backend.pipeline.transcript import Transcript

RANKER_MODEL = "local-ranker-v1"

HOOKS: dict[str, re.Pattern[str]] = {
    "a question": re.compile(r"\?"),
    "direct address": re.compile(r"\byou(?:r|'re|'ve|'ll|rself)?\b", re.I),
    "numbers": re.compile(
        r"\b\d[\d,.]*%?|\b(?:hundred|thousand|million|billion|twice|ten|twenty|fifty)\b", re.I
    ),
    "superlatives": re.compile(
        r"\b(?:best|worst|biggest|greatest|most|fastest|easiest|hardest|craziest|largest|ultimate)\b", re.I
    ),
    "a confession": re.compile(
        r"\b(?:never told|confess|admit|the truth is|secret|honestly|nobody tells|no one tells)\b", re.I
    ),
    "strong emotion": re.compile(
        r"\b(?:amazing|incredible|shocking|insane|unbelievable|terrified|furious|love|hate|crazy|wow)\b|!",
        re.I,
    ),
    "a story marker": re.compile(
        r"\b(?:one day|when i was|so there i was|years ago|suddenly|turns out|that's when)\b", re.I
    ),
}


@dataclass
class Sentence:
    start: float
    end: float
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


def sentences(transcript: Transcript) -> list[Sentence]:
    b = Boundaries(transcript)
    starts, out = set(b.sentence_starts), list[Sentence]()
    for seg in transcript.segments:
        if not out or seg.start in starts:
            out.append(Sentence(seg.start, seg.end, seg.text.strip()))
        else:
            out[-1] = Sentence(out[-1].start, seg.end, f"{out[-1].text} {seg.text.strip()}")
    return out


@dataclass
class Features:
    hints: dict[str, float]  # criterion -> weighted hits
    hint_terms: list[str]
    hooks_open: list[str]
    hooks_all: int
    energy_z: float
    pace_z: float
    pauses: int


@dataclass(frozen=True)
class SentenceFeatures:
    hints: dict[str, float]
    terms: list[str]
    hooks: list[str]
    hook_count: int
    strength: float


class LocalRanker:
    def __init__(self, hints: dict[str, RankerHints], energy: EnergyTrack | None = None) -> None:
        self.hints = hints
        self.energy = energy

    def rank(self, transcript: Transcript, bounds: Bounds) -> list[ClipCandidate]:
        sents = sentences(transcript)
        # Text features once per sentence; windows only sum them (an hour has ~10^4 windows).
        per_sentence = [self._sentence_features(s.text) for s in sents]
        pace = _global_pace(sents)
        scored = []
        for i, j in _windows(sents, bounds):
            feats = self._features(sents, per_sentence, i, j, pace)
            scored.append(self._candidate(sents, per_sentence, i, j, feats))
        return dedupe(scored, limit=0.0)[: bounds.max_clips]

    def _sentence_features(self, text: str) -> SentenceFeatures:
        hints, terms = _hint_hits(text, self.hints)
        hooks = [name for name, rx in HOOKS.items() if rx.search(text)]
        count = sum(len(rx.findall(text)) for rx in HOOKS.values())
        return SentenceFeatures(
            hints, terms, hooks, count, sum(hints.values()) + len(hooks) + len(text) / 1000
        )

    def _features(
        self, sents: list[Sentence], per: list[SentenceFeatures], i: int, j: int, pace: tuple[float, float]
    ) -> Features:
        hints: dict[str, float] = {}
        for f in per[i : j + 1]:
            for name, value in f.hints.items():
                hints[name] = hints.get(name, 0.0) + value
        start, end = sents[i].start, sents[j].end
        return Features(
            hints=hints,
            hint_terms=[t for f in per[i : j + 1] for t in f.terms],
            hooks_open=per[i].hooks,
            hooks_all=sum(f.hook_count for f in per[i : j + 1]),
            energy_z=self._energy_z(start, end),
            pace_z=(sum(s.words for s in sents[i : j + 1]) / max(end - start, 0.1) - pace[0]) / pace[1],
            pauses=_pause_before(sents, i) + _pause_after(sents, j),
        )

    def _energy_z(self, start: float, end: float) -> float:
        if self.energy is None or self.energy.db.size == 0:
            return 0.0
        return (self.energy.window_mean(start, end) - self.energy.mean) / max(self.energy.std, 0.5)

    def _candidate(
        self, sents: list[Sentence], per: list[SentenceFeatures], i: int, j: int, f: Features
    ) -> ClipCandidate:
        start, end = sents[i].start, sents[j].end
        minutes = max(end - start, 1.0) / 60
        raw = (
            0.9 * math.log1p(sum(f.hints.values()) / minutes / 4)
            + 0.45 * len(f.hooks_open)
            + 0.25 * math.log1p(f.hooks_all / minutes / 4)
            + 0.35 * max(min(f.energy_z, 3.0), -3.0)
            + 0.2 * max(min(f.pace_z, 3.0), -3.0)
            + 0.15 * f.pauses
        )
        best = max(range(i, j + 1), key=lambda k: per[k].strength)
        return ClipCandidate(
            start=start,
            end=end,
            score=round(1 / (1 + math.exp(-(raw - 1.5))), 4),
            title=trim_title(sents[best].text, sents[best].text),
            description=f"{sents[i].text} …",
            reasoning=_reasoning(f),
            key_quote=sents[best].text,
            criteria_matched=tuple(name for name, hits in f.hints.items() if hits > 0),
            # The criteria's cue words ("ago", "nobody") say why a clip ranks, not what it is about.
            tags=tuple(key_phrases(" ".join(s.text for s in sents[i : j + 1]))),
            transcript_segment=" ".join(s.text for s in sents[i : j + 1]),
        )


def _windows(sents: list[Sentence], bounds: Bounds) -> list[tuple[int, int]]:
    out = []
    for i in range(len(sents)):
        for j in range(i, len(sents)):
            duration = sents[j].end - sents[i].start
            if duration > bounds.max_duration + 1e-6:
                break
            if duration >= bounds.min_duration - 1e-6:
                out.append((i, j))
    return out


def _global_pace(sents: list[Sentence]) -> tuple[float, float]:
    rates = [s.words / max(s.end - s.start, 0.1) for s in sents]
    if not rates:
        return (0.0, 1.0)
    mean = sum(rates) / len(rates)
    std = math.sqrt(sum((r - mean) ** 2 for r in rates) / len(rates)) or 1.0
    return (mean, std)


def _pause_before(sents: list[Sentence], i: int) -> int:
    return int(i == 0 or sents[i].start - sents[i - 1].end >= 0.25)


def _pause_after(sents: list[Sentence], j: int) -> int:
    return int(j == len(sents) - 1 or sents[j + 1].start - sents[j].end >= 0.25)


def _hint_hits(text: str, hints: dict[str, RankerHints]) -> tuple[dict[str, float], list[str]]:
    lowered = text.lower()
    scores: dict[str, float] = {}
    terms: list[str] = []
    for name, h in hints.items():
        found = [k for k in h.keywords if re.search(rf"\b{re.escape(k)}\b", lowered)]
        found += [p for p in h.phrases if p in lowered]
        pattern_hits = [m.group(0) for rx in h.patterns for m in [rx.search(text)] if m]
        scores[name] = h.weight * (len(found) + 1.5 * len(pattern_hits))
        terms.extend(found + [p.lower() for p in pattern_hits])
    return scores, terms


def _reasoning(f: Features) -> str:
    parts = []
    if f.hooks_open:
        parts.append("opens with " + ", ".join(f.hooks_open[:3]))
    matched = sorted(((v, k) for k, v in f.hints.items() if v > 0), reverse=True)
    if matched:
        terms = ", ".join(f"'{t}'" for t in dict.fromkeys(f.hint_terms[:4]))
        parts.append(f"matches {', '.join(k for _, k in matched)} ({terms})")
    if f.energy_z >= 0.5:
        parts.append(f"louder speech than average (+{f.energy_z:.1f}sd)")
    if f.pace_z >= 0.5:
        parts.append(f"faster pace than average (+{f.pace_z:.1f}sd)")
    if f.pauses == 2:
        parts.append("clean pauses at both edges")
    return (
        ("Strongest signals: " + "; ".join(parts) + ".")
        if parts
        else "A complete passage; no strong signals."
    )
