"""The cancel token every stage checks; a cancel also kills the subprocesses registered on it."""

from __future__ import annotations

import threading
from collections.abc import Callable

from backend.pipeline.errors import JobCancelled


class CancelToken:
    """Thread-safe cancel flag; callbacks let a cancel kill running subprocesses at once."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        with self._lock:
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise JobCancelled("The job was cancelled")

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Register `callback` (runs immediately if already cancelled); returns an unregister."""
        with self._lock:
            self._callbacks.append(callback)
            already = self._event.is_set()
        if already:
            callback()

        def unregister() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unregister
