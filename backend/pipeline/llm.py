"""Clip proposals from an OpenAI-compatible chat endpoint (the real `openai` client).

The transcript goes in as lines `[start-end] text` with seconds *local to the chunk*; the chunk's
offset is added exactly once, in `to_candidates`. Answers are parsed leniently (fences, prose,
"mm:ss" times, 0-100 scores); `grounding` then makes the timestamps ours.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openai

from backend.config import Config
from backend.pipeline.cancel import CancelToken
from backend.pipeline.errors import AnalysisError
from backend.pipeline.grounding import Bounds, ClipCandidate
from backend.pipeline.transcript import Segment, Transcript

CHARS_PER_TOKEN = 4
PROMPT_OVERHEAD_TOKENS = 1500
OVERLAP_SECONDS = 30.0
PARSE_ATTEMPTS = 2

SYSTEM_PROMPT = (
    "You select short-form video clips from a transcript. Use ONLY the transcript you are given: "
    "never invent words, quotes, events or timestamps. start_time and end_time are seconds exactly as "
    "written in the transcript lines, and key_quote must be copied verbatim from the transcript. "
    "Answer with a single JSON object matching the requested schema and nothing else."
)

CLIP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["clips"],
    "properties": {
        "clips": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "start_time",
                    "end_time",
                    "score",
                    "title",
                    "description",
                    "reasoning",
                    "key_quote",
                    "criteria_matched",
                    "tags",
                ],
                "properties": {
                    "start_time": {"type": "number"},
                    "end_time": {"type": "number"},
                    "score": {"type": "number", "description": "0 to 1"},
                    "title": {"type": "string", "description": "at most 100 characters"},
                    "description": {"type": "string"},
                    "reasoning": {"type": "string"},
                    "key_quote": {"type": "string"},
                    "criteria_matched": {"type": "array", "items": {"type": "string"}},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


@dataclass(frozen=True)
class Chunk:
    offset: float
    segments: list[Segment]

    def lines(self) -> str:
        return "\n".join(
            f"[{seg.start - self.offset:.1f}-{seg.end - self.offset:.1f}] {seg.text.strip()}"
            for seg in self.segments
        )


@dataclass
class LLMResult:
    candidates: list[ClipCandidate]
    model: str
    prompt_sha256: str


def chunk_transcript(transcript: Transcript, max_tokens: int) -> list[Chunk]:
    """Split under a token budget; consecutive chunks share ~30 s so no moment is cut in two."""
    budget = max(max_tokens - PROMPT_OVERHEAD_TOKENS, 200) * CHARS_PER_TOKEN
    chunks: list[Chunk] = []
    current: list[Segment] = []
    size = 0
    for seg in transcript.segments:
        cost = len(seg.text) + 16
        if current and size + cost > budget:
            chunks.append(Chunk(current[0].start, current))
            current = [s for s in current if s.start >= current[-1].end - OVERLAP_SECONDS][-20:]
            size = sum(len(s.text) + 16 for s in current)
        current.append(seg)
        size += cost
    if current:
        chunks.append(Chunk(current[0].start, current))
    return chunks


def user_message(
    chunk: Chunk, criteria: list[tuple[str, str]], steering: str, bounds: Bounds, total: float
) -> str:
    criteria_text = "\n\n".join(f"### Criterion `{name}`\n{body}" for name, body in criteria) or (
        "### Criterion `general`\nMoments that would stand alone as engaging short videos."
    )
    parts = [
        "Select the best moments for short vertical clips from the transcript below.",
        f"## Criteria\n{criteria_text}",
        f"## Steering from the user\n{steering.strip()}" if steering.strip() else "",
        (
            "## Constraints\n"
            f"- Each clip lasts between {bounds.min_duration:g} and {bounds.max_duration:g} seconds.\n"
            f"- Propose at most {bounds.max_clips} clips, best first; score is 0 to 1.\n"
            "- Times are seconds as written in this excerpt "
            f"(0 to {chunk.segments[-1].end - chunk.offset:.1f}); "
            f"the excerpt is part of a {total:.0f} s video.\n"
            "- criteria_matched lists criterion names from above. Titles at most 100 characters."
        ),
        f"## JSON schema of your answer\n{json.dumps(CLIP_SCHEMA)}",
        f"## Transcript\n{chunk.lines()}",
    ]
    return "\n\n".join(p for p in parts if p)


class LLMAnalyzer:
    def __init__(self, config: Config, cancel: CancelToken | None = None) -> None:
        self.config = config
        self.cancel = cancel
        self.model = config.openai_model
        self.client = openai.OpenAI(
            api_key=config.openai_api_key,
            base_url=config.openai_base_url or None,
            timeout=config.openai_timeout,
            max_retries=config.openai_max_retries,  # the client backs off on 429/5xx/timeouts
        )
        self.use_schema = True

    def analyze(
        self,
        transcript: Transcript,
        criteria: list[tuple[str, str]],
        steering: str,
        bounds: Bounds,
        on_progress: Callable[[float], None] = lambda _f: None,
    ) -> LLMResult:
        chunks = chunk_transcript(transcript, self.config.llm_chunk_tokens)
        digest = hashlib.sha256(SYSTEM_PROMPT.encode())
        candidates: list[ClipCandidate] = []
        unregister = self.cancel.on_cancel(self.client.close) if self.cancel else None
        try:
            for n, chunk in enumerate(chunks):
                if self.cancel:
                    self.cancel.raise_if_cancelled()
                message = user_message(chunk, criteria, steering, bounds, transcript.duration)
                digest.update(message.encode())
                candidates.extend(to_candidates(self._ask(message), chunk.offset))
                on_progress((n + 1) / len(chunks))
        finally:
            if unregister:
                unregister()
        return LLMResult(candidates, self.model, digest.hexdigest())

    def _ask(self, message: str) -> list[dict[str, Any]]:
        """One chunk's clips; a malformed answer is asked again once before failing."""
        last_error = ""
        for _ in range(PARSE_ATTEMPTS):
            text = self._complete(message)
            try:
                return parse_clips(text)
            except ValueError as exc:
                last_error = str(exc)
        raise AnalysisError(f"The analysis model returned unusable JSON twice ({last_error})")

    def _complete(self, message: str) -> str:
        messages: list[Any] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": message},
        ]
        try:
            return self._create(messages)
        except openai.BadRequestError as exc:
            if not self.use_schema or not _rejects_schema(exc):
                raise AnalysisError(f"The analysis model rejected the request: {_short(exc)}") from exc
            self.use_schema = False  # endpoint without structured outputs: JSON mode from now on
            return self._create(messages)

    def _create(self, messages: list[Any]) -> str:
        response_format: Any = (
            {"type": "json_schema", "json_schema": {"name": "clips", "schema": CLIP_SCHEMA, "strict": True}}
            if self.use_schema
            else {"type": "json_object"}
        )
        try:
            response = self.client.chat.completions.create(
                model=self.model, messages=messages, response_format=response_format, temperature=0.2
            )
        except openai.APITimeoutError as exc:
            raise AnalysisError(
                f"The analysis model did not answer within the {self.config.openai_timeout:g} s timeout "
                "(OPENAI_TIMEOUT)"
            ) from exc
        except openai.BadRequestError:
            raise
        except openai.APIStatusError as exc:
            raise AnalysisError(
                f"The analysis model failed with HTTP {exc.status_code}: {_short(exc)}"
            ) from exc
        except openai.APIConnectionError as exc:
            raise AnalysisError(f"The analysis model endpoint is unreachable: {_short(exc)}") from exc
        if not response.choices:
            return ""
        return response.choices[0].message.content or ""


