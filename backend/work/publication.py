"""The publication kind (`Kind.PUBLICATION`): a resumable videos.insert, then the thumbnail.

Never twice: the session URI is stored when the body is first read (after the initiation, before
the first chunk is sent), so a retry or a restart resumes that session with YouTube's status
query and never creates a second video. The upload pins the exact file it started with (path,
size, sha256): a resume sends those bytes or fails, never a spliced video. 5xx answers and
dropped connections back off with jitter; quota answers end the publication at once (a retry
storm would only burn more quota). A cancel stops it between chunks; once YouTube has the whole
file the video exists, and the publication ends `published` whatever was asked meanwhile.
"""

from __future__ import annotations

import hashlib
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
from backend.errors import NotFound
from backend.extensions import db
from backend.models import Clip, Publication, PublicationStatus, YouTubeAccount
from backend.pipeline.cancel import CancelToken
from backend.realtime.emitter import Emitter
from backend.schemas.publications import PublicationProgress
from backend.services import cache, storage
from backend.services import publications as pub_service
from backend.work.kinds import Kind, WorkKind, transitions
from backend.youtube import google, quota
from backend.youtube.crypto import TokenCipher
from backend.youtube.media import FileChunks
from backend.youtube.quota import THUMBNAIL_UNITS, UPLOAD_UNITS

log = logging.getLogger(__name__)
P = PublicationStatus
TRANSITIONS = transitions(
    {
        P.QUEUED: (P.UPLOADING, P.CANCELLED, P.FAILED),
        P.UPLOADING: (P.PROCESSING, P.PUBLISHED, P.FAILED, P.CANCELLED, P.QUEUED),
        P.PROCESSING: (P.PUBLISHED, P.FAILED),
        P.FAILED: (P.QUEUED,),
        P.CANCELLED: (),
        P.PUBLISHED: (),
    }
)
MAX_TRANSIENT = 8  # consecutive 5xx / dropped connections before giving up
PROGRESS_EVERY = 0.25  # seconds between progress events


class PublishFailure(Exception):
    def __init__(self, code: str, message: str, relink: bool = False) -> None:
        super().__init__(message)
        self.code, self.message, self.relink = code, message, relink


class Cancelled(Exception):
    pass


MISSING_FILE = (
    "The clip's video file is gone (expired or deleted); re-render the clip, then publish it again."
)


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
    attempt: int  # this run's: a run taken for dead records nothing over the next one
    size: int = 0
    sha256: str = ""
    job_id: str = ""  # with a bucket, the files are cached copies kept while they are sent


class PublicationKind(WorkKind):
    kind = Kind.PUBLICATION
    model = Publication
    statuses = PublicationStatus
    transitions = TRANSITIONS
    waiting = PublicationStatus.QUEUED.value
    running = PublicationStatus.UPLOADING.value
    failed = PublicationStatus.FAILED.value
    cancelled_status = PublicationStatus.CANCELLED.value
    noun = "publication"

    def priority(self, row: Any) -> int:
        return pub_service.pub_priority(row)

    def announce(self, row: Any) -> None:
        self.ctx.emitter.emit(row.user_id, "publication_updated", pub_service.out(row))

    def run(self, item_id: str, token: CancelToken, force: bool, sleep: Any = time.sleep) -> None:
        app, config = self.ctx.app, self.ctx.config
        assert app is not None
        with app.app_context():
            upload = self._start(item_id)
        if upload is None:
            return
        try:
            with cache.in_use(config, upload.job_id):
                _check_pinned(upload)
                video = _send(app, config, self.ctx.emitter, upload, token, sleep)
            with app.app_context():
                self._finish(upload, video)
        except Cancelled:
            with app.app_context():
                self._end(upload, PublicationStatus.CANCELLED, None, None)
        except PublishFailure as failure:
            with app.app_context():
                if failure.relink:
                    _mark_relink(upload.user_id)
                self._end(upload, PublicationStatus.FAILED, failure.code, failure.message)

    def _start(self, publication_id: str) -> Upload | None:
        """Claim it, then pin the file (a first run) or find the pinned one (a resume)."""
        pub = self.claim(publication_id)
        if pub is None:
            return None
        db.session.commit()
        self.announce(pub)
        try:
            return self._upload(pub)
        except PublishFailure as failure:
            upload = Upload(
                pub.id, pub.user_id, pub.clip_id or "", Path(), None, {}, None, "", "", pub.attempt
            )
            self._end(upload, PublicationStatus.FAILED, failure.code, failure.message)
            return None

    def _upload(self, pub: Publication) -> Upload:
        config = self.ctx.config
        clip = db.session.get(Clip, pub.clip_id) if pub.clip_id else None
        account = db.session.scalar(select(YouTubeAccount).where(YouTubeAccount.user_id == pub.user_id))
        if account is None:
            raise PublishFailure("youtube_not_connected", "The linked channel is gone: link YouTube again.")
        if clip is None:
            raise PublishFailure("not_found", "The clip was deleted.")
        _pin(config, pub, clip)
        db.session.commit()
        thumb = _optional(config, clip.job_id, clip.thumbnail_path)
        return Upload(
            publication_id=pub.id,
            user_id=pub.user_id,
            clip_id=clip.id,
            path=_pinned_path(config, clip.job_id, pub),
            thumbnail=thumb,
            body=_metadata(pub),
            session_uri=pub.session_uri,
            credentials=TokenCipher(config).decrypt(account.credentials),
            requested_privacy=pub.privacy_status,
            attempt=pub.attempt,
            size=pub.file_size or 0,
            sha256=pub.file_sha256 or "",
            job_id=clip.job_id,
        )

    def _finish(self, upload: Upload, video: dict[str, Any]) -> None:
        """YouTube has the whole file: the video exists, so the publication ends published (a
        cancel that arrived during the last chunk is too late, and says nothing else)."""
        values = {"youtube_video_id": video["id"], "progress": 100.0}
        pub = self.end(upload.publication_id, upload.attempt, PublicationStatus.PROCESSING.value, **values)
        if pub is None:
            return
        db.session.commit()
        _count_quota(self.ctx.config, UPLOAD_UNITS, uploads=1)
        warnings = _privacy_warning(video, upload.requested_privacy)
        thumb_warning = _set_thumbnail(self.ctx.config, upload, video["id"])
        if thumb_warning:
            warnings.append(thumb_warning)
        pub.warning = " ".join(warnings) or None
        self.move(pub, PublicationStatus.PUBLISHED.value)
        db.session.commit()
        self.announce(pub)

    def _end(self, upload: Upload, status: PublicationStatus, code: str | None, message: str | None) -> None:
        values = {"error_code": code, "error_message": message}
        pub = self.end(upload.publication_id, upload.attempt, status.value, **values)
        if pub is not None:
            db.session.commit()
            self.announce(pub)


