from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

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


@pytest.fixture
def config_overrides(google: GoogleServer) -> dict[str, object]:
    """The app, pointed at the emulator as CONTRACTS §10's configuration allows."""
    return {
        "google_client_id": google.state.client_id,
        "google_client_secret": google.state.client_secret,
        "token_encryption_key": (Fernet.generate_key().decode(),),
        **google.endpoints,
    }
