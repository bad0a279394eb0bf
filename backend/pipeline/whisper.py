"""faster-whisper transcription with a per-process model cache.

Loading a model costs seconds and hundreds of MB, so one instance per (model, device, compute
type) is kept for the life of the process and shared by every job (CTranslate2 models are safe
to call from several threads).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backend.pipeline.cancel import CancelToken
from backend.pipeline.errors import TranscriptionError
from backend.pipeline.transcript import Segment, Transcript, Word

_MODELS: dict[tuple[str, str, str], Any] = {}
_LOCK = threading.Lock()
LOAD_COUNT = {"loads": 0}  # observable by the whisper_reload benchmark and tests


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
        if key not in _MODELS:
            _MODELS[key] = _load(model, device, compute_type)
            LOAD_COUNT["loads"] += 1
        return _MODELS[key]


def _load(model: str, device: str, compute_type: str) -> Any:
    from faster_whisper import WhisperModel

    local = Path(model).expanduser()
    try:
        return WhisperModel(str(local) if local.is_dir() else model, device=device, compute_type=compute_type)
    except Exception as exc:
        raise TranscriptionError(
            f"Cannot load the Whisper model {model!r} ({type(exc).__name__}: {str(exc)[:160]}). "
            "Without internet access, download a faster-whisper (CTranslate2) model on another machine "
            "and set WHISPER_MODEL to its local directory, or provide captions / enable source captions."
        ) from exc


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
) -> Transcript:
    """Consume segments as they stream: progress = segment end / duration, cancel between segments."""
    whisper = get_model(model, device, compute_type)
    try:
        segments_iter, info = whisper.transcribe(
            str(audio),
            language=None if language in {"", "auto"} else language,
            vad_filter=True,
            word_timestamps=True,
            beam_size=1,
            condition_on_previous_text=False,
        )
        segments = []
        done = 0.0  # progress never goes back, even if a segment ends before the previous one did
        for seg in segments_iter:
            cancel.raise_if_cancelled()
            segment = _segment(seg, duration or float("inf"))
            if segment is not None:
                segments.append(segment)
            done = max(done, min(float(seg.end) / duration, 1.0) if duration else 0.0)
            on_progress(done)
    except (TranscriptionError, KeyboardInterrupt):
        raise
    except Exception as exc:
        if cancel.cancelled:
            cancel.raise_if_cancelled()
        raise TranscriptionError(f"Transcription failed: {type(exc).__name__}: {str(exc)[:200]}") from exc
    return Transcript(language=str(info.language or language or "und"), segments=segments, source="whisper")


def _segment(seg: Any, duration: float) -> Segment | None:
    """Our Segment, clamped to the media: Whisper can emit timestamps past the end of the audio."""
    start, end = min(float(seg.start), duration), min(float(seg.end), duration)
    if end <= start:
        return None
    words = tuple(
        Word(min(float(w.start), end), min(float(w.end), end), str(w.word).strip())
        for w in (seg.words or [])
        if str(w.word).strip() and float(w.start) < end
    )
    return Segment(start, end, str(seg.text).strip(), words)
