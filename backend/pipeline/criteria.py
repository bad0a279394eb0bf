"""Criteria files (see criteria/README.md): parse one, load the built-in set.

Pure functions: the web service imports them to read built-in files, the pipeline to split the
text sent to the model from the `## Ranker hints` read by the local ranker.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

NAME_RE = re.compile(r"^[a-z0-9_]+$")
HINTS_HEADING = re.compile(r"^##\s+ranker hints\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class CriterionText:
    """A criteria text exactly as a job uses it (builtin file or a user's revision)."""

    name: str
    title: str
    content: str
    source: str  # "builtin" | "user"
    revision: int
    sha256: str


class CriteriaError(ValueError):
    """A criteria text does not follow the format."""


@dataclass(frozen=True)
class RankerHints:
    keywords: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    weight: float = 1.0


def parse_criterion_file(name: str, text: str) -> tuple[str, str, RankerHints]:
    """Split a criterion text into (title, body sent to the model, ranker hints).

    The title is the first `# ` heading; the body is everything before `## Ranker hints`
    (heading included, hints excluded). Invalid regular expressions in `patterns` are skipped
    so one bad user edit cannot break a job. Raises `CriteriaError` when there is no title.
    """
    text = text.replace("\r\n", "\n").strip()
    first, _, _ = text.partition("\n")
    if not first.startswith("# ") or not first[2:].strip():
        raise CriteriaError(f"Criterion {name!r} must start with a '# Title' line")
    match = HINTS_HEADING.search(text)
    body = text[: match.start()].rstrip() if match else text
    hints = _parse_hints(text[match.end() :]) if match else RankerHints()
    return first[2:].strip(), body, hints


def _parse_hints(section: str) -> RankerHints:
    values: dict[str, str] = {}
    for line in section.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in {"keywords", "phrases", "patterns", "weight"}:
            values[key.strip().lower()] = value.strip()
    return RankerHints(
        keywords=_split(values.get("keywords", ""), ","),
        phrases=_split(values.get("phrases", ""), ","),
        patterns=tuple(p for p in (_compile(s) for s in _split(values.get("patterns", ""), ";")) if p),
        weight=_weight(values.get("weight", "")),
    )


def _split(value: str, sep: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in value.split(sep) if part.strip())


def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error:
        return None


def _weight(value: str) -> float:
    try:
        return max(0.0, float(value))
    except ValueError:
        return 1.0


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_builtin_criteria(criteria_dir: Path) -> list[CriterionText]:
    """Every valid `criteria/<name>.md` as a builtin CriterionText (revision 0), sorted by name."""
    found = []
    for path in sorted(Path(criteria_dir).glob("*.md")):
        name = path.stem
        if not NAME_RE.match(name):
            continue  # README.md and other docs
        content = path.read_text(encoding="utf-8")
        try:
            title, _, _ = parse_criterion_file(name, content)
        except CriteriaError:
            continue
        found.append(CriterionText(name, title, content, "builtin", 0, sha256_text(content)))
    return found


def hints_for(criteria: list[CriterionText]) -> dict[str, RankerHints]:
    hints = {}
    for criterion in criteria:
        try:
            hints[criterion.name] = parse_criterion_file(criterion.name, criterion.content)[2]
        except CriteriaError:
            continue
    return hints


def bodies_for(criteria: list[CriterionText]) -> list[tuple[str, str]]:
    """(name, body for the model) for each criterion; invalid texts are sent whole."""
    out = []
    for criterion in criteria:
        try:
            out.append((criterion.name, parse_criterion_file(criterion.name, criterion.content)[1]))
        except CriteriaError:
            out.append((criterion.name, criterion.content))
    return out
