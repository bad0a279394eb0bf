"""Face-tracked crop quality and analysis speed of the Shorts reframe analysis.

Per scenario of tests/shorts_media.py (640x360, 8 s): the tracking figures of the plan against the
ground truth, and analysis seconds per clip second; then the speed on the same clips scaled to
1280x720 (the goal: ≤ 0.25 s per clip second on 2 cores). Published peer figures for comparison:
OpenShorts, 0.13 direction reversals/s and 60 px/s.
Run: .venv/bin/python bench/shorts_tracking.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.pipeline.shorts.analysis import analyze_clip
from backend.pipeline.shorts.detector import detector_name
from backend.pipeline.shorts.plan import ReframePlan
from tests.media import cache_dir
from tests.shorts_media import SCENARIOS, ShortsMedia, shorts_media, tracking_figures

OUT_W, OUT_H = 1080, 1920
PEER_REVERSALS, PEER_SPEED = 0.13, 60.0


def timed(
    video: Path, duration: float, layout: str, speech: ShortsMedia | None = None
) -> tuple[ReframePlan, float]:
    began = time.perf_counter()
    plan = analyze_clip(
        video, 0.0, duration, out_w=OUT_W, out_h=OUT_H, layout=layout, speech=speech.speech if speech else ()
    )
    return plan, (time.perf_counter() - began) / duration


def upscaled(m: ShortsMedia, repeats: int = 3) -> tuple[Path, float]:
    """The clip looped `repeats` times at 1280x720 (a realistic source size for the speed figure)."""
    out = cache_dir() / f"{m.name}-720p.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-y",
            "-v",
            "error",
            "-stream_loop",
            str(repeats - 1),
            "-i",
            str(m.video),
            "-vf",
            "scale=1280:720",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-an",
            str(out),
        ],
        check=True,
    )
    return out, m.duration * repeats


def main() -> None:
    print(f"detector: {detector_name()}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    header = f"{'scenario':<12}{'layout':<8}{'inside':>8}{'centred':>9}{'still %':>9}{'rev/s':>7}"
    print(header + f"{'max px/s':>10}{'cut s':>7}{'kf/s':>6}{'s/s':>7}")
    for name in SCENARIOS:
        m = shorts_media(name)
        layouts = ["auto", "crop"] if name in ("two", "turns") else ["auto"]
        for layout in layouts:
            timed(m.video, m.duration, layout, m)  # warm: model load, page cache
            plan, per_s = timed(m.video, m.duration, layout, m)
            target = m.speaking if name == "turns" else (m.speaker or 0)
            f = tracking_figures(plan, m.truth, m.fps, face=target)
            keyframes = sum(len(s.path) for s in plan.shots) / m.duration
            print(
                f"{name:<12}{plan.layout:<8}{f['inside']:>8.3f}{f['centred']:>9.3f}{f['still_move_pct']:>9.2f}"
                f"{f['reversals_per_s']:>7.2f}{f['max_speed_px_s']:>10.1f}{f['cut_recovery_s']:>7.2f}"
                f"{keyframes:>6.2f}{per_s:>7.3f}"
            )
    print(f"peers (OpenShorts): reversals {PEER_REVERSALS}/s, {PEER_SPEED:.0f} px/s")
    print("\n1280x720 sources (24 s each), analysis seconds per clip second (goal <= 0.25):")
    for name in ("drift", "two", "none"):
        m = shorts_media(name)
        video, duration = upscaled(m)
        runs = [timed(video, duration, "auto", m)[1] for _ in range(3)]
        print(f"  {name:<8} best {min(runs):.3f}  median {sorted(runs)[1]:.3f}")


if __name__ == "__main__":
    main()
