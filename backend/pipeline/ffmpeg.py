"""The one helper that runs ffmpeg/ffprobe (and any other media subprocess).

Every call uses an argument list (never a shell), runs in its own process group so a cancel
kills the whole tree at once, has a timeout, and fails with a typed error carrying the last
lines of stderr. Streaming readers (`stream_stdout`) use the same rules.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.pipeline.cancel import CancelToken
from backend.pipeline.errors import DownloadError, JobCancelled, PipelineError

STDERR_TAIL_LINES = 12
# The container demuxers we read (ffmpeg matches any name of a demuxer's list, e.g. "mov" for
# "mov,mp4,m4a,3gp,3g2,mj2"). Never hls, concat, image2 or other demuxers that open further
# files or URLs named inside the input: an uploaded playlist called .mp4 could read any file.
INPUT_DEMUXERS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,ogg,wav,mp3,aac,flac,asf"


def input_args(path: Path | str) -> list[str]:
    """The arguments of one local media input for ffmpeg or ffprobe (they end with `-i file:...`).

    `-format_whitelist` limits the demuxer to plain containers (refusing playlists, concat lists
    and image sequences), `-protocol_whitelist file` keeps every open on the local file, and the
    `file:` prefix means a name with a colon is never taken for a protocol (`a:b.mp4`).
    """
    return [
        "-format_whitelist",
        INPUT_DEMUXERS,
        "-protocol_whitelist",
        "file",
        "-i",
        f"file:{path}",
    ]


def image_sequence(directory: Path, template: str) -> str:
    """An image2 output pattern: `template` (e.g. `%02d.jpg`) inside `directory`. The image2 muxer
    reads every `%` of the name as part of the pattern, so a `%` in the folder (DATA_DIR, `--out`)
    is doubled to stay a literal character; only the template's own `%` is a pattern."""
    return os.path.join(str(directory).replace("%", "%%"), template)


class MediaToolError(PipelineError):
    """A media subprocess failed; `stderr_tail` holds its last stderr lines."""

    def __init__(self, message: str, stderr_tail: str = "") -> None:
        super().__init__(f"{message}: {stderr_tail}" if stderr_tail else message)
        self.stderr_tail = stderr_tail


class UnsupportedMedia(DownloadError):
    """The file is not a video ffprobe can read (the upload endpoint maps this to 415)."""


# Prepended to every command once `die_with_parent()` ran (a Celery worker process): a kill -9 of
# the worker then takes its ffmpeg processes with it, instead of leaving them writing files that
# the worker resuming the job writes too. Each runs in its own session (for the cancel's killpg),
# so nothing else would stop them. setpriv execs the command: same pid, same process group.
_PREFIX: list[str] = []


