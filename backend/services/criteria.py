"""Criteria texts: built-in files in `criteria/` plus each user's own saved revisions.

A user's edit never touches the file; it adds a revision row. Deleting the user's copy makes the
built-in file effective again. Jobs snapshot the exact text they were analysed with.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from backend.errors import Conflict, NotFound, ValidationFailed
from backend.extensions import db
from backend.models import CriteriaRevision
from backend.pipeline.criteria import (
    CriteriaError,
    CriterionText,
    load_builtin_criteria,
    parse_criterion_file,
    sha256_text,
)

# Concurrent saves of one name race for the next revision number; each retry sees the winners.
_SAVE_ATTEMPTS = 10


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


def save(
    user_id: str, name: str, content: str, title: str | None, criteria_dir: Path, keep: int
) -> CriterionText:
    """Store a new revision of the user's copy (a new name creates a user-only criterion) and
    prune all but the newest `keep` revisions of that name.

    The title is the one given, else the text's `# Title` line, else the current title: plain
    text is a valid criterion as long as it has a title from somewhere."""
    chosen = title or _heading_of(name, content) or _current_title(user_id, name, criteria_dir)
    if not chosen:
        raise ValidationFailed(
            "Give the criterion a title, or start its text with a '# Title' line.",
            {"title": ["required when the content has no '# Title' line"]},
        )
    for attempt in range(_SAVE_ATTEMPTS):
        try:
            return _insert_revision(user_id, name, chosen[:200], content, keep)
        except IntegrityError:
            # A concurrent save took this revision number: retry with the next one.
            db.session.rollback()
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))  # noqa: S311 (jitter, not a secret)
    raise Conflict("This criterion is being saved by several requests at once; try again.")


def _insert_revision(user_id: str, name: str, title: str, content: str, keep: int) -> CriterionText:
    last = db.session.scalar(
        select(func.max(CriteriaRevision.revision)).where(
            CriteriaRevision.user_id == user_id, CriteriaRevision.name == name
        )
    )
    row = CriteriaRevision(
        user_id=user_id,
        name=name,
        revision=(last or 0) + 1,
        title=title,
        content=content,
        content_sha256=sha256_text(content),
    )
    db.session.add(row)
    db.session.flush()
    db.session.execute(
        delete(CriteriaRevision).where(
            CriteriaRevision.user_id == user_id,
            CriteriaRevision.name == name,
            CriteriaRevision.revision <= row.revision - max(keep, 1),
        )
    )
    db.session.commit()
    return _as_text(row)


def _current_title(user_id: str, name: str, criteria_dir: Path) -> str | None:
    current = effective(user_id, criteria_dir).get(name)
    return current.title if current else None


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


def _heading_of(name: str, content: str) -> str | None:
    """The text's leading `# Title` line, if it has one."""
    try:
        return parse_criterion_file(name, content)[0]
    except CriteriaError:
        return None
