"""Publications: the publish rules, the owner-scoped reads, retry and cancel.

The worker's side (the upload itself) is the publication kind, backend/work/publication.py;
both meet on the row.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from backend.config import Config
from backend.errors import Conflict
from backend.extensions import db
from backend.models import Clip, Job, Publication, PublicationStat, PublicationStatus, RenderStatus, utcnow
from backend.realtime.emitter import Emitter
from backend.schemas.publications import PublicationOut, PublishIn
from backend.services.ownership import get_owned
from backend.services.youtube import account_of, require_configured
from backend.work import load
from backend.work.kinds import Dispatcher, Kind
from backend.work.rows import advance

PRIORITY = 5  # the queue place of a publication whose job is gone (a new job's default)
LIVE = (
    PublicationStatus.QUEUED,
    PublicationStatus.UPLOADING,
    PublicationStatus.PROCESSING,
    PublicationStatus.PUBLISHED,
)
RIGHTS = (
    "This clip comes from a YouTube video of another channel. Re-uploading other people's videos breaks "
    "YouTube's policies unless you hold the rights, and Content ID blocks claimed Shorts over 1 minute "
    "worldwide. Confirm you have the rights (confirm_rights) to publish it."
)


def serialize(pub: Publication) -> dict[str, Any]:
    url = f"https://www.youtube.com/shorts/{pub.youtube_video_id}" if pub.youtube_video_id else None
    data = {name: getattr(pub, name) for name in PublicationOut.model_fields if hasattr(pub, name)}
    return PublicationOut.model_validate({**data, "url": url}).model_dump(mode="json")


def out(pub: Publication) -> PublicationOut:
    return PublicationOut.model_validate(serialize(pub))


def clean_text(value: str, limit_bytes: int) -> str:
    """YouTube refuses `<` and `>` in titles and descriptions; cut on a character boundary."""
    text = re.sub(r"[<>]", "", value).strip()
    return text.encode()[:limit_bytes].decode(errors="ignore")


def _check_rights(clip: Clip, channel_id: str, confirmed: bool) -> None:
    job = clip.job
    if job.source_type != "youtube" or confirmed:
        return
    source_channel = (job.analysis_meta or {}).get("source_channel_id")
    # An unknown source channel is treated like another one: the risk is the same.
    if source_channel != channel_id:
        raise Conflict(RIGHTS, code="rights_confirmation_required")


def _check_duplicate(clip_id: str, channel_id: str) -> None:
    existing = db.session.scalar(
        select(Publication.id).where(
            Publication.clip_id == clip_id,
            Publication.channel_id == channel_id,
            Publication.status.in_([s.value for s in LIVE]),
        )
    )
    if existing is not None:
        raise Conflict(
            "This clip is already published or publishing to this channel; send force to publish "
            "it again.",
            code="already_published",
        )


def create(
    user_id: str, clip_id: str, body: PublishIn, config: Config, dispatcher: Dispatcher, emitter: Emitter
) -> Publication:
    pub = insert(user_id, clip_id, body, config)
    db.session.commit()
    dispatcher.submit(Kind.PUBLICATION, pub.id, pub_priority(pub))
    emitter.emit(user_id, "publication_updated", out(pub))
    return pub


def insert(user_id: str, clip_id: str, body: PublishIn, config: Config) -> Publication:
    """Check the rules and add the row, uncommitted. The user's row lock serialises the check
    and the insert: of concurrent publishes of one clip (without force) exactly one passes."""
    require_configured(config)
    clip = get_owned(Clip, user_id, clip_id, "clip")
    account = account_of(user_id)
    if account is None:
        raise Conflict("Link a YouTube channel in Settings first.", code="youtube_not_connected")
    if account.needs_relink:
        raise Conflict(
            "Google no longer accepts the link to your channel: re-link YouTube in Settings.",
            code="youtube_relink_required",
        )
    _check_rights(clip, account.channel_id, body.confirm_rights)
    load.lock_user(user_id)
    try:
        _check_ready(clip)
        if not body.force:
            _check_duplicate(clip.id, account.channel_id)
        load.check_active_limit(config, user_id)
    except Exception:
        db.session.rollback()
        raise
    pub = _row(user_id, clip, account.channel_id, body)
    db.session.add(pub)
    db.session.flush()
    return pub


def _check_ready(clip: Clip) -> None:
    db.session.refresh(clip)
    if clip.render_status != RenderStatus.READY.value or not clip.video_path:
        raise Conflict(
            "This clip is being re-rendered (or its last re-render failed); publish it once it is ready.",
            code="clip_not_ready",
        )


def _row(user_id: str, clip: Clip, channel_id: str, body: PublishIn) -> Publication:
    tags = body.tags if body.tags is not None else list(clip.tags or [])
    description = body.description if body.description is not None else clip.description
    return Publication(
        user_id=user_id,
        clip_id=clip.id,
        job_id=clip.job_id,
        channel_id=channel_id,
        title=clean_text(body.title or clip.title or "Clip", 400)[:100] or "Clip",
        description=clean_text(description, 5000),
        tags=[t.lstrip("#") for t in tags if t.strip("# ")][:30],
        privacy_status=body.privacy_status,
        publish_at=body.publish_at,
        made_for_kids=body.made_for_kids,
        queued_at=utcnow(),
    )


def pub_priority(pub: Publication) -> int:
    """A publication queues at its job's priority (a job's child item)."""
    job = db.session.get(Job, pub.job_id) if pub.job_id else None
    return int(job.priority) if job is not None else PRIORITY


def get(user_id: str, publication_id: str) -> Publication:
    return get_owned(Publication, user_id, publication_id, "publication")


# A reading every YOUTUBE_STATS_INTERVAL (6 h by default) is 4 a day: a year fits in 1,500.
HISTORY_LIMIT = 1500


def stats_history(user_id: str, publication_id: str) -> list[PublicationStat]:
    """The newest HISTORY_LIMIT readings of one of the user's publications, oldest first."""
    pub = get(user_id, publication_id)
    newest = db.session.scalars(
        select(PublicationStat)
        .where(PublicationStat.publication_id == pub.id)
        .order_by(PublicationStat.recorded_at.desc(), PublicationStat.id)
        .limit(HISTORY_LIMIT)
    )
    return list(reversed(list(newest)))


