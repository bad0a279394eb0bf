"""SSRF through an allowed host: every request of a download obeys the source policy.

A real page on an allowed loopback port (listed as 127.0.0.1:PORT in ALLOWED_SOURCE_HOSTS) leads
yt-dlp to a second loopback server of the test's own on a port that is NOT listed: by a redirect,
a <video src>, a <track src> or a meta refresh. That server serves a perfectly good video page and
records every request; the real yt-dlp download must never reach it.
"""

from __future__ import annotations

import functools
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yt_dlp
from yt_dlp.postprocessor import FFmpegMergerPP
from yt_dlp.postprocessor.ffmpeg import FFmpegPostProcessorError

from backend.config import Config
from backend.pipeline.errors import DownloadError
from backend.pipeline.netguard import GuardProxy, NetGuard
from backend.pipeline.sources import Source, SourcePolicy, SourceRejected
from backend.pipeline.stages.base import PipelineState
from backend.pipeline.stages.download import DownloadStage
from backend.pipeline.ytdlp import YtdlpDownloader, keep_http_formats
from tests.media import Talk, video_page
from tests.pipeline.conftest import MakeCtx


class _SiteHandler(SimpleHTTPRequestHandler):
    """Static files, plus `redirects` (path → Location, answered with 302); logs every request."""

    redirects: dict[str, str] = {}
    log: list[str]

    def do_GET(self) -> None:
        self.log.append(f"{self.command} {self.path}")
        if self.path in self.redirects:
            self.send_response(302)
            self.send_header("Location", self.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        self.log.append(f"{self.command} {self.path}")
        super().do_HEAD()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def site(directory: Path, redirects: dict[str, str] | None = None) -> Iterator[tuple[int, list[str]]]:
    """Serve `directory` on 127.0.0.1:<free port>; yields (port, request log)."""
    log: list[str] = []
    handler = type("Handler", (_SiteHandler,), {"redirects": redirects or {}, "log": log})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], log
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def forbidden(tmp_path: Path, talk_media: Talk) -> Iterator[tuple[int, list[str]]]:
    """The internal service an attacker wants to reach: a working video page on an unlisted port."""
    video_page(tmp_path / "internal", talk_media.video, talk_media.vtt, title="Internal")
    with site(tmp_path / "internal") as served:
        yield served


def _page(directory: Path, body: str, head: str = "") -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.html").write_text(
        f"<!doctype html><html><head><title>Allowed</title>{head}</head><body>{body}</body></html>"
    )


def _download(make_ctx: MakeCtx, config: Config, port: int, tmp_path: Path) -> tuple[Any, Any]:
    config = config.with_overrides(allowed_source_hosts=(f"127.0.0.1:{port}",))
    ctx = make_ctx(source=Source(kind="url", url=f"http://127.0.0.1:{port}/index.html"), config=config)
    return ctx, YtdlpDownloader(ctx, tmp_path / "out").run(f"http://127.0.0.1:{port}/index.html")


def test_redirect_to_a_forbidden_port_is_never_followed(
    make_ctx: MakeCtx, pipeline_config: Config, tmp_path: Path, forbidden: tuple[int, list[str]]
) -> None:
    bad_port, bad_log = forbidden
    _page(tmp_path / "allowed", "nothing here")
    with site(tmp_path / "allowed", {"/index.html": f"http://127.0.0.1:{bad_port}/index.html"}) as (
        port,
        log,
    ):
        with pytest.raises(DownloadError, match=rf"stopped.*127\.0\.0\.1:{bad_port}.*ALLOWED_SOURCE_HOSTS"):
            _download(make_ctx, pipeline_config, port, tmp_path)
    assert log == ["GET /index.html"]
    assert bad_log == []


def test_embedded_video_on_a_forbidden_port_is_never_fetched(
    make_ctx: MakeCtx, pipeline_config: Config, tmp_path: Path, forbidden: tuple[int, list[str]]
) -> None:
    bad_port, bad_log = forbidden
    _page(tmp_path / "allowed", f'<video controls src="http://127.0.0.1:{bad_port}/talk.mp4"></video>')
    with (
        site(tmp_path / "allowed") as (port, _),
        pytest.raises(DownloadError, match=rf"stopped.*127\.0\.0\.1:{bad_port}"),
    ):
        _download(make_ctx, pipeline_config, port, tmp_path)
    assert bad_log == []


