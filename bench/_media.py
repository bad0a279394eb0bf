"""Long test sources for the benchmarks: the test talk looped to N minutes (stream copy, fast)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.media import _fmt, talk


def looped_talk(minutes: float, out_dir: Path) -> tuple[Path, Path]:
    """(video, vtt) of the talk repeated to about `minutes`, captions shifted per repeat."""
    t = talk()
    repeats = max(1, round(minutes * 60 / t.duration))
    out_dir.mkdir(parents=True, exist_ok=True)
    video, vtt = out_dir / f"talk_{minutes:g}min.mp4", out_dir / f"talk_{minutes:g}min.vtt"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-y", "-v", "error", "-stream_loop", str(repeats - 1), "-i", str(t.video),
         "-c", "copy", str(video)],
        check=True,
    )  # fmt: skip
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(video)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    period = float(probe.stdout) / repeats
    cues = [(s + k * period, e + k * period, x) for k in range(repeats) for s, e, x in t.cues]
    vtt.write_text("WEBVTT\n\n" + "\n".join(f"{_fmt(s)} --> {_fmt(e)}\n{x}\n" for s, e, x in cues))
    return video, vtt
