"""A second transcription in the same process must not reload the Whisper model.

Uses the tiny random-weight model from tests.media (offline). Prints load counts and the time
of each call. Run: .venv/bin/python bench/whisper_reload.py [WHISPER_MODEL]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.pipeline import whisper
from backend.pipeline.cancel import CancelToken
from tests.media import talk, tiny_whisper_model


def main(model: str | None = None) -> None:
    model = model or str(tiny_whisper_model())
    t = talk()
    for attempt in (1, 2):
        started = time.perf_counter()
        loaded = time.perf_counter()
        whisper.get_model(model, "cpu", "default")
        load_time = time.perf_counter() - loaded
        transcript = whisper.transcribe(
            t.video,
            model=model,
            device="cpu",
            compute_type="default",
            language="en",
            duration=t.duration,
            cancel=CancelToken(),
            on_progress=lambda _f: None,
        )
        total = time.perf_counter() - started
        loads = whisper.LOAD_COUNT["loads"]
        print(
            f"call {attempt}: model load {load_time * 1000:.1f} ms, total {total:.2f} s, "
            f"{len(transcript.segments)} segments, loads so far = {loads}"
        )
    assert whisper.LOAD_COUNT["loads"] == 1, "the model was loaded twice"
    print("second transcription reused the cached model: yes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