def test_meta_refresh_to_a_forbidden_port_is_never_followed(
    make_ctx: MakeCtx, pipeline_config: Config, tmp_path: Path, forbidden: tuple[int, list[str]]
) -> None:
    bad_port, bad_log = forbidden
    refresh = f'<meta http-equiv="refresh" content="0; url=http://127.0.0.1:{bad_port}/index.html">'
    _page(tmp_path / "allowed", "moved", head=refresh)
    with (
        site(tmp_path / "allowed") as (port, _),
        pytest.raises(DownloadError, match=rf"stopped.*127\.0\.0\.1:{bad_port}"),
    ):
        _download(make_ctx, pipeline_config, port, tmp_path)
    assert bad_log == []


def test_subtitle_track_on_a_forbidden_port_is_skipped_not_fetched(
    make_ctx: MakeCtx,
    pipeline_config: Config,
    tmp_path: Path,
    talk_media: Talk,
    forbidden: tuple[int, list[str]],
) -> None:
    """The video itself is fine, so the job goes on without those captions (Whisper instead)."""
    bad_port, bad_log = forbidden
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    shutil.copyfile(talk_media.video, allowed / "talk.mp4")
    track = (
        f'<track kind="subtitles" src="http://127.0.0.1:{bad_port}/talk.en.vtt" srclang="en" label="English">'
    )
    _page(allowed, f'<video controls><source src="talk.mp4" type="video/mp4">{track}</video>')
    with site(allowed) as (port, log):
        ctx, result = _download(make_ctx, pipeline_config, port, tmp_path)
    assert bad_log == []
    assert result.captions_path is None and result.media_path.is_file()
    assert any("captions skipped" in w and str(bad_port) in w for w in ctx.reporter.warnings)
    assert "GET /talk.mp4" in log


def test_allowed_page_still_downloads_through_the_guard(
    make_ctx: MakeCtx, pipeline_config: Config, tmp_path: Path, talk_media: Talk
) -> None:
    video_page(tmp_path / "allowed", talk_media.video, talk_media.vtt)
    with site(tmp_path / "allowed") as (port, log):
        _, result = _download(make_ctx, pipeline_config, port, tmp_path)
    assert result.media_path.stat().st_size == talk_media.video.stat().st_size
    assert result.captions_path is not None and result.captions_language == "en"
    assert {"GET /index.html", "GET /talk.mp4", "GET /talk.en.vtt"} <= set(log)


def test_download_stage_turns_a_forbidden_redirect_into_a_clear_error(
    make_ctx: MakeCtx, pipeline_config: Config, tmp_path: Path, forbidden: tuple[int, list[str]]
) -> None:
    bad_port, bad_log = forbidden
    _page(tmp_path / "allowed", "nothing here")
    with site(tmp_path / "allowed", {"/index.html": f"http://127.0.0.1:{bad_port}/index.html"}) as (port, _):
        config = pipeline_config.with_overrides(allowed_source_hosts=(f"127.0.0.1:{port}",))
        ctx = make_ctx(source=Source(kind="url", url=f"http://127.0.0.1:{port}/index.html"), config=config)
        with pytest.raises(DownloadError, match="not an accepted source"):
            DownloadStage().run(ctx, PipelineState())
    assert bad_log == []


# The guard on its own: the policy per request, and DNS pinning.


class _Connections:
    """A connector that records where it was asked to connect and hands back a socket pair end."""

    def __init__(self) -> None:
        self.targets: list[tuple[str, int]] = []
        self.peers: list[socket.socket] = []

    def __call__(self, address: tuple[str, int], timeout: float) -> socket.socket:
        self.targets.append(address)
        ours, peer = socket.socketpair()
        self.peers.append(peer)
        return ours


def test_dns_answer_is_pinned_so_a_rebinding_resolver_cannot_reach_loopback() -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1"]])
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    connections = _Connections()
    guard = NetGuard(SourcePolicy("youtube"), resolve=rebinding, connect=connections)
    for _ in range(3):
        guard.open("https", "rebind.example", 443).close()
    assert connections.targets == [("93.184.216.34", 443)] * 3
    assert calls == ["rebind.example"]


def test_a_host_resolving_internal_is_refused_before_any_connection() -> None:
    connections = _Connections()
    guard = NetGuard(
        SourcePolicy("youtube"), resolve=lambda h, p: ["93.184.216.34", "10.0.0.7"], connect=connections
    )
    with pytest.raises(SourceRejected, match="internal address"):
        guard.open("https", "mixed.example", 443)
    assert connections.targets == [] and guard.refusals


