from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.youtube.google_server import GoogleServer


@pytest.fixture
def google() -> Iterator[GoogleServer]:
    server = GoogleServer().start()
    yield server
    server.stop()


@pytest.fixture
def insecure_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """oauthlib refuses http:// token endpoints; the emulator is plain HTTP on loopback."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
