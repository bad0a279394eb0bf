"""The durable copy of a job's folder somewhere else (with STORAGE_BACKEND=s3: the bucket).

The processor is given one (`JobContext.remote`) when the job's folder is only a cache: a
stage's outputs then go to the remote copy before its completion record does, and a stage whose
inputs are not on local disk fetches them first, so any worker, even one restarted on an empty
disk, resumes where another one stopped. Which files a stage wrote is found by comparing the
folder before and after it, so stages need not declare their outputs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

# The key a stage record gains: the files the stage wrote, relative path → size.
STORED_KEY = "stored_files"

Snapshot = dict[str, tuple[int, int]]


class RemoteFiles(Protocol):
    def fetch(self, relative: str, size: int | None = None) -> bool:
        """Make the file local unless it is already (with that size); False if it is nowhere."""
        ...

    def fetch_fresh(self, relative: str) -> bool:
        """The remote copy over any local one; False (and no local copy) if there is none."""
        ...

    def put(self, relatives: list[str]) -> None:
        """Store these files durably; returns only once they are."""
        ...


def snapshot(job_dir: Path) -> Snapshot:
    """Size and mtime of every file, skipping hidden names (temp files, stage records)."""
    found: Snapshot = {}
    for root, dirs, names in os.walk(job_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if name.startswith("."):
                continue
            path = Path(root) / name
            try:
                st = path.stat()
            except OSError:
                continue
            found[path.relative_to(job_dir).as_posix()] = (st.st_size, st.st_mtime_ns)
    return found


def written_since(job_dir: Path, before: Snapshot) -> dict[str, int]:
    """Files that are new or changed since `before`, with their sizes."""
    return {rel: size for rel, (size, mtime) in snapshot(job_dir).items() if before.get(rel) != (size, mtime)}