def page(
    user_id: str, clip_id: str | None, status: str | None, limit: int, offset: int
) -> tuple[list[Publication], int]:
    query = select(Publication).where(Publication.user_id == user_id)
    if clip_id is not None:
        query = query.where(Publication.clip_id == clip_id)
    if status is not None:
        query = query.where(Publication.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(Publication.created_at.desc(), Publication.id).limit(limit).offset(offset)
    )
    return list(rows), int(total)


def retry(
    user_id: str, publication_id: str, config: Config, dispatcher: Dispatcher, emitter: Emitter
) -> Publication:
    """Back to the queue (counted in the active limit); a stored session URI makes the upload
    resume, never start a new video."""
    pub = get(user_id, publication_id)
    load.lock_user(user_id)
    try:
        load.check_active_limit(config, user_id)
    except Exception:
        db.session.rollback()
        raise
    values = {
        "status": PublicationStatus.QUEUED.value,
        "error_code": None,
        "error_message": None,
        "updated_at": utcnow(),
        "queued_at": utcnow(),
        "redeliveries": 0,
    }
    moved = advance(Publication, pub.id, Publication.status == PublicationStatus.FAILED.value, **values)
    if moved is None:
        raise Conflict("Only a failed publication can be retried.", code="not_retryable")
    db.session.commit()
    dispatcher.submit(Kind.PUBLICATION, moved.id, pub_priority(moved))
    emitter.emit(user_id, "publication_updated", out(moved))
    return moved


def cancel(
    user_id: str, publication_id: str, config: Config, dispatcher: Dispatcher, emitter: Emitter
) -> Publication:
    """A queued one ends cancelled at once; an uploading one is asked to stop, and ends
    `cancelled` only when its worker confirms it stopped before YouTube had the whole file (a
    finished upload stays `published`). Published and ended ones have nothing to stop."""
    pub = get(user_id, publication_id)
    if pub.status not in (PublicationStatus.QUEUED.value, PublicationStatus.UPLOADING.value):
        return pub
    pub.cancel_requested = True
    db.session.commit()
    queued = Publication.status == PublicationStatus.QUEUED.value
    ended = advance(
        Publication, pub.id, queued, status=PublicationStatus.CANCELLED.value, updated_at=utcnow()
    )
    if ended is not None:
        db.session.commit()
    else:
        dispatcher.cancel(Kind.PUBLICATION, pub.id, config.cancel_wait_seconds)
    db.session.expire_all()
    pub = get(user_id, publication_id)
    emitter.emit(user_id, "publication_updated", out(pub))
    return pub
