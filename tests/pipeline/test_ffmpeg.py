from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from backend.pipeline import ffmpeg
from backend.pipeline.cancel import CancelToken
from backend.pipeline.errors import JobCancelled, PipelineError, RenderError
from backend.pipeline.processor import VideoProcessor
from backend.pipeline.sources import Source
from tests.media import Talk
from tests.pipeline.checks import assert_valid_clips
from tests.pipeline.conftest import MakeCtx


def test_failure_carries_stderr_tail(tmp_path: Path) -> None:
    with pytest.raises(RenderError) as info:
        ffmpeg.run(
            ["ffmpeg", "-v", "error", "-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"],
            error_cls=RenderError,
        )
    assert "No such file" in info.value.stderr_tail  # type: ignore[attr-defined]


def test_timeout_kills_the_process() -> None:
    started = time.monotonic()
    with pytest.raises(ffmpeg.MediaToolError, match="timed out"):
        ffmpeg.run(["sleep", "30"], timeout=0.5)
    assert time.monotonic() - started < 5


def test_cancel_kills_the_process_group() -> None:
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    started = time.monotonic()
    with pytest.raises(JobCancelled):
        ffmpeg.run(["sh", "-c", "sleep 30; echo never"], cancel=token, timeout=60)
    assert time.monotonic() - started < 5


def test_probe_media_accepts_video_and_rejects_others(tmp_path: Path, talk_media: Talk) -> None:
    info = ffmpeg.probe_media(talk_media.video)
    assert (info.width, info.height, info.has_audio) == (320, 180, True)
    assert info.duration == pytest.approx(talk_media.duration, abs=0.1)
    fake = tmp_path / "fake.mp4"
    fake.write_text("not a video")
    for path in (fake, talk_media.wav):  # garbage, and audio without video
        with pytest.raises(ffmpeg.UnsupportedMedia):
            ffmpeg.probe_media(path)


def test_streaming_reader_yields_blocks(talk_media: Talk) -> None:
    args = ["ffmpeg", "-v", "error", "-i", str(talk_media.wav), "-ac", "1", "-ar", "8000", "-f", "s16le", "-"]
    sizes = [len(b) for b in ffmpeg.stream_stdout(args, block_size=4000)]
    assert max(sizes) == 4000 and sum(sizes) == pytest.approx(talk_media.duration * 16000, rel=0.01)


def test_every_input_is_a_file_url_with_a_demuxer_allow_list() -> None:
    args = ffmpeg.input_args(Path("a:b.mp4"))
    assert args[-2:] == ["-i", "file:a:b.mp4"]
    options = dict(zip(args[:-2:2], args[1:-2:2], strict=True))
    assert options["-protocol_whitelist"] == "file"
    demuxers = set(options["-format_whitelist"].split(","))
    assert {"mov", "matroska", "mpegts"} <= demuxers
    assert not demuxers & {"hls", "applehttp", "concat", "image2", "image2pipe", "tee", "dash", "ffmetadata"}


def test_a_relative_name_with_a_colon_is_a_file_not_a_protocol(
    tmp_path: Path, talk_media: Talk, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a:b.mp4").symlink_to(talk_media.video)
    monkeypatch.chdir(tmp_path)
    info = ffmpeg.probe_media(Path("a:b.mp4"))
    assert info.has_audio and info.duration == pytest.approx(talk_media.duration, abs=0.2)


def test_a_local_playlist_source_reads_nothing(tmp_path: Path, talk_media: Talk) -> None:
    secret = tmp_path / "secret.ts"
    ffmpeg.run(["ffmpeg", "-v", "error", "-i", f"file:{talk_media.video}", "-c", "copy", f"file:{secret}"])
    os.utime(secret, (1_000_000_000, secret.stat().st_mtime))
    playlist = tmp_path / "talk.mp4"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:90\n#EXTINF:90,\n{secret}\n#EXT-X-ENDLIST\n")
    with pytest.raises(ffmpeg.UnsupportedMedia, match="not a readable video"):
        ffmpeg.probe_media(playlist)
    assert secret.stat().st_atime == 1_000_000_000
    # The audio decoders (Whisper's pieces, the energy track for cuts) open it the same way.
    from backend.pipeline import audio, whisper

    with pytest.raises(PipelineError):
        list(whisper.audio_chunks(playlist, CancelToken()))
    with pytest.raises(PipelineError):
        audio.fine_energy(playlist)
    assert secret.stat().st_atime == 1_000_000_000


def test_pipeline_on_names_with_a_colon(make_ctx: MakeCtx, tmp_path: Path, talk_media: Talk) -> None:
    """ffmpeg must never take `a:b.mp4` (or a job folder `job:1`) for a protocol."""
    source = tmp_path / "in" / "a:b.mp4"
    source.parent.mkdir()
    source.symlink_to(talk_media.video)
    ctx = make_ctx(
        source=Source(kind="file", path=source, captions_path=talk_media.vtt), job_dir=tmp_path / "job:1"
    )
    result = VideoProcessor(ctx.config).run(ctx)
    assert_valid_clips(result, ctx.job_dir, 8.0, 25.0)
