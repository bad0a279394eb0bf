"""The one way to change a work item's row when it is "still in state X".

Every claim, release, cancel and end of a work item is one conditional UPDATE: of two processes
racing for the same row exactly one changes it, and the loser sees that it lost (no SELECT
before the write, so no window between the check and the change).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, update

from backend.extensions import db

Row = TypeVar("Row")


def advance(model: type[Row], item_id: str, *where: ColumnElement[bool], **values: Any) -> Row | None:
    """UPDATE `model` SET `values` WHERE id = `item_id` AND `where`, in the caller's transaction.

    Returns the fresh row if this call changed it (the caller commits), else None after rolling
    the transaction back (someone else won the race, or the row is gone)."""
    column = model.id  # type: ignore[attr-defined]
    done = db.session.execute(update(model).where(column == item_id, *where).values(**values))
    if not getattr(done, "rowcount", 0):
        db.session.rollback()
        return None
    row = db.session.get(model, item_id)
    assert row is not None
    db.session.refresh(row)
    return row


def advanced(model: type[Row], item_id: str, *where: ColumnElement[bool], **values: Any) -> bool:
    """`advance`, committed: True if this call changed the row."""
    if advance(model, item_id, *where, **values) is None:
        return False
    db.session.commit()
    return True
