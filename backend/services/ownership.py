"""The one way services load a user's row by id: another user's id looks exactly like a missing one."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select

from backend.errors import NotFound
from backend.extensions import db
from backend.services.ids import is_id

T = TypeVar("T")


def get_owned(model: type[T], user_id: str, object_id: str, what: str) -> T:
    row = None
    if is_id(object_id):  # not a UUID: cannot name a row, and must not reach the database
        owned: Any = model
        row = db.session.scalar(select(model).where(owned.id == object_id, owned.user_id == user_id))
    if row is None:
        raise NotFound(f"No such {what}.")
    return row
