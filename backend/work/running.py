"""The items running in this process, for both dispatchers: keyed by (kind, id), so a cancel
names exactly the item it means (a job and a clip can never be confused), and the one place that
runs an item and turns an unexpected error into a `failed` row with a sentence."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from flask import Flask

from backend.pipeline.cancel import CancelToken
from backend.work.kinds import WorkKind

log = logging.getLogger(__name__)
Key = tuple[str, str]


@dataclass
class Running:
    token: CancelToken = field(default_factory=CancelToken)
    done: threading.Event = field(default_factory=threading.Event)


class RunningItems:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[Key, Running] = {}

    def enter(self, kind: str, item_id: str) -> Running | None:
        """Registered before the claim, so a cancel arriving right after it finds the token;
        None if the item already runs here (a duplicate delivery)."""
        with self._lock:
            if (kind, item_id) in self._items:
                return None
            running = self._items[(kind, item_id)] = Running()
            return running

    def leave(self, kind: str, item_id: str) -> None:
        with self._lock:
            running = self._items.pop((kind, item_id), None)
        if running is not None:
            running.done.set()

    def get(self, kind: str, item_id: str) -> Running | None:
        with self._lock:
            return self._items.get((kind, item_id))

    def by_kind(self) -> dict[str, set[str]]:
        with self._lock:
            keys = list(self._items)
        grouped: dict[str, set[str]] = {}
        for kind, item_id in keys:
            grouped.setdefault(kind, set()).add(item_id)
        return grouped

    def cancel(self, kind: str, item_id: str) -> Running | None:
        running = self.get(kind, item_id)
        if running is not None:
            running.token.cancel()
        return running

    def cancel_all(self) -> None:
        with self._lock:
            items = list(self._items.values())
        for running in items:
            running.token.cancel()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def run_item(app: Flask, kind: WorkKind, item_id: str, running: Running, force: bool) -> None:
    """Run one item to its end. Whatever escapes the kind's own handling ends the item failed
    with a sentence (the traceback goes to the log), so no item stays running forever."""
    try:
        kind.run(item_id, running.token, force)
    except Exception:
        log.exception("%s %s crashed", kind.noun, item_id)
        message = f"An internal error stopped this {kind.noun} (it is in the server's log); retry it."
        try:
            with app.app_context():
                kind.give_up(item_id, message)
        except Exception:
            log.exception("%s %s: could not record its failure", kind.noun, item_id)
