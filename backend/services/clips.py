"""Clips of a user's jobs: owner-scoped queries, edits, deletion and their media files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy import update as sql_update

from backend.config import Config
from backend.extensions import db
from backend.models import Clip, Job, Publication
from backend.schemas.clips import ClipOut, clip_payload
from backend.services import storage
from backend.services.objects import StoredObject
from backend.services.ownership import get_owned
from backend.work import load
from backend.work.kinds import Dispatcher, Kind

API = "/api/v1/clips"
MEDIA = {
    "video": ("video_path", "video/mp4"),
    "thumbnail": ("thumbnail_path", "image/jpeg"),
    # Werkzeug appends "; charset=utf-8" to every text/* type itself (not to application/*).
    "captions.vtt": ("captions_vtt_path", "text/vtt"),
    "captions.srt": ("captions_srt_path", "application/x-subrip; charset=utf-8"),
}


@dataclass(frozen=True)
class MediaFile:
    """A clip file to serve: a local path, or (STORAGE_BACKEND=s3) the bucket's object."""

    path: Path | None
    mimetype: str
    download_name: str
    stored: StoredObject | None = None


def assets(clip_id: str) -> dict[str, str]:
    base = f"{API}/{clip_id}"
    return {
        "video_url": f"{base}/video",
        "thumbnail_url": f"{base}/thumbnail",
        "captions_vtt_url": f"{base}/captions.vtt",
        "captions_srt_url": f"{base}/captions.srt",
    }


def serialize(clip: Clip) -> dict[str, Any]:
    return clip_payload(
        {name: getattr(clip, name) for name in ClipOut.model_fields if hasattr(clip, name)}, assets(clip.id)
    )


def ordered() -> Any:
    """Best score first within a job; rank breaks ties the way the pipeline ordered them."""
    return (Clip.score.desc(), Clip.rank.asc(), Clip.id.asc())


def get(user_id: str, clip_id: str) -> Clip:
    return get_owned(Clip, user_id, clip_id, "clip")


def of_job(job_id: str) -> list[Clip]:
    return list(db.session.scalars(select(Clip).where(Clip.job_id == job_id).order_by(*ordered())))


def page(user_id: str, job_id: str | None, limit: int, offset: int) -> tuple[list[Clip], int]:
    query = select(Clip).where(Clip.user_id == user_id)
    if job_id is not None:
        query = query.where(Clip.job_id == job_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # Newest job first, then best score first within each job.
    rows = db.session.scalars(
        query.join(Job, Job.id == Clip.job_id)
        .order_by(Job.created_at.desc(), Job.id, *ordered())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)


def update(user_id: str, clip_id: str, changes: dict[str, Any]) -> Clip:
    clip = get(user_id, clip_id)
    for name in ("title", "description", "tags"):
        if name in changes and changes[name] is not None:
            setattr(clip, name, changes[name])
    db.session.commit()
    return clip


def refuse_while_publishing(clip_id: str, action: str) -> None:
    load.refuse_while_publishing(Publication.clip_id == clip_id, "This clip", action)


def delete(user_id: str, clip_id: str, config: Config, dispatcher: Dispatcher) -> None:
    """The owner's clip only (checked first: nothing of anyone else's is touched); its re-render
    is stopped, and the records of videos published from it stay (their clip becomes null)."""
    clip = get(user_id, clip_id)
    refuse_while_publishing(clip.id, "delete it")
    if clip.render_status in load.ACTIVE_RENDERS:
        dispatcher.cancel(Kind.RENDER, clip.id, wait=config.cancel_wait_seconds)
    paths = [clip.video_path, clip.thumbnail_path, clip.captions_srt_path, clip.captions_vtt_path]
    job = clip.job
    detach_publications(Publication.clip_id == clip.id)
    db.session.delete(clip)
    db.session.commit()
    storage.remove_files(config, job.id, paths)
    job.storage_bytes = storage.job_bytes(config, job.id)
    db.session.commit()


def media(user_id: str, clip_id: str, kind: str, config: Config) -> MediaFile:
    clip = get(user_id, clip_id)
    attribute, mimetype = MEDIA[kind]
    relative = getattr(clip, attribute)
    stem = storage.safe_filename(clip.title, default=f"clip-{clip.rank or 1}")
    if config.uses_bucket:  # streamed from the bucket: the web host needs no copy of the file
        stored = storage.stored_object(config, clip.job_id, relative)
        return MediaFile(None, mimetype, f"{stem}{Path(relative).suffix}", stored)
    path = storage.resolve_in_job(config, clip.job_id, relative)
    return MediaFile(path, mimetype, f"{stem}{path.suffix}")


def detach_publications(where: Any) -> None:
    """Before clips or a job go: a publication that reached the platform stays as the record of
    that video (its clip and job become null); one that never did goes with them."""
    gone = Publication.youtube_video_id.is_(None)
    db.session.execute(sql_delete(Publication).where(where, gone))
    db.session.execute(sql_update(Publication).where(where).values(clip_id=None, job_id=None))
