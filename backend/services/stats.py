"""Statistics of published videos (videos.list part=statistics, CONTRACTS §10): the periodic
refresh of every published video (a chore, backend/work/chores.py) and the on-demand one of a single
publication (POST /publications/{id}/refresh-stats).

No Flask here. The Data API quota is one per server, shared by every user, and each reading keeps
a history row: an on-demand refresh within STATS_REFRESH_MIN_SECONDS of the last one answers the
stored figures without calling Google. Google's refusals become API errors, never a 500.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httplib2
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError
from sqlalchemy import select, update

from backend.config import Config
from backend.errors import ApiError, Conflict, ServiceUnavailable
from backend.extensions import db
from backend.models import Publication, PublicationStat, PublicationStatus, YouTubeAccount, utcnow
from backend.youtube import google, quota
from backend.youtube.crypto import TokenCipher
from backend.youtube.quota import LIST_UNITS, UPLOAD_UNITS

log = logging.getLogger(__name__)
BATCH = 50  # ids per videos.list call; a call costs LIST_UNITS whatever the count
QUOTA_MESSAGE = (
    "The API project's daily YouTube quota (10,000 units unless Google raised it; an upload costs "
    f"{UPLOAD_UNITS:,}) is used up. It resets at midnight Pacific time."
)
RELINK_MESSAGE = "Google no longer accepts the link to your channel: re-link YouTube."


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
            refresh(config, pubs)
        except Exception:
            db.session.rollback()
            log.exception("stats refresh failed for %d publications", len(pubs))


def refresh(config: Config, publications: list[Publication]) -> None:
    """Read the statistics of every published one, user by user with that user's credentials;
    each reading is kept as history. Google's errors propagate (see `refresh_one`)."""
    by_user: dict[str, list[Publication]] = {}
    for pub in publications:
        if pub.youtube_video_id:
            by_user.setdefault(pub.user_id, []).append(pub)
    for user_id, pubs in by_user.items():
        account = db.session.scalar(select(YouTubeAccount).where(YouTubeAccount.user_id == user_id))
        if account is None:
            continue
        stored = TokenCipher(config).decrypt(account.credentials)
        service = google.youtube(config, google.load_credentials(config, stored))
        for start in range(0, len(pubs), BATCH):
            _read_batch(config, service, pubs[start : start + BATCH])


def _read_batch(config: Config, service: Any, pubs: list[Publication]) -> None:
    ids = ",".join(p.youtube_video_id or "" for p in pubs)
    answer = service.videos().list(part="statistics", id=ids).execute()
    items = {item["id"]: item.get("statistics", {}) for item in answer.get("items", [])}
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


def refresh_one(config: Config, pub: Publication) -> Publication:
    """The on-demand refresh: the stored figures while they are recent, else a reading from
    Google. Quota used up → 503 youtube_quota_exceeded; a link Google no longer accepts → 409
    youtube_relink_required (and the account is marked for re-linking); Google down → 503."""
    if _recent(pub, config.stats_refresh_min_seconds):
        return pub
    try:
        refresh(config, [pub])
    except HttpError as err:
        db.session.rollback()
        raise _http_error(pub.user_id, err) from err
    except RefreshError as err:
        db.session.rollback()
        raise _token_error(pub.user_id, err) from err
    except (OSError, httplib2.HttpLib2Error) as err:
        db.session.rollback()
        raise _unavailable() from err
    return pub


def _recent(pub: Publication, min_seconds: float) -> bool:
    refreshed = (pub.stats or {}).get("refreshed_at")
    if not refreshed or min_seconds <= 0:
        return False
    try:
        when = datetime.fromisoformat(str(refreshed))
    except ValueError:
        return False
    return utcnow() - when < timedelta(seconds=min_seconds)


def _http_error(user_id: str, err: HttpError) -> ApiError:
    if google.error_reason(err) == "quotaExceeded":
        return ServiceUnavailable(QUOTA_MESSAGE, code="youtube_quota_exceeded")
    if err.resp.status == 401:
        return _relink(user_id)
    return _unavailable()


def _token_error(user_id: str, err: RefreshError) -> ApiError:
    if "invalid_grant" in str(err):
        return _relink(user_id)
    return _unavailable()


def _relink(user_id: str) -> ApiError:
    db.session.execute(
        update(YouTubeAccount).where(YouTubeAccount.user_id == user_id).values(needs_relink=True)
    )
    db.session.commit()
    return Conflict(RELINK_MESSAGE, code="youtube_relink_required")


def _unavailable() -> ApiError:
    return ServiceUnavailable("YouTube did not answer; try again later.", code="youtube_unavailable")
