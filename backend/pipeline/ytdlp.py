"""yt-dlp through its Python API: metadata first, then the download, read via hooks and a logger.

Never its stdout. The progress hook reports into the download band, enforces MAX_SOURCE_BYTES
(together with a `filesize<?` format filter) and turns a cancel into an abort.

Every request goes through the download's network guard (`netguard.GuardProxy`): redirects,
formats, fragments and subtitles obey the same source policy as the submitted URL. Formats that
are not fetched over http(s) are dropped and yt-dlp's native downloaders are forced; the one
external program it may still start, ffmpeg for HLS it cannot handle, gets the proxy too.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yt_dlp
from yt_dlp.utils import DownloadCancelled, determine_protocol

from backend.pipeline.context import JobContext
from backend.pipeline.errors import DownloadError, JobCancelled
from backend.pipeline.ffmpeg import INPUT_DEMUXERS
from backend.pipeline.netguard import GuardProxy, NetGuard
from backend.pipeline.sources import SourcePolicy, SourceRejected, url_port

BOT_CHECK_HINTS = (
    "sign in to confirm",
    "not a bot",
    "login required",
    "cookies",
    "age-restricted",
    "private video",
)
# Protocols yt-dlp fetches itself over http(s) (m3u8 is forced onto its native HLS downloader).
HTTP_PROTOCOLS = {
    "http",
    "https",
    "m3u8",
    "m3u8_native",
    "http_dash_segments",
    "http_dash_segments_generator",
}
# If yt-dlp's HLS downloader hands a stream to ffmpeg anyway (features it lacks, e.g. AES-128
# without pycryptodomex), ffmpeg goes through the guard (yt-dlp passes the proxy in HTTP_PROXY)
# and may not open local files or data: URLs named by the remote playlist.
REMOTE_FFMPEG_INPUT = ["-protocol_whitelist", "http,https,tls,tcp,httpproxy,crypto"]
# ffmpeg bypasses HTTP_PROXY for hosts in `no_proxy`; with that set it must not fetch at all.
NO_REMOTE_FFMPEG_INPUT = ["-protocol_whitelist", "crypto"]
# yt-dlp's ffmpeg post-processors read the downloaded (remote-controlled) files: same demuxer
# allow-list as our own inputs, so a "video" that is really a playlist reads nothing local.
LOCAL_FFMPEG_INPUT = ["-format_whitelist", INPUT_DEMUXERS, "-protocol_whitelist", "file"]
FFMPEG_POSTPROCESSORS = (
    "merger",
    "fixupm4a",
    "fixupm3u8",
    "fixuptimestamp",
    "fixupduplicatemoov",
    "fixupstretched",
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
        self.net = NetGuard(SourcePolicy.for_source(ctx.source.kind, ctx.config))

    def options(self, proxy_url: str) -> dict[str, Any]:
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
            "proxy": proxy_url,
            "enable_file_urls": False,
            "external_downloader": {"default": "native"},
            "hls_prefer_native": True,
            "external_downloader_args": {"ffmpeg_i": _remote_ffmpeg_input()},
            "postprocessor_args": {f"{pp}+ffmpeg_i": LOCAL_FFMPEG_INPUT for pp in FFMPEG_POSTPROCESSORS},
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
        with GuardProxy(self.net) as proxy, yt_dlp.YoutubeDL(self.options(proxy.url)) as ydl:
            info = self._guard(lambda: ydl.extract_info(url, download=False))
            info = _single_entry(info)
            check_metadata(info, self.ctx)
            keep_http_formats(info)
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
            info[key] = self._reachable_tracks(info.get(key) or {})
            language = pick_language(info[key], wanted, info.get("language"))
            if language:
                ydl.params[flag] = True
                ydl.params["subtitleslangs"] = [language]
                return language
        return None

    def _reachable_tracks(self, tracks: dict[str, Any]) -> dict[str, Any]:
        """Caption tracks whose URL the policy allows; the others are skipped, never fetched.

        A caption track elsewhere should not sink a video that is itself fine (Whisper transcribes
        instead), so this is a warning, not an error. Addresses are still checked by the guard.
        """
        kept: dict[str, Any] = {}
        for language, entries in tracks.items():
            allowed = [e for e in entries or [] if self._track_allowed(e.get("url") or "")]
            if allowed:
                kept[language] = allowed
        return kept

    def _track_allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        try:
            if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
                raise SourceRejected(f"captions at {url[:80]!r} are not fetched over http(s)")
            self.net.policy.check_target(parts.scheme.lower(), parts.hostname, url_port(parts))
        except SourceRejected as exc:
            self.ctx.reporter.warning(f"Source captions skipped: {exc}")
            return False
        return True

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
            if self.net.refusals:  # the real reason, not yt-dlp's "HTTP Error 403"
                raise DownloadError(f"The download was stopped: {self.net.refusals[0]}") from None
            raise DownloadError(explain(str(exc))) from None


def _remote_ffmpeg_input() -> list[str]:
    if any(os.environ.get(name, "").strip() for name in ("no_proxy", "NO_PROXY")):
        return NO_REMOTE_FFMPEG_INPUT
    return REMOTE_FFMPEG_INPUT


def explain(message: str) -> str:
    message = message.replace("ERROR: ", "").strip()
    if any(hint in message.lower() for hint in BOT_CHECK_HINTS):
        return (
            f"The site refused the download ({message[:160]}). Provide a cookies file (YTDLP_COOKIES_FILE), "
            "upload the video file instead, or upgrade yt-dlp (pip install -U yt-dlp)."
        )
    return f"Download failed: {message[:300]}"


def keep_http_formats(info: dict[str, Any]) -> None:
    """Drop formats not fetched over http(s) (rtmp, rtsp, file:, ...): the guard only sees http."""
    formats = info.get("formats")
    candidates = formats if formats is not None else [info]
    kept = [f for f in candidates if _http_format(f)]
    if not kept:
        raise DownloadError("None of the video's formats can be downloaded over HTTP(S)")
    if formats is not None:
        info["formats"] = kept


def _http_format(fmt: dict[str, Any]) -> bool:
    urls = [fmt.get(key) for key in ("url", "manifest_url", "fragment_base_url") if fmt.get(key)]
    fragments = fmt.get("fragments")
    if isinstance(fragments, list):  # (a generator, for live DASH, is left alone: lives are refused)
        urls += [f.get("url") for f in fragments if isinstance(f, dict) and f.get("url")]
    if not (urls or fragments) or not all(urlsplit(str(u)).scheme.lower() in {"http", "https"} for u in urls):
        return False
    return all(p in HTTP_PROTOCOLS for p in determine_protocol(fmt).split("+"))


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