@pytest.mark.parametrize(
    "scheme, host, port, allowed",
    [
        ("https", "media.example.org", 443, True),
        ("http", "media.example.org", 80, True),
        ("https", "media.example.org", 8443, False),  # no port listed: the default port only
        ("http", "media.example.org", 8080, False),
        ("https", "cdn.media.test", 443, True),
        ("https", "cdn.media.test", 444, False),
        ("http", "127.0.0.1", 8765, True),
        ("http", "127.0.0.1", 8766, False),
        ("http", "127.0.0.1", 80, False),
        ("https", "other.example", 443, False),
        ("https", "www.youtube.com", 443, False),  # a url job reaches listed hosts only
    ],
)
def test_policy_per_request_and_the_port_rule(scheme: str, host: str, port: int, allowed: bool) -> None:
    policy = SourcePolicy("url", ("media.example.org", "*.media.test", "127.0.0.1:8765"))
    if allowed:
        policy.check_target(scheme, host, port)
    else:
        with pytest.raises(SourceRejected, match="not an accepted source"):
            policy.check_target(scheme, host, port)


def test_wildcard_listing_is_checked_for_internal_addresses_exact_is_not() -> None:
    policy = SourcePolicy("url", ("*.media.test", "nas.local"))
    with pytest.raises(SourceRejected, match="internal"):
        policy.check_addresses(
            "cdn.media.test", policy.check_target("https", "cdn.media.test", 443), ["10.1.1.1"]
        )
    policy.check_addresses("nas.local", policy.check_target("https", "nas.local", 443), ["10.1.1.1"])


