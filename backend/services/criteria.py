"""Criteria texts: built-in files in `criteria/` plus each user's own saved revisions.

A user's edit never touches the file; it adds a revision row. Deleting the user's copy makes the
built-in file effective again. Jobs snapshot the exact text they were analysed with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import delete, func, select

from backend.errors import NotFound, ValidationFailed
from backend.extensions import db
from backend.models import CriteriaRevision
from backend.pipeline.criteria import (
    CriteriaError,
    CriterionText,
    load_builtin_criteria,
    parse_criterion_file,
    sha256_text,
)


@dataclass(frozen=True)
class Summary:
    name: str
    title: str
    source: str
    revision: int
    updated_at: datetime | None


def builtin(criteria_dir: Path) -> dict[str, CriterionText]:
    """The built-in criteria. One request can ask several times (defaults, validation, the job's
    snapshot), so parsed files are reused until a file's size or mtime changes."""
    paths = tuple(p for p in sorted(criteria_dir.glob("*.md")) if p.name.lower() != "readme.md")
    signature = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    return dict(_parse_builtin(criteria_dir, signature))


@lru_cache(maxsize=8)
def _parse_builtin(
    criteria_dir: Path, signature: tuple[tuple[str, int, int], ...]
) -> tuple[tuple[str, CriterionText], ...]:
    # `signature` only keys the cache; the pipeline's loader does the reading (and skips bad files).
    return tuple((c.name, c) for c in load_builtin_criteria(criteria_dir))


def _latest_user_revisions(user_id: str) -> dict[str, CriteriaRevision]:
    latest = (
        select(CriteriaRevision.name, func.max(CriteriaRevision.revision).label("rev"))
        .where(CriteriaRevision.user_id == user_id)
        .group_by(CriteriaRevision.name)
        .subquery()
    )
    rows = db.session.scalars(
        select(CriteriaRevision)
        .join(latest, (CriteriaRevision.name == latest.c.name) & (CriteriaRevision.revision == latest.c.rev))
        .where(CriteriaRevision.user_id == user_id)
    )
    return {row.name: row for row in rows}


def _as_text(row: CriteriaRevision) -> CriterionText:
    return CriterionText(row.name, row.title, row.content, "user", row.revision, row.content_sha256)


def effective(user_id: str, criteria_dir: Path) -> dict[str, CriterionText]:
    """Name → the text this user's jobs use: their latest revision, else the built-in file."""
    merged = builtin(criteria_dir)
    merged.update({name: _as_text(row) for name, row in _latest_user_revisions(user_id).items()})
    return merged


def list_for_user(user_id: str, criteria_dir: Path) -> list[Summary]:
    user_rows = _latest_user_revisions(user_id)
    items = [Summary(c.name, c.title, "builtin", 0, None) for c in builtin(criteria_dir).values()]
    items = [item for item in items if item.name not in user_rows]
    items += [Summary(r.name, r.title, "user", r.revision, r.created_at) for r in user_rows.values()]
    return sorted(items, key=lambda item: item.name)


def get(user_id: str, name: str, criteria_dir: Path, builtin_only: bool = False) -> CriterionText:
    texts = builtin(criteria_dir) if builtin_only else effective(user_id, criteria_dir)
    if name not in texts:
        raise NotFound(f"No criteria named {name!r}.")
    return texts[name]


def save(user_id: str, name: str, content: str, title: str | None, criteria_dir: Path) -> CriterionText:
    """Store a new revision of the user's copy (a new name creates a user-only criterion)."""
    current = effective(user_id, criteria_dir).get(name)
    last = db.session.scalar(
        select(func.max(CriteriaRevision.revision)).where(
            CriteriaRevision.user_id == user_id, CriteriaRevision.name == name
        )
    )
    parsed_title = _title_of(name, content)
    row = CriteriaRevision(
        user_id=user_id,
        name=name,
        revision=(last or 0) + 1,
        title=title or parsed_title or (current.title if current else name),
        content=content,
        content_sha256=sha256_text(content),
    )
    db.session.add(row)
    db.session.commit()
    return _as_text(row)


def revisions(user_id: str, name: str, criteria_dir: Path) -> list[CriteriaRevision]:
    rows = list(
        db.session.scalars(
            select(CriteriaRevision)
            .where(CriteriaRevision.user_id == user_id, CriteriaRevision.name == name)
            .order_by(CriteriaRevision.revision.desc())
        )
    )
    if not rows and name not in builtin(criteria_dir):
        raise NotFound(f"No criteria named {name!r}.")
    return rows


def remove_user_copy(user_id: str, name: str, criteria_dir: Path) -> None:
    result = db.session.execute(
        delete(CriteriaRevision).where(CriteriaRevision.user_id == user_id, CriteriaRevision.name == name)
    )
    db.session.commit()
    if not getattr(result, "rowcount", 0) and name not in builtin(criteria_dir):
        raise NotFound(f"No criteria named {name!r}.")


def known_names(user_id: str, criteria_dir: Path) -> set[str]:
    return set(effective(user_id, criteria_dir))


def _title_of(name: str, content: str) -> str:
    """The `# Title` line every criteria text starts with (the pipeline relies on it)."""
    try:
        return parse_criterion_file(name, content)[0]
    except CriteriaError as exc:
        raise ValidationFailed(str(exc), {"content": ["must start with a '# Title' line"]}) from exc
