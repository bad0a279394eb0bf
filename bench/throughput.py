"""Jobs per hour with JOB_BACKEND=celery: 1 worker vs 2 workers on the same mixed batch.

Each worker runs `--concurrency 1` with a DATA_DIR of its own and STORAGE_BACKEND=s3 on a
SeaweedFS the bench starts (the multi-host shape), with PostgreSQL and Redis. The batch is
captions-path jobs (the test talk with its .vtt: download, analyze, render, no whisper), half
plain renders and half 720p vertical Shorts, with different clip counts. The whole batch is
submitted at once; the time runs from the first POST to the last job completed.
Run: .venv/bin/python -m bench.throughput [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._scaleout import Topology, topology, tree_cpu_seconds
from tests.jobs.helpers import FAST_OPTIONS, PLAIN_RENDER, SHORT_CLIPS
from tests.media import talk
from tests.scaleout.cluster import User, sign_up

VERTICAL = {**SHORT_CLIPS, "format": "vertical", "resolution": "720p"}
MIX: list[dict[str, Any]] = [
    FAST_OPTIONS,  # plain, 2 clips
    {**VERTICAL, "max_clips": 1},
    {**SHORT_CLIPS, **PLAIN_RENDER, "max_clips": 3},
    VERTICAL,  # vertical, 2 clips
]


def run_batch(topo: Topology, user: User, workers: int, jobs: int) -> tuple[float, float]:
    """(wall seconds, worker CPU seconds) of one batch on `workers` fresh workers."""
    procs = [topo.cluster.worker(1, DATA_DIR=topo.worker_data_dir(f"{workers}w-{n}")) for n in range(workers)]
    cpu_before = sum(tree_cpu_seconds(p.pid) for p in procs)
    start = time.monotonic()
    ids = [user.upload(talk(), MIX[n % len(MIX)]) for n in range(jobs)]
    for job_id in ids:
        job = user.wait_job(job_id, "completed", "failed", "cancelled", timeout=1800)
        assert job["status"] == "completed", job
    wall = time.monotonic() - start
    cpu = sum(tree_cpu_seconds(p.pid) for p in procs) - cpu_before
    for proc in procs:
        topo.cluster.kill(proc)
    return wall, cpu


def main(jobs: int) -> None:
    with topology("bench-throughput-") as topo:
        base = topo.cluster.web()  # migrates the database
        user = sign_up(base, "bench@example.com")
        results = {workers: run_batch(topo, user, workers, jobs) for workers in (1, 2)}
    for workers, (wall, cpu) in results.items():
        print(
            f"{workers} worker(s): {jobs} jobs in {wall:.1f} s = {jobs * 3600 / wall:.0f} jobs/h; "
            f"worker CPU {cpu:.1f} s ({cpu / wall:.2f} cores busy on average)"
        )
    ratio = results[1][0] / results[2][0]
    print(f"ratio 2w/1w: x{ratio:.2f}")
    busy = {w: cpu / wall for w, (wall, cpu) in results.items()}
    # The explanation follows the measured figures rather than an assumption about ffmpeg.
    print(
        f"note: this machine has {os.cpu_count()} cores. One worker kept {busy[1]:.2f} of them busy: "
        "besides libx264's threaded encode, a job spends time in single-threaded work (probing, "
        "analysis, filters) and waiting on the bucket, which a second worker fills. Two workers "
        f"kept {busy[2]:.2f} busy; the cores, not the queue, cap the ratio below x2. With a host "
        "per worker it would approach x2."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=8)
    main(parser.parse_args().jobs)
