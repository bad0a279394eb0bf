from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from backend.pipeline import ffmpeg
from backend.pipeline.cancel import CancelToken
from backend.pipeline.errors import JobCancelled, RenderError
from tests.media import Talk


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
