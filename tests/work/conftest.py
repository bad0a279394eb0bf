"""Fixtures of the work-item tests: a second user (as in tests/jobs), and the local Google for
the publication kind (tests/youtube's fixtures, shared)."""

from __future__ import annotations

from tests.jobs.conftest import other_headers
from tests.youtube.conftest import clip_factory, emitter, google, insecure_loopback

__all__ = ["clip_factory", "emitter", "google", "insecure_loopback", "other_headers"]
