"""Render overhead = render stage wall time for N clips / the same encodes as bare ffmpeg back to back.

Goal ≤ 1.10. The stage also writes thumbnails (candidate frames from the same encode) and
captions; concurrency 1 so both sides do the same work serially.
Run: .venv/bin/python bench/render_overhead.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.config import Config
from backend.pipeline.context import JobContext
from backend.pipeline.options import JobOptions
from backend.pipeline.sources import Source
from backend.pipeline.stages.analyze import AnalyzeStage
from backend.pipeline.stages.base import PipelineState
from backend.pipeline.stages.download import DownloadStage
from backend.pipeline.stages.render import RenderStage, encode_args
from backend.pipeline.stages.transcribe import TranscribeStage
from bench._media import looped_talk
from tests.pipeline.conftest import RecordingReporter

ROUNDS = 3


def main(n: int = 4) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-render-"))
    video, vtt = looped_talk(5, work / "media")
    config = Config(data_dir=work / "data", render_concurrency=1)
    # The plain clip (source frames and sound, nothing burned in): the overhead of the stage around
    # its encodes. bench/shorts_render.py measures the Shorts render.
    options = JobOptions(
        min_clip_duration=15,
        max_clip_duration=30,
        max_clips=n,
        format="original",
        caption_style="none",
        hook_title=False,
        loudness_target=None,
    )
    ctx = JobContext(
        "bench",
        work / "job",
        Source("file", path=video, captions_path=vtt),
        options,
        config,
        RecordingReporter(),
    )
    state = PipelineState()
    for stage in (DownloadStage(), TranscribeStage(), AnalyzeStage()):
        stage.run(ctx, state)
    # Alternate the two sides and take medians: other load on a shared machine hits both alike.
    stage_runs, bare_runs = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        RenderStage().run(ctx, state)
        stage_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        for i, clip in enumerate(state.candidates):
            out = work / f"bare_{i}.mp4"
            args = encode_args(
                video,
                clip.start,
                clip.end - clip.start,
                out,
                preset=config.render_preset,
                crf=config.render_crf,
            )
            subprocess.run(args, check=True)
        bare_runs.append(time.perf_counter() - started)
    stage_wall, bare_wall = statistics.median(stage_runs), statistics.median(bare_runs)
    seconds = sum(c.end - c.start for c in state.candidates)
    print(
        f"clips: {len(state.candidates)} ({seconds:.1f} s of video, 320x180, preset {config.render_preset})"
    )
    print(f"render stage wall: {stage_wall:.2f} s (median of {ROUNDS}: {[round(t, 2) for t in stage_runs]})")
    print(f"bare ffmpeg wall:  {bare_wall:.2f} s (median of {ROUNDS}: {[round(t, 2) for t in bare_runs]})")
    print(f"render overhead:   {stage_wall / bare_wall:.3f} (goal <= 1.10)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