def _rejects_schema(exc: openai.BadRequestError) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("response_format", "json_schema", "structured"))


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


# --- lenient parsing -------------------------------------------------------------------------

FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S | re.I)


def parse_clips(text: str) -> list[dict[str, Any]]:
    """Clip dicts from an answer that may carry code fences or prose around the JSON."""
    data = _first_json(text)
    items = data.get("clips", data.get("moments", [])) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError("no list of clips in the answer")
    return [item for item in items if isinstance(item, dict)]


def _first_json(text: str) -> Any:
    fenced = FENCE.search(text)
    candidates = [fenced.group(1)] if fenced else []
    candidates.append(text)
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for i, char in enumerate(candidate):
            if char in "{[":
                try:
                    return decoder.raw_decode(candidate[i:])[0]
                except json.JSONDecodeError:
                    continue
    raise ValueError("no JSON object in the answer")


def parse_time(value: Any) -> float | None:
    """Seconds from a number, "75.5", "1:15.5" or "01:01:15"."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().rstrip("s").strip()
    try:
        seconds = 0.0
        for part in text.split(":"):
            seconds = seconds * 60 + float(part)
        return seconds
    except ValueError:
        return None


def parse_score(value: Any) -> float:
    try:
        score = float(str(value).strip().rstrip("%"))
    except ValueError:
        return 0.0
    return score / 100 if score > 1 else score


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in re.split(r"[,;]", value)]
    return tuple(str(v).strip() for v in value or () if str(v).strip())


def to_candidates(items: list[dict[str, Any]], offset: float) -> list[ClipCandidate]:
    """Chunk-local answers → absolute candidates: the ONLY place the chunk offset is added."""
    out = []
    for item in items:
        start = parse_time(item.get("start_time", item.get("start")))
        end = parse_time(item.get("end_time", item.get("end")))
        if start is None or end is None:
            continue
        out.append(
            ClipCandidate(
                start=start + offset,
                end=end + offset,
                score=parse_score(item.get("score", 0)),
                title=str(item.get("title") or ""),
                description=str(item.get("description") or ""),
                reasoning=str(item.get("reasoning") or ""),
                key_quote=str(item.get("key_quote") or ""),
                criteria_matched=_strings(item.get("criteria_matched")),
                tags=_strings(item.get("tags")),
            )
        )
    return out