def test_the_proxy_refuses_other_schemes_and_forbidden_targets(tmp_path: Path) -> None:
    guard = NetGuard(SourcePolicy("url", ("127.0.0.1:9",)))
    with GuardProxy(guard) as proxy:
        port = int(proxy.url.rsplit(":", 1)[1])
        for request in (
            b"GET ftp://127.0.0.1:9/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            b"GET file:///etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
            b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n",
            b"GET http://127.0.0.1:22/ HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n",
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(request)
                answer = sock.recv(4096)
            assert answer.startswith(b"HTTP/1.1 403"), (request, answer)


def test_connect_tunnels_to_an_allowed_port_only(tmp_path: Path) -> None:
    _page(tmp_path / "allowed", "tunnelled")
    with (
        site(tmp_path / "allowed") as (port, log),
        GuardProxy(NetGuard(SourcePolicy("url", (f"127.0.0.1:{port}",)))) as proxy,
    ):
        proxy_port = int(proxy.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", proxy_port), timeout=5) as sock:
            sock.sendall(f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            sock.sendall(b"GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    assert answer.startswith(b"HTTP/1.0 200") and b"tunnelled" in answer
    assert log == ["GET /index.html"]


def test_ytdlp_merger_reads_downloaded_files_through_the_demuxer_allow_list(
    make_ctx: MakeCtx, tmp_path: Path, talk_media: Talk
) -> None:
    """A downloaded "video" that is really an HLS playlist must not make yt-dlp's ffmpeg read files."""
    secret = tmp_path / "secret.ts"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", f"file:{talk_media.video}", "-c", "copy", f"file:{secret}"],
        check=True,
    )
    fake = tmp_path / "video.mp4"
    fake.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:90\n#EXTINF:90,\n{secret}\n#EXT-X-ENDLIST\n")
    formats = [
        {"vcodec": "h264", "acodec": "none", "protocol": "https"},
        {"vcodec": "none", "acodec": "aac", "protocol": "https"},
    ]
    ctx = make_ctx(source=Source(kind="youtube", url="https://www.youtube.com/watch?v=dQw4w9WgXcQ"))
    with yt_dlp.YoutubeDL(YtdlpDownloader(ctx, tmp_path).options("http://127.0.0.1:9")) as ydl:
        merger = FFmpegMergerPP(ydl)
        for first, out in ((talk_media.video, tmp_path / "ok.mp4"), (fake, tmp_path / "bad.mp4")):
            info = {
                "filepath": str(out),
                "__files_to_merge": [str(first), str(talk_media.video)],
                "ext": "mp4",
                "requested_formats": formats,
            }
            if first == fake:
                with pytest.raises(FFmpegPostProcessorError, match="Invalid argument"):
                    merger.run(info)
            else:
                merger.run(info)
    assert (tmp_path / "ok.mp4").stat().st_size > 0 and not (tmp_path / "bad.mp4").exists()


@pytest.fixture
def encrypted_hls(tmp_path: Path, talk_media: Talk) -> Path:
    """An AES-128 HLS stream: without pycryptodomex, yt-dlp hands it to ffmpeg (an external program)."""
    folder = tmp_path / "allowed" / "hls"
    folder.mkdir(parents=True)
    (folder / "enc.key").write_bytes(bytes(range(16)))
    (tmp_path / "key.info").write_text(f"enc.key\n{folder / 'enc.key'}\n")
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            f"file:{talk_media.video}",
            "-t",
            "6",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-f",
            "hls",
            "-hls_time",
            "2",
            "-hls_playlist_type",
            "vod",
            "-hls_key_info_file",
            str(tmp_path / "key.info"),
            str(folder / "index.m3u8"),
        ],
        check=True,
    )
    assert "METHOD=AES-128" in (folder / "index.m3u8").read_text()
    return folder


def _delegated_to_ffmpeg(caplog: pytest.LogCaptureFixture) -> bool:
    return any("delegated to ffmpeg" in r.getMessage() for r in caplog.records)


def test_ffmpeg_fallback_downloads_through_the_guard(
    make_ctx: MakeCtx,
    pipeline_config: Config,
    tmp_path: Path,
    encrypted_hls: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with site(tmp_path / "allowed") as (port, log):
        config = pipeline_config.with_overrides(allowed_source_hosts=(f"127.0.0.1:{port}",))
        ctx = make_ctx(source=Source(kind="url", url="unused"), config=config)
        result = YtdlpDownloader(ctx, tmp_path / "out").run(f"http://127.0.0.1:{port}/hls/index.m3u8")
    assert _delegated_to_ffmpeg(caplog), "the test must exercise yt-dlp's ffmpeg downloader"
    assert result.media_path.stat().st_size > 10_000 and "GET /hls/index0.ts" in log


def test_ffmpeg_fallback_cannot_reach_a_forbidden_port(
    make_ctx: MakeCtx,
    pipeline_config: Config,
    tmp_path: Path,
    encrypted_hls: Path,
    forbidden: tuple[int, list[str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bad_port, bad_log = forbidden
    playlist = encrypted_hls / "index.m3u8"
    playlist.write_text(
        re.sub(r"^(index\d+\.ts)$", rf"http://127.0.0.1:{bad_port}/\1", playlist.read_text(), flags=re.M)
    )
    with site(tmp_path / "allowed") as (port, _):
        config = pipeline_config.with_overrides(allowed_source_hosts=(f"127.0.0.1:{port}",))
        ctx = make_ctx(source=Source(kind="url", url="unused"), config=config)
        with pytest.raises(DownloadError, match=rf"stopped.*127\.0\.0\.1:{bad_port}"):
            YtdlpDownloader(ctx, tmp_path / "out").run(f"http://127.0.0.1:{port}/hls/index.m3u8")
    assert _delegated_to_ffmpeg(caplog)
    assert bad_log == []


def test_ffmpeg_fetches_nothing_when_no_proxy_could_bypass_the_guard(
    make_ctx: MakeCtx,
    pipeline_config: Config,
    tmp_path: Path,
    encrypted_hls: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with site(tmp_path / "allowed") as (port, log):
        config = pipeline_config.with_overrides(allowed_source_hosts=(f"127.0.0.1:{port}",))
        ctx = make_ctx(source=Source(kind="url", url="unused"), config=config)
        with pytest.raises(DownloadError):
            YtdlpDownloader(ctx, tmp_path / "out").run(f"http://127.0.0.1:{port}/hls/index.m3u8")
    assert _delegated_to_ffmpeg(caplog)
    assert not any(line.startswith("GET /hls/index0") for line in log)


def test_formats_not_fetched_over_http_are_dropped() -> None:
    ok = {"format_id": "ok", "url": "https://cdn.example/v.mp4", "protocol": "https"}
    hls = {"format_id": "hls", "url": "https://cdn.example/v.m3u8", "protocol": "m3u8_native"}
    info = {
        "formats": [
            ok,
            hls,
            {"format_id": "rtmp", "url": "rtmp://cdn.example/live", "protocol": "rtmp"},
            {"format_id": "file", "url": "file:///etc/passwd"},
            {"format_id": "ftp", "url": "ftp://cdn.example/v.mp4"},
            {
                "format_id": "frag",
                "url": "https://cdn.example/d.mpd",
                "protocol": "http_dash_segments",
                "fragments": [{"url": "https://cdn.example/1.m4s"}, {"url": "file:///etc/shadow"}],
            },
            {"format_id": "no-url", "protocol": "https"},
        ]
    }
    keep_http_formats(info)
    assert [f["format_id"] for f in info["formats"]] == ["ok", "hls"]
    with pytest.raises(DownloadError, match="HTTP"):
        keep_http_formats({"url": "rtsp://cam.example/stream", "protocol": "rtsp"})
