"""yt-dlp through its Python API: metadata first, then the download, read via hooks and a logger.

Never its stdout. The progress hook reports into the download band, enforces MAX_SOURCE_BYTES
(together with a `filesize<?` format filter) and turns a cancel into an abort.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yt_dlp
from yt_dlp.utils import DownloadCancelled

from backend.pipeline.context import JobContext
from backend.pipeline.errors import DownloadError, JobCancelled

BOT_CHECK_HINTS = (
    "sign in to confirm",
    "not a bot",
    "login required",
    "cookies",
    "age-restricted",
    "private video",
)


class _Abort(DownloadCancelled):
    """Raised from the progress hook; the reason decides which typed error the job sees."""


@dataclass
class Downloaded:
    media_path: Path
    captions_path: Path | None
    captions_language: str | None
    metadata: dict[str, Any]


class _Logger:
    """yt-dlp's messages go to our job logger, never to stdout."""

    def __init__(self, logger: logging.LoggerAdapter[logging.Logger]) -> None:
        self.log = logger

    def debug(self, msg: str) -> None:
        self.log.debug("yt-dlp: %s", msg)

    def info(self, msg: str) -> None:
        self.log.debug("yt-dlp: %s", msg)

    def warning(self, msg: str) -> None:
        self.log.warning("yt-dlp: %s", msg)

    def error(self, msg: str) -> None:
        self.log.error("yt-dlp: %s", msg)


def format_selector(max_bytes: int) -> str:
    """H.264/AAC MP4 up to 1080p where offered, else the best available, under the size limit."""
    size = f"[filesize<?{max_bytes}][filesize_approx<?{max_bytes}]"
    return "/".join(
        [
            f"bv*[vcodec^=avc1][height<=1080]{size}+ba[acodec^=mp4a]",
            f"b[ext=mp4][vcodec^=avc1][height<=1080]{size}",
            f"bv*[height<=1080]{size}+ba",
            f"b[height<=1080]{size}",
            f"b{size}",
        ]
    )


class YtdlpDownloader:
    def __init__(self, ctx: JobContext, out_dir: Path) -> None:
        self.ctx = ctx
        self.out_dir = out_dir
        self.abort_reason: str | None = None

    def options(self) -> dict[str, Any]:
        config = self.ctx.config
        opts: dict[str, Any] = {
            "quiet": True,
            "noprogress": True,
            "logger": _Logger(self.ctx.logger),
            "progress_hooks": [self._hook],
            "outtmpl": {"default": str(self.out_dir / "source.%(ext)s")},
            "format": format_selector(config.max_source_bytes),
            "merge_output_format": "mp4",
            "noplaylist": True,
            "socket_timeout": 30,
            "retries": 3,
            "overwrites": True,
            "subtitlesformat": "vtt/srt/best",
        }
        if config.ytdlp_cookies_file:
            opts["cookiefile"] = config.ytdlp_cookies_file
        return opts

    def _hook(self, status: dict[str, Any]) -> None:
        if self.ctx.cancel.cancelled:
            self.abort_reason = "cancelled"
            raise _Abort("cancelled")
        done = status.get("downloaded_bytes") or 0
        total = status.get("total_bytes") or status.get("total_bytes_estimate") or 0
        if max(done, total if status.get("total_bytes") else 0) > self.ctx.config.max_source_bytes:
            self.abort_reason = "too_large"
            raise _Abort("too large")
        if status.get("status") == "downloading" and total:
            self.ctx.reporter.progress("downloading", min(done / total, 1.0) * 0.95, "Downloading the video")

    def run(self, url: str) -> Downloaded:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with yt_dlp.YoutubeDL(self.options()) as ydl:
            info = self._guard(lambda: ydl.extract_info(url, download=False))
            info = _single_entry(info)
            check_metadata(info, self.ctx)
            metadata = metadata_of(info)
            self.ctx.reporter.metadata(metadata)
            language = self._choose_captions(ydl, info)
            result = self._guard(lambda: ydl.process_ie_result(info, download=True))
        return Downloaded(_media_file(result), _captions_file(result, language), language, metadata)

    def _choose_captions(self, ydl: yt_dlp.YoutubeDL, info: dict[str, Any]) -> str | None:
        if not self.ctx.options.use_source_captions:
            return None
        wanted = self.ctx.options.language
        for key, flag in (("subtitles", "writesubtitles"), ("automatic_captions", "writeautomaticsub")):
            language = pick_language(info.get(key) or {}, wanted, info.get("language"))
            if language:
                ydl.params[flag] = True
                ydl.params["subtitleslangs"] = [language]
                return language
        return None

    def _guard(self, call: Any) -> Any:
        try:
            return call()
        except DownloadCancelled as exc:
            if self.abort_reason == "too_large" or "too large" in str(exc):
                limit = self.ctx.config.max_source_bytes / 1024**3
                raise DownloadError(f"The source is larger than MAX_SOURCE_BYTES ({limit:.2f} GiB)") from None
            raise JobCancelled("The job was cancelled") from None
        except yt_dlp.utils.DownloadError as exc:
            if self.ctx.cancel.cancelled:
                raise JobCancelled("The job was cancelled") from None
            raise DownloadError(explain(str(exc))) from None


