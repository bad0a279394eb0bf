"""The `process` CLI end to end on a 10-minute talk with captions, wall time per stage.

Runs the CLI in a subprocess (plain progress lines on stderr) and timestamps each stage's
start/end line. Run: .venv/bin/python bench/cli_e2e.py [minutes]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._media import looped_talk

ROOT = Path(__file__).resolve().parent.parent
CLI = "import sys; from backend.cli import process_command; sys.exit(process_command(sys.argv[1:]))"
LINE = re.compile(r"^\[(\w+)\] (started|done|skipped)")


def main(minutes: float = 10) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    video, vtt = looped_talk(minutes, work / "media")
    env = {**os.environ, "DATA_DIR": str(work / "data"), "OPENAI_API_KEY": ""}
    args = [sys.executable, "-c", CLI, str(video), "--captions", str(vtt), "--out", str(work / "out")]
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert proc.stderr is not None
    marks: dict[str, float] = {}
    for line in proc.stderr:
        match = LINE.match(line)
        if match:
            marks[f"{match[1]}:{match[2]}"] = time.perf_counter() - started
    code = proc.wait()
    total = time.perf_counter() - started
    print(f"source: {minutes:g} min talk with captions, default options (5 clips, 20-60 s), exit {code}")
    for stage in ("downloading", "transcribing", "analyzing", "rendering", "finalizing"):
        if f"{stage}:started" in marks and f"{stage}:done" in marks:
            print(f"  {stage:<13} {marks[f'{stage}:done'] - marks[f'{stage}:started']:7.2f} s")
    print(f"  total (incl. interpreter start) {total:.2f} s")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10)
