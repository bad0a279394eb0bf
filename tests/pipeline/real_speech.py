"""Real recorded speech with word times: five LibriVox sentences (Sense and Sensibility, read by
one speaker) and their forced alignment, shipped in the `pocketsphinx` source archive on PyPI.

The archive (34 MB) is fetched once with `pip download` into a cache folder kept between runs;
the five recordings are joined, in their order in the book, into one 16 kHz WAV (~25 s).
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backend.pipeline.transcript import Segment, Transcript, Word

PACKAGE, VERSION = "pocketsphinx", "5.1.1"
RECORDINGS = ("0870", "0880", "0890", "0920", "0930")
MEMBER = "pocketsphinx-{version}/test/data/librivox/sense_and_sensibility_01_austen_64kb-{n}.{ext}"
RATE = 16000


@dataclass(frozen=True)
class RealSpeech:
    wav: Path
    samples: np.ndarray  # int16, mono, RATE Hz
    transcript: Transcript  # one segment per recording, words at their aligned times
    words: tuple[tuple[float, float, str], ...]  # (start, end, word) from the forced alignment

    @property
    def duration(self) -> float:
        return len(self.samples) / RATE


def cache_root() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    root = base / "viral-clipper-tests"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _archive() -> Path:
    root = cache_root()
    archive = root / f"{PACKAGE}-{VERSION}.tar.gz"
    if not archive.is_file():
        # The sdist (--no-binary for this package alone, so pip's build tools still come as wheels),
        # into a folder of its own first: a concurrent run never sees half an archive.
        with tempfile.TemporaryDirectory(dir=root) as tmp:
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", PACKAGE]
            command += [f"{PACKAGE}=={VERSION}", "-d", tmp, "-q"]
            subprocess.run(command, check=True, timeout=600)
            os.replace(Path(tmp) / archive.name, archive)
    return archive


@functools.cache
def librivox() -> RealSpeech:
    out = cache_root() / f"librivox-{VERSION}"
    out.mkdir(exist_ok=True)
    pieces: list[np.ndarray] = []
    segments: list[Segment] = []
    words: list[tuple[float, float, str]] = []
    offset = 0.0
    with tarfile.open(_archive()) as tar:
        for n in RECORDINGS:
            samples = _samples(tar, MEMBER.format(version=VERSION, n=n, ext="wav"))
            alignment = _read(tar, MEMBER.format(version=VERSION, n=n, ext="json"))
            spoken = _aligned_words(json.loads(alignment), offset)
            words += spoken
            text = " ".join(w for _, _, w in spoken)
            segment_words = tuple(Word(a, b, f" {w}") for a, b, w in spoken)
            segments.append(Segment(spoken[0][0], spoken[-1][1], f" {text}", segment_words))
            pieces.append(samples)
            offset += len(samples) / RATE
    joined = np.concatenate(pieces)
    wav = out / "librivox.wav"
    if not wav.is_file():
        tmp = wav.with_suffix(f".{os.getpid()}.tmp")
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(joined.tobytes())
        tmp.replace(wav)
    transcript = Transcript(language="en", segments=segments, source="whisper")
    return RealSpeech(wav, joined, transcript, tuple(words))


def _read(tar: tarfile.TarFile, name: str) -> bytes:
    member = tar.extractfile(name)
    if member is None:
        raise FileNotFoundError(name)
    return member.read()


def _samples(tar: tarfile.TarFile, name: str) -> np.ndarray:
    with wave.open(io.BytesIO(_read(tar, name)), "rb") as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, RATE):
            raise ValueError(f"{name}: expected 16-bit mono {RATE} Hz")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").copy()


def _aligned_words(alignment: dict[str, object], offset: float) -> list[tuple[float, float, str]]:
    """(start, end, word) of each spoken word; pocketsphinx marks pauses <sil> and alternative
    pronunciations `word(2)`."""
    spoken = []
    for item in alignment["w"]:  # type: ignore[attr-defined]
        word = re.sub(r"\(\d+\)$", "", str(item["t"]))
        if word.startswith("<") or word.startswith("["):
            continue
        start = offset + float(item["b"])
        spoken.append((round(start, 3), round(start + float(item["d"]), 3), word))
    return spoken


def frame_db(samples: np.ndarray, rate: int = RATE, frame: float = 0.01) -> np.ndarray:
    """dBFS of each `frame`-long slice of `samples` (measured here, independently of the code
    under test)."""
    size = round(rate * frame)
    usable = len(samples) - len(samples) % size
    framed = samples[:usable].reshape(-1, size).astype(np.float64) / 32768.0
    return 20 * np.log10(np.sqrt(np.mean(framed * framed, axis=1)) + 1e-9)


def loudest_within(db: np.ndarray, t: float, reach: float = 0.04, frame: float = 0.01) -> float:
    """The loudest 10 ms frame of `db` (frame 0 at 0 s) touching [t - reach, t + reach]."""
    first, last = int(np.floor((t - reach) / frame)), int(np.ceil((t + reach) / frame))
    return float(db[max(0, first) : last].max())


def speech_level(db: np.ndarray, spans: list[tuple[float, float]], t: float, reach: float = 2.0) -> float:
    """The speech level around `t`: the median frame of the speech `spans` within ±reach s."""
    inside = np.zeros(db.size, dtype=bool)
    for a, b in spans:
        inside[max(0, round(a * 100)) : round(b * 100)] = True
    near = np.zeros(db.size, dtype=bool)
    near[max(0, round((t - reach) * 100)) : round((t + reach) * 100)] = True
    return float(np.median(db[inside & near]))
