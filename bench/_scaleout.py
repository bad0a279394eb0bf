"""Shared by the scale-out benchmarks: the multi-host shape on one machine.

A throwaway PostgreSQL database (migrated by the first web process), a Redis database of its own
(flushed at the end), a real SeaweedFS S3 server with its bucket, and a `Cluster` of web and
Celery worker subprocesses (tests/scaleout/cluster.py), each worker with a DATA_DIR of its own.
Everything is stopped and removed when the block ends, whatever happened.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.services.objects import ObjectStore
from tests.conftest import create_pg_database, drop_pg_database, pg_url
from tests.scaleout.cluster import Cluster, claimed_redis_db, descendants
from tests.storage.weed import ACCESS_KEY, SECRET_KEY, s3_config, seaweedfs

BUCKET = "bench-scaleout"


@dataclass
class Topology:
    cluster: Cluster
    work: Path

    def worker_data_dir(self, name: str) -> str:
        """A DATA_DIR no other process shares (another host's disk): files only via the bucket."""
        folder = self.work / f"data-{name}"
        folder.mkdir()
        return str(folder)


def clock_ticks() -> int:
    return int(os.sysconf("SC_CLK_TCK"))


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and of every child it has reaped or still runs (/proc)."""
    total = 0
    for each in [pid, *descendants(pid)]:
        try:
            stat = Path(f"/proc/{each}/stat").read_text()
        except OSError:
            continue  # ended in between: its time is in its parent's reaped-children fields
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / clock_ticks()


@contextmanager
def topology(prefix: str) -> Iterator[Topology]:
    work = Path(tempfile.mkdtemp(prefix=prefix))
    database = create_pg_database()
    cluster: Cluster | None = None
    try:
        with claimed_redis_db() as redis_url, seaweedfs(work) as endpoint:
            ObjectStore(s3_config(endpoint, BUCKET)).create_bucket()
            (work / "data-web").mkdir()
            env = {
                "STORAGE_BACKEND": "s3",
                "S3_ENDPOINT_URL": endpoint,
                "S3_BUCKET": BUCKET,
                "S3_REGION": "us-east-1",
                "S3_ACCESS_KEY_ID": ACCESS_KEY,
                "S3_SECRET_ACCESS_KEY": SECRET_KEY,
                # The production heartbeat, not the tests' short one.
                "WORKER_HEARTBEAT_SECONDS": "5",
                "WORKER_STALE_SECONDS": "30",
                # A whole batch is submitted at once by one user (the default limit is 5).
                "MAX_ACTIVE_JOBS_PER_USER": "100",
            }
            cluster = Cluster(work / "data-web", pg_url(database), redis_url, extra_env=env)
            try:
                yield Topology(cluster, work)
            finally:
                cluster.stop()
    finally:
        drop_pg_database(database)
        shutil.rmtree(work, ignore_errors=True)
