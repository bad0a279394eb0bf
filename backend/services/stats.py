"""Statistics of published videos (videos.list), kept as history: the periodic refresh and the
on-demand one share this code."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from backend.config import Config
from backend.extensions import db
from backend.models import Publication, PublicationStat, PublicationStatus, YouTubeAccount, utcnow
from backend.youtube import google, quota
from backend.youtube.crypto import TokenCipher
from backend.youtube.quota import LIST_UNITS

log = logging.getLogger(__name__)


def refresh_published(config: Config) -> None:
    """The periodic statistics of every published video (YOUTUBE_STATS_INTERVAL), user by user:
    one account Google refuses (e.g. a revoked link) must not stop the others' refresh."""
    published = select(Publication).where(
        Publication.status == PublicationStatus.PUBLISHED.value, Publication.youtube_video_id.is_not(None)
    )
    by_user: dict[str, list[Publication]] = {}
    for pub in db.session.scalars(published):
        by_user.setdefault(pub.user_id, []).append(pub)
    for pubs in by_user.values():
        try:
            refresh_stats(config, pubs)
        except Exception:
            db.session.rollback()
            log.exception("stats refresh failed for %d publications", len(pubs))


def refresh_stats(config: Config, publications: list[Publication]) -> None:
    """videos.list part=statistics, 50 ids a call (1 unit each); a reading is kept as history."""
    by_user: dict[str, list[Publication]] = {}
    for pub in publications:
        if pub.youtube_video_id:
            by_user.setdefault(pub.user_id, []).append(pub)
    for user_id, pubs in by_user.items():
        account = db.session.scalar(select(YouTubeAccount).where(YouTubeAccount.user_id == user_id))
        if account is None:
            continue
        service = google.youtube(
            config, google.load_credentials(config, TokenCipher(config).decrypt(account.credentials))
        )
        for start in range(0, len(pubs), 50):
            _stats_batch(config, service, pubs[start : start + 50])


def _stats_batch(config: Config, service: Any, pubs: list[Publication]) -> None:
    ids = ",".join(p.youtube_video_id or "" for p in pubs)
    items = {
        i["id"]: i.get("statistics", {})
        for i in service.videos().list(part="statistics", id=ids).execute().get("items", [])
    }
    quota.count(config, LIST_UNITS)
    now = utcnow()
    for pub in pubs:
        stats = items.get(pub.youtube_video_id or "")
        if stats is None:
            continue
        reading = {
            "views": int(stats.get("viewCount", 0)),
            "likes": int(stats.get("likeCount", 0)),
            "comments": int(stats.get("commentCount", 0)),
        }
        pub.stats = {**reading, "refreshed_at": now.isoformat()}
        db.session.add(PublicationStat(publication_id=pub.id, recorded_at=now, **reading))
    db.session.commit()
