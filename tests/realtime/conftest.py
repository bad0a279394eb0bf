from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.extensions import socketio
from backend.realtime.handlers import registry
from tests.jobs.conftest import other_headers  # noqa: F401  (a shared fixture)


@pytest.fixture(autouse=True)
def _close_sockets(request: pytest.FixtureRequest) -> Iterator[None]:
    """Close the sockets a test left open, as a server shutdown would: the app's sweeper then
    stops instead of polling a database that is about to be dropped."""
    # Asked for before the test, so that this runs before the app is torn down.
    app = request.getfixturevalue("app") if "app" in request.fixturenames else None
    yield
    if app is None or socketio.server is None:
        return
    for sid in registry(app).snapshot():
        socketio.server.disconnect(sid, namespace="/")
