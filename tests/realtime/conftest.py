from __future__ import annotations

from tests.jobs.conftest import manager, media, other_headers  # noqa: F401  (shared fixtures)
