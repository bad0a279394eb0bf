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
        "ffmpeg", "-nostdin", "-v", "error", *ffmpeg.input_args(path),
        "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "-",
    ]  # fmt: skip
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


def _frame_db(samples: np.ndarray) -> np.ndarray:
    framed = samples.reshape(-1, FRAME_SAMPLES).astype(np.float32) / 32768.0
    rms = np.sqrt(np.mean(framed * framed, axis=1)) + 1e-9
    return (20 * np.log10(rms)).astype(np.float32)
