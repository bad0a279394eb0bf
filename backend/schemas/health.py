from __future__ import annotations

from backend.schemas.common import OutModel


class QueueStats(OutModel):
    queued: int
    running: int
    workers: int


class HealthOut(OutModel):
    status: str
    db: str
    ffmpeg: str
    queue: QueueStats
    detector: str  # the face detector the reframing runs with (a fallback says so)
    version: str


class RootOut(OutModel):
    name: str
    version: str
    links: dict[str, str]
