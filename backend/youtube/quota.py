"""The YouTube Data API quota this server has spent, per API project and (Pacific) day.

Google's documentation disagrees on what an upload costs: 1,600 of the default 10,000 daily
units by one page, a separate bucket of about 100 uploads a day by another. Both counts are
kept, so whichever limit Google applies, the dashboard can show what is left of it. The counts
are ours (Google has no API that reports a project's usage): spending by other clients of the
same project is not seen.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend.config import Config
from backend.extensions import db
from backend.models import YouTubeQuotaDay

PACIFIC = ZoneInfo("America/Los_Angeles")
UPLOAD_UNITS, THUMBNAIL_UNITS, LIST_UNITS = 1600, 50, 1


def quota_day(now: datetime | None = None) -> datetime:
    """Now in Pacific time: Google resets quotas at its midnight."""
    return (now or datetime.now(UTC)).astimezone(PACIFIC)


def _project(config: Config) -> str:
    return config.google_client_id or "default"


def count(config: Config, units: int, uploads: int = 0) -> None:
    """Adds to both documented counts of today in one statement (INSERT … ON CONFLICT DO
    UPDATE): two uploads ending together both count, and neither can fail on the other's row."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = YouTubeQuotaDay.__table__
    statement = insert(table).values(
        project=_project(config), day=quota_day().date(), units=units, uploads=uploads
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.project, table.c.day],
        set_={"units": table.c.units + units, "uploads": table.c.uploads + uploads},
    )
    db.session.execute(statement)
    db.session.commit()


def usage(config: Config, now: datetime | None = None) -> dict[str, Any]:
    """Today's counts against both limits, and when they reset (UTC)."""
    today = quota_day(now)
    row = db.session.get(YouTubeQuotaDay, (_project(config), today.date()))
    units, uploads = (row.units, row.uploads) if row else (0, 0)
    midnight = datetime.combine(today.date() + timedelta(days=1), time(), PACIFIC)
    return {
        "day": today.date().isoformat(),
        "units_used": units,
        "units_limit": config.youtube_daily_quota_units,
        "units_left": max(0, config.youtube_daily_quota_units - units),
        "uploads_used": uploads,
        "uploads_limit": config.youtube_daily_uploads,
        "uploads_left": max(0, config.youtube_daily_uploads - uploads),
        "upload_units": UPLOAD_UNITS,
        "resets_at": midnight.astimezone(UTC),
    }