def explain(message: str) -> str:
    message = message.replace("ERROR: ", "").strip()
    if any(hint in message.lower() for hint in BOT_CHECK_HINTS):
        return (
            f"The site refused the download ({message[:160]}). Provide a cookies file (YTDLP_COOKIES_FILE), "
            "upload the video file instead, or upgrade yt-dlp (pip install -U yt-dlp)."
        )
    return f"Download failed: {message[:300]}"


def _single_entry(info: dict[str, Any]) -> dict[str, Any]:
    if info.get("_type") in {"playlist", "multi_video"}:
        entries = [e for e in info.get("entries") or [] if e]
        if len(entries) != 1:
            raise DownloadError("The URL holds several videos; give the URL of one video")
        return entries[0]
    return info


def check_metadata(info: dict[str, Any], ctx: JobContext) -> None:
    """Refuse live streams and over-long sources before a single byte is downloaded."""
    if info.get("is_live") or info.get("live_status") in {"is_live", "is_upcoming", "post_live"}:
        raise DownloadError("Live streams cannot be processed; try again once the stream has ended")
    duration = info.get("duration")
    limit = ctx.config.max_source_duration
    if duration and duration > limit:
        raise DownloadError(
            f"The video lasts {duration / 60:.0f} min, over MAX_SOURCE_DURATION ({limit / 60:.0f} min)"
        )


def metadata_of(info: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": info.get("title") or info.get("id") or "video",
        "duration": float(info["duration"]) if info.get("duration") else None,
        "channel": info.get("channel") or info.get("uploader"),
        "thumbnail_url": info.get("thumbnail"),
    }


def pick_language(tracks: dict[str, Any], wanted: str, video_language: str | None) -> str | None:
    """The requested language (or its regional variants), else the video's, else English, else first."""
    if not tracks:
        return None
    keys = [k for k in tracks if k != "live_chat"]
    preferences = [wanted] if wanted and wanted != "auto" else []
    preferences += [video_language or "", "en"]
    for pref in (p for p in preferences if p):
        for key in keys:
            if key == pref or key.split("-")[0] == pref:
                return key
    return keys[0] if keys and (not wanted or wanted == "auto") else None


def _media_file(result: dict[str, Any]) -> Path:
    downloads = result.get("requested_downloads") or []
    path = downloads[0].get("filepath") if downloads else result.get("filepath")
    if not path or not Path(path).is_file():
        raise DownloadError("yt-dlp finished without producing a video file")
    return Path(path)


def _captions_file(result: dict[str, Any], language: str | None) -> Path | None:
    if not language:
        return None
    sub = (result.get("requested_subtitles") or {}).get(language) or {}
    path = sub.get("filepath")
    return Path(path) if path and Path(path).is_file() else None
