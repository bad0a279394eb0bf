"""The worker's side of a publication: a resumable videos.insert, then the thumbnail and checks.

Never twice: the session URI is stored when the body is first read (after the initiation, before
the first chunk is sent), so a retry or a restart resumes that session with YouTube's status
query and never creates a second video. 5xx answers and dropped connections back off with jitter;
quota answers end the publication at once (a retry storm would only burn more quota).
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httplib2
from flask import Flask
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload
from sqlalchemy import select, update

from backend.config import Config
from backend.extensions import db
from backend.models import (
    Clip,
    Publication,
    PublicationStatus,
    YouTubeAccount,
)
from backend.pipeline.cancel import CancelToken
from backend.realtime.emitter import Emitter
from backend.schemas.publications import PublicationProgress
from backend.services import cache, storage
from backend.services import publications as pub_service
from backend.youtube import google, quota
from backend.youtube.crypto import TokenCipher
from backend.youtube.media import FileChunks
from backend.youtube.quota import THUMBNAIL_UNITS, UPLOAD_UNITS

log = logging.getLogger(__name__)
MAX_TRANSIENT = 8  # consecutive 5xx / dropped connections before giving up
PROGRESS_EVERY = 0.25  # seconds between progress events


class PublishFailure(Exception):
    def __init__(self, code: str, message: str, relink: bool = False) -> None:
        super().__init__(message)
        self.code, self.message, self.relink = code, message, relink


class Cancelled(Exception):
    pass


@dataclass
class Upload:
    """Plain data for the long call: no DB session is held while bytes move."""

    publication_id: str
    user_id: str
    clip_id: str
    path: Path
    thumbnail: Path | None
    body: dict[str, Any]
    session_uri: str | None
    credentials: str
    requested_privacy: str
    job_id: str = ""  # with a bucket, the files are cached copies kept while they are sent


def run(
    app: Flask,
    config: Config,
    emitter: Emitter,
    publication_id: str,
    token: CancelToken,
    sleep: Any = time.sleep,
) -> None:
    with app.app_context():
        upload = _claim(config, emitter, publication_id)
    if upload is None:
        return
    try:
        with cache.in_use(config, upload.job_id):
            video = _send(app, config, emitter, upload, token, sleep)
        with app.app_context():
            _finish(config, emitter, upload, video)
    except Cancelled:
        with app.app_context():
            _end(emitter, publication_id, PublicationStatus.CANCELLED, None, None)
    except PublishFailure as failure:
        with app.app_context():
            if failure.relink:
                _mark_relink(upload.user_id)
            _end(emitter, publication_id, PublicationStatus.FAILED, failure.code, failure.message)
    except Exception as err:  # a bug must end the row, not leave it "uploading" forever
        log.exception("publication %s failed", publication_id)
        with app.app_context():
            _end(emitter, publication_id, PublicationStatus.FAILED, "youtube_upload_failed", str(err)[:500])


def _claim(config: Config, emitter: Emitter, publication_id: str) -> Upload | None:
    moved = db.session.execute(
        update(Publication)
        .where(
            Publication.id == publication_id,
            Publication.status == PublicationStatus.QUEUED.value,
            Publication.cancel_requested.is_(False),
        )
        .values(
            status=PublicationStatus.UPLOADING.value,
            attempt=Publication.attempt + 1,
            heartbeat_at=pub_service.utcnow(),  # JOB_BACKEND=celery: its worker keeps it fresh
        )
    )
    db.session.commit()
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return None
    pub = db.session.get(Publication, publication_id)
    clip = db.session.get(Clip, pub.clip_id) if pub else None
    account = (
        db.session.scalar(select(YouTubeAccount).where(YouTubeAccount.user_id == pub.user_id))
        if pub
        else None
    )
    if pub is None or clip is None or account is None or not clip.video_path:
        _end(
            emitter,
            publication_id,
            PublicationStatus.FAILED,
            "youtube_not_connected" if clip else "not_found",
            "The clip or the linked channel is gone.",
        )
        return None
    emitter.emit(pub.user_id, "publication_updated", pub_service.out(pub))
    path = storage.resolve_in_job(config, clip.job_id, clip.video_path)
    thumb = storage.resolve_in_job(config, clip.job_id, clip.thumbnail_path) if clip.thumbnail_path else None
    return Upload(
        pub.id,
        pub.user_id,
        clip.id,
        path,
        thumb,
        _metadata(pub),
        pub.session_uri,
        TokenCipher(config).decrypt(account.credentials),
        pub.privacy_status,
        clip.job_id,
    )


def _metadata(pub: Publication) -> dict[str, Any]:
    status: dict[str, Any] = {
        "privacyStatus": pub.privacy_status,
        "selfDeclaredMadeForKids": pub.made_for_kids,
    }
    if pub.publish_at is not None:
        status["publishAt"] = pub.publish_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    snippet = {
        "title": pub.title,
        "description": pub.description,
        "tags": list(pub.tags or []),
        "categoryId": "22",
    }
    return {"snippet": snippet, "status": status}


def _send(
    app: Flask, config: Config, emitter: Emitter, upload: Upload, token: CancelToken, sleep: Any
) -> dict[str, Any]:
    credentials = google.load_credentials(config, upload.credentials)
    service = google.youtube(config, credentials)
    media = FileChunks(upload.path, chunksize=config.youtube_upload_chunk_bytes)
    request = service.videos().insert(part="snippet,status", body=upload.body, media_body=media)
    if upload.session_uri:
        # Resume (no public API for it): ask YouTube where the stored session stands first.
        request.resumable_uri = upload.session_uri
        request._in_error_state = True
    media.before_read = lambda: _store_session(app, upload, request.resumable_uri)
    return _chunks(app, emitter, upload, request, media.size(), token, sleep)


def _store_session(app: Flask, upload: Upload, uri: str | None) -> None:
    if uri is None or uri == upload.session_uri:
        return
    upload.session_uri = uri
    with app.app_context():
        db.session.execute(
            update(Publication).where(Publication.id == upload.publication_id).values(session_uri=uri)
        )
        db.session.commit()


def _chunks(
    app: Flask, emitter: Emitter, upload: Upload, request: Any, size: int, token: CancelToken, sleep: Any
) -> dict[str, Any]:
    response, failures, last_emit = None, 0, 0.0
    while response is None:
        if token.cancelled:
            raise Cancelled
        try:
            _status, response = request.next_chunk(num_retries=0)
            failures = 0
        except HttpError as err:
            if err.resp.status < 500:
                raise _failure(err) from err
            failures = _back_off(failures, sleep, f"HTTP {err.resp.status}")
        except RefreshError as err:
            raise _refresh_failure(err) from err
        except (OSError, httplib2.HttpLib2Error) as err:
            request._in_error_state = True  # the next call asks where the upload stands
            failures = _back_off(failures, sleep, type(err).__name__)
        if time.monotonic() - last_emit >= PROGRESS_EVERY or response is not None:
            last_emit = time.monotonic()
            _progress(
                app, emitter, upload, size if response is not None else request.resumable_progress, size
            )
    return dict(response)


def _back_off(failures: int, sleep: Any, why: str) -> int:
    failures += 1
    if failures > MAX_TRANSIENT:
        raise PublishFailure(
            "youtube_upload_failed", f"YouTube kept failing ({why}); retry the publication later."
        )
    delay = min(60.0, 2.0 ** (failures - 1)) * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not crypto)
    log.info("upload chunk failed (%s); retrying in %.1f s", why, delay)
    sleep(delay)
    return failures


def _reason(err: HttpError) -> str:
    try:
        return str(json.loads(err.content)["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


def _failure(err: HttpError) -> PublishFailure:
    reason = _reason(err)
    if reason == "quotaExceeded":
        return PublishFailure(
            "youtube_quota_exceeded",
            "The API project's daily YouTube quota (10,000 units unless Google raised it; "
            f"an upload costs {UPLOAD_UNITS:,}) is used up. It resets at midnight Pacific time.",
        )
    if reason == "uploadLimitExceeded":
        return PublishFailure(
            "youtube_upload_limit_exceeded",
            "This channel reached YouTube's limit on uploads " "per day. Try again tomorrow.",
        )
    if err.resp.status == 401:
        return PublishFailure(
            "youtube_relink_required",
            "Google refused the stored authorization: re-link YouTube.",
            relink=True,
        )
    return PublishFailure(
        "youtube_upload_failed", f"YouTube refused the upload (HTTP {err.resp.status} {reason})."
    )


def _refresh_failure(err: RefreshError) -> PublishFailure:
    if "invalid_grant" in str(err):
        return PublishFailure(
            "youtube_relink_required",
            "Google no longer accepts the link to your channel (tokens "
            "of apps in testing expire after 7 days): re-link YouTube.",
            relink=True,
        )
    return PublishFailure(
        "youtube_upload_failed", "Google's token endpoint failed; retry the publication later."
    )


def _progress(app: Flask, emitter: Emitter, upload: Upload, offset: int, size: int) -> None:
    value = round(100.0 * offset / size, 2) if size else 0.0
    with app.app_context():
        db.session.execute(
            update(Publication)
            .where(Publication.id == upload.publication_id)
            .values(confirmed_offset=offset, progress=value)
        )
        db.session.commit()
    emitter.emit(
        upload.user_id,
        "publication_progress",
        PublicationProgress(
            publication_id=upload.publication_id, clip_id=upload.clip_id, status="uploading", progress=value
        ),
    )


def _finish(config: Config, emitter: Emitter, upload: Upload, video: dict[str, Any]) -> None:
    pub = db.session.get(Publication, upload.publication_id)
    assert pub is not None
    pub.youtube_video_id, pub.status, pub.progress = video["id"], PublicationStatus.PROCESSING.value, 100.0
    db.session.commit()
    quota.count(config, UPLOAD_UNITS, uploads=1)
    warnings = []
    actual = (video.get("status") or {}).get("privacyStatus")
    if actual and actual != upload.requested_privacy:
        warnings.append(
            f"YouTube made this video {actual}: uploads of API projects that Google has not audited "
            "are locked private."
        )
    thumb_warning = _set_thumbnail(config, upload, video["id"])
    if thumb_warning:
        warnings.append(thumb_warning)
    pub.warning = " ".join(warnings) or None
    pub.status = PublicationStatus.PUBLISHED.value
    db.session.commit()
    emitter.emit(pub.user_id, "publication_updated", pub_service.out(pub))


def _set_thumbnail(config: Config, upload: Upload, video_id: str) -> str | None:
    if upload.thumbnail is None or not upload.thumbnail.is_file():
        return None
    try:
        service = google.youtube(config, google.load_credentials(config, upload.credentials))
        media = MediaFileUpload(str(upload.thumbnail), mimetype="image/jpeg")
        service.thumbnails().set(videoId=video_id, media_body=media).execute()
        quota.count(config, THUMBNAIL_UNITS)
    except (HttpError, RefreshError, OSError, httplib2.HttpLib2Error) as err:
        # YouTube may refuse custom thumbnails (Shorts, unverified channels): the video is up.
        log.info("thumbnail refused for %s: %s", video_id, type(err).__name__)
        return "YouTube did not accept the custom thumbnail (it may ignore them on Shorts)."
    return None


def _end(
    emitter: Emitter, publication_id: str, status: PublicationStatus, code: str | None, message: str | None
) -> None:
    pub = db.session.get(Publication, publication_id)
    if pub is None:
        return
    pub.status, pub.error_code, pub.error_message = status.value, code, message
    db.session.commit()
    emitter.emit(pub.user_id, "publication_updated", pub_service.out(pub))


def _mark_relink(user_id: str) -> None:
    db.session.execute(
        update(YouTubeAccount).where(YouTubeAccount.user_id == user_id).values(needs_relink=True)
    )
    db.session.commit()


def recover(dispatcher: pub_service.Dispatcher) -> None:
    """Publications a dead process left queued or uploading go back to the queue; an uploading
    one kept its session URI, so it resumes where YouTube says it stopped."""
    active = [PublicationStatus.QUEUED.value, PublicationStatus.UPLOADING.value]
    rows = list(db.session.scalars(select(Publication).where(Publication.status.in_(active))))
    for pub in rows:
        pub.status = PublicationStatus.QUEUED.value
    db.session.commit()
    for pub in rows:
        dispatcher.submit(pub.id, 5, kind=pub_service.KIND)
