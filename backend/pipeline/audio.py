"""Speech energy from the audio track, computed streaming (ffmpeg → s16le pipe → numpy blocks).

Memory stays flat whatever the source length: only one block of samples and one float per
100 ms frame (36 000 floats for an hour) are held.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backend.pipeline import ffmpeg
from backend.pipeline.cancel import CancelToken
from backend.pipeline.errors import AnalysisError

SAMPLE_RATE = 16_000
FRAME_SECONDS = 0.1
FRAME_SAMPLES = int(SAMPLE_RATE * FRAME_SECONDS)
BLOCK_FRAMES = 50  # 5 s of audio per read


@dataclass(frozen=True)
class EnergyTrack:
    """Loudness in dBFS per 100 ms frame, with prefix sums for O(1) window means."""

    db: np.ndarray

    @property
    def mean(self) -> float:
        voiced = self.db[self.db > -60]
        return float(voiced.mean()) if voiced.size else -90.0

    @property
    def std(self) -> float:
        voiced = self.db[self.db > -60]
        return float(voiced.std()) if voiced.size > 1 else 1.0

    def window_mean(self, start: float, end: float) -> float:
        a, b = int(start / FRAME_SECONDS), max(int(end / FRAME_SECONDS), int(start / FRAME_SECONDS) + 1)
        frames = self.db[a:b]
        voiced = frames[frames > -60]
        return float(voiced.mean()) if voiced.size else -90.0


def compute_energy(
    path: Path, *, cancel: CancelToken | None = None, timeout: float | None = None
) -> EnergyTrack:
    args = [
        "ffmpeg",
        "-nostdin",
        "-v",
        "error",
        *ffmpeg.input_args(path),
        "-vn",
        "-ac",
        "1",
        "-ar",
        str(SAMPLE_RATE),
        "-f",
        "s16le",
        "-",
    ]
    frames: list[np.ndarray] = []
    carry = b""
    block = FRAME_SAMPLES * 2 * BLOCK_FRAMES
    for chunk in ffmpeg.stream_stdout(
        args, block_size=block, cancel=cancel, timeout=timeout, error_cls=AnalysisError
    ):
        data = carry + chunk
        usable = len(data) - len(data) % (FRAME_SAMPLES * 2)
        carry = data[usable:]
        if usable:
            frames.append(_frame_db(np.frombuffer(data[:usable], dtype="<i2")))
    return EnergyTrack(np.concatenate(frames) if frames else np.zeros(0, dtype=np.float32))


FINE_RATE = 8_000  # enough for speech energy; a quarter of the data of a 16 kHz decode
FINE_FRAME = 0.01  # 10 ms frames: fine enough to find a pause between two words


def fine_energy(
    path: Path,
    *,
    start: float = 0.0,
    duration: float | None = None,
    cancel: CancelToken | None = None,
    timeout: float | None = None,
    rate: int = FINE_RATE,
) -> np.ndarray:
    """dBFS per 10 ms frame of `path` from `start` (for `duration` s, else to the end); frame 0 = start.

    `rate` is the decode's sample rate: energy above rate/2 (a fricative's hiss) is not counted."""
    seek = ["-ss", f"{start:.3f}"] if start > 0 else []
    span = ["-t", f"{duration:.3f}"] if duration is not None else []
    args = [
        "ffmpeg",
        "-nostdin",
        "-v",
        "error",
        *seek,
        *ffmpeg.input_args(path),
        *span,
        "-vn",
        "-ac",
        "1",
        "-ar",
        str(rate),
        "-f",
        "s16le",
        "-",
    ]
    size = int(rate * FINE_FRAME)
    frames: list[np.ndarray] = []
    carry = b""
    for chunk in ffmpeg.stream_stdout(
        args, block_size=size * 2 * 500, cancel=cancel, timeout=timeout, error_cls=AnalysisError
    ):
        data = carry + chunk
        usable = len(data) - len(data) % (size * 2)
        carry = data[usable:]
        if usable:
            frames.append(_frame_db(np.frombuffer(data[:usable], dtype="<i2"), size))
    return np.concatenate(frames) if frames else np.zeros(0, dtype=np.float32)


def _frame_db(samples: np.ndarray, frame_samples: int = FRAME_SAMPLES) -> np.ndarray:
    framed = samples.reshape(-1, frame_samples).astype(np.float32) / 32768.0
    rms = np.sqrt(np.mean(framed * framed, axis=1)) + 1e-9
    return (20 * np.log10(rms)).astype(np.float32)