def _optional(config: Config, job_id: str, relative: str | None) -> Path | None:
    if not relative:
        return None
    try:
        return storage.resolve_in_job(config, job_id, relative)
    except NotFound:
        return None


def _pin(config: Config, pub: Publication, clip: Clip) -> None:
    """A first run pins the clip's current file; a resume keeps what the first run pinned."""
    if pub.file_path and pub.file_sha256:
        return
    if not clip.video_path:
        raise PublishFailure("clip_file_missing", MISSING_FILE)
    try:
        path = storage.resolve_in_job(config, clip.job_id, clip.video_path)
    except NotFound:
        raise PublishFailure("clip_file_missing", MISSING_FILE) from None
    pub.file_path = clip.video_path
    pub.file_size = path.stat().st_size
    pub.file_sha256 = _sha256(path)


def _pinned_path(config: Config, job_id: str, pub: Publication) -> Path:
    try:
        return storage.resolve_in_job(config, job_id, pub.file_path or "")
    except NotFound:
        raise PublishFailure("clip_file_missing", MISSING_FILE) from None


def _check_pinned(upload: Upload) -> None:
    """Before any byte goes out: the file is the one pinned, or the upload ends (a resumed
    session fed other bytes would publish a spliced video)."""
    if not upload.path.is_file():
        raise PublishFailure("clip_file_missing", MISSING_FILE)
    if upload.path.stat().st_size != upload.size or _sha256(upload.path) != upload.sha256:
        raise PublishFailure(
            "clip_file_changed",
            "The clip's video changed since this upload started; publish the clip again "
            "to send the new version.",
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _count_quota(config: Config, units: int, uploads: int = 0) -> None:
    """Counting is bookkeeping: the video is up whatever happens to the counter."""
    try:
        quota.count(config, units, uploads=uploads)
    except Exception:
        db.session.rollback()
        log.exception("counting YouTube quota failed")


def _privacy_warning(video: dict[str, Any], requested: str) -> list[str]:
    actual = (video.get("status") or {}).get("privacyStatus")
    if actual and actual != requested:
        return [
            f"YouTube made this video {actual}: uploads of API projects that Google has not audited "
            "are locked private."
        ]
    return []


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


def _failure(err: HttpError) -> PublishFailure:
    reason = google.error_reason(err)
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
            publication_id=upload.publication_id,
            clip_id=upload.clip_id,
            status=PublicationStatus.UPLOADING,
            progress=value,
        ),
    )


def _set_thumbnail(config: Config, upload: Upload, video_id: str) -> str | None:
    if upload.thumbnail is None or not upload.thumbnail.is_file():
        return None
    try:
        service = google.youtube(config, google.load_credentials(config, upload.credentials))
        media = MediaFileUpload(str(upload.thumbnail), mimetype="image/jpeg")
        service.thumbnails().set(videoId=video_id, media_body=media).execute()
        _count_quota(config, THUMBNAIL_UNITS)
    except (HttpError, RefreshError, OSError, httplib2.HttpLib2Error) as err:
        # YouTube may refuse custom thumbnails (Shorts, unverified channels): the video is up.
        log.info("thumbnail refused for %s: %s", video_id, type(err).__name__)
        return "YouTube did not accept the custom thumbnail (it may ignore them on Shorts)."
    return None


def _mark_relink(user_id: str) -> None:
    db.session.execute(
        update(YouTubeAccount).where(YouTubeAccount.user_id == user_id).values(needs_relink=True)
    )
    db.session.commit()