def die_with_parent() -> bool:
    """From now on, the tools this process starts die with it (SIGKILL on the parent's death)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return False
    _PREFIX[:] = [setpriv, "--pdeathsig", "KILL", "--"]
    return True


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(proc.pid, signal.SIGKILL)


def _tail(data: bytes | deque[bytes]) -> str:
    text = (
        b"".join(data).decode("utf-8", "replace")
        if isinstance(data, deque)
        else data.decode("utf-8", "replace")
    )
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-STDERR_TAIL_LINES:])


def run(
    args: list[str],
    *,
    cancel: CancelToken | None = None,
    timeout: float | None = None,
    error_cls: type[PipelineError] = MediaToolError,
    what: str | None = None,
) -> bytes:
    """Run `args` to completion and return stdout; raise `error_cls` (with stderr tail) on failure."""
    if cancel is not None:
        cancel.raise_if_cancelled()
    proc = subprocess.Popen(
        [*_PREFIX, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    unregister = cancel.on_cancel(lambda: _kill_group(proc)) if cancel is not None else None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise error_cls(f"{what or args[0]} timed out after {timeout:.0f} s") from None
    finally:
        if unregister is not None:
            unregister()
    if cancel is not None:
        cancel.raise_if_cancelled()
    if proc.returncode != 0:
        raise _error(error_cls, f"{what or args[0]} failed (exit {proc.returncode})", _tail(err))
    return out


def _error(error_cls: type[PipelineError], message: str, tail: str) -> PipelineError:
    if issubclass(error_cls, MediaToolError):
        return error_cls(message, tail)
    err = error_cls(f"{message}: {tail}" if tail else message)
    err.stderr_tail = tail  # type: ignore[attr-defined]
    return err


def stream_stdout(
    args: list[str],
    *,
    block_size: int,
    cancel: CancelToken | None = None,
    timeout: float | None = None,
    error_cls: type[PipelineError] = MediaToolError,
) -> Iterator[bytes]:
    """Yield stdout in blocks of `block_size` bytes (last may be shorter) without buffering it all."""
    if cancel is not None:
        cancel.raise_if_cancelled()
    proc = subprocess.Popen(
        [*_PREFIX, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    stderr_tail: deque[bytes] = deque(maxlen=64)
    drain = threading.Thread(target=_drain, args=(proc, stderr_tail), daemon=True)
    drain.start()
    timer = threading.Timer(timeout, _kill_group, args=(proc,)) if timeout else None
    if timer is not None:
        timer.start()
    unregister = cancel.on_cancel(lambda: _kill_group(proc)) if cancel is not None else None
    try:
        yield from _read_blocks(proc, block_size)
        proc.wait()
    finally:
        if proc.poll() is None:  # the consumer stopped early
            _kill_group(proc)
            proc.wait()
        for stop in (timer.cancel if timer else None, unregister):
            if stop is not None:
                stop()
        drain.join(timeout=5)
    if cancel is not None and cancel.cancelled:
        raise JobCancelled("The job was cancelled")
    if proc.returncode != 0:
        raise _error(error_cls, f"{args[0]} failed (exit {proc.returncode})", _tail(stderr_tail))


def _drain(proc: subprocess.Popen[bytes], sink: deque[bytes]) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        sink.append(line)


def _read_blocks(proc: subprocess.Popen[bytes], block_size: int) -> Iterator[bytes]:
    assert proc.stdout is not None
    while True:
        block = proc.stdout.read(block_size)
        if not block:
            return
        yield block


@dataclass(frozen=True)
class MediaInfo:
    duration: float
    width: int
    height: int
    has_audio: bool
    video_codec: str
    audio_codec: str | None
    fps: float


def ffprobe_json(path: Path, *, timeout: float = 60.0, cancel: CancelToken | None = None) -> dict[str, Any]:
    out = run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            *input_args(path),
        ],
        cancel=cancel,
        timeout=timeout,
        error_cls=UnsupportedMedia,
        what="ffprobe",
    )
    return json.loads(out or b"{}")


def probe_media(path: Path | str, *, timeout: float = 60.0, cancel: CancelToken | None = None) -> MediaInfo:
    """Validate a media file by content: it needs a video stream and a positive duration.

    Raises `UnsupportedMedia` with a user-facing message otherwise (never trusts the extension).
    """
    path = Path(path)
    if not path.is_file():
        raise UnsupportedMedia(f"File not found: {path.name}")
    try:
        data = ffprobe_json(path, timeout=timeout, cancel=cancel)
    except UnsupportedMedia:
        raise UnsupportedMedia(f"{path.name} is not a readable video file") from None
    streams = data.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    duration = _float(data.get("format", {}).get("duration")) or _float((video or {}).get("duration"))
    if video is None:
        raise UnsupportedMedia(f"{path.name} has no video stream")
    if not duration or duration <= 0:
        raise UnsupportedMedia(f"{path.name} has no known duration")
    return MediaInfo(
        duration=duration,
        width=int(video.get("width") or 0),
        height=int(video.get("height") or 0),
        has_audio=audio is not None,
        video_codec=str(video.get("codec_name", "")),
        audio_codec=str(audio.get("codec_name")) if audio else None,
        fps=_rate(video.get("avg_frame_rate") or video.get("r_frame_rate")),
    )


def _is_cover_art(stream: dict[str, Any]) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _rate(value: Any) -> float:
    try:
        num, _, den = str(value).partition("/")
        return float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0
