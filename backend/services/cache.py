"""The bounded local cache of job files (STORAGE_BACKEND=s3 only).

With a bucket, DATA_DIR/jobs/ holds copies: a process keeps at most STORAGE_CACHE_BYTES of them
and evicts the least recently used files of jobs nobody is working on. "Working on" is a shared
`flock` on DATA_DIR/cache/locks/<job id>.lock, held by a job's run, a re-render and a YouTube
upload; the trim takes the exclusive lock without waiting and skips every job it cannot get, so
it never removes a file a running stage reads or writes — in this process or in another one
sharing the disk. Files of running jobs still count towards the bound.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from backend.config import Config
from backend.services.ids import is_id

log = logging.getLogger(__name__)
LOCKS_DIR = "cache/locks"


@dataclass(frozen=True)
class CachedFile:
    path: Path
    size: int
    last_used: float


def lock_path(config: Config, job_id: str) -> Path:
    return config.data_dir / LOCKS_DIR / f"{job_id}.lock"


@contextlib.contextmanager
def in_use(config: Config, job_id: str) -> Iterator[None]:
    """While inside, no trim (of any process on this disk) evicts this job's files."""
    if not config.uses_bucket:
        yield
        return
    handle = _open_lock(config, job_id)
    try:
        fcntl.flock(handle, fcntl.LOCK_SH)
        yield
    finally:
        handle.close()  # closing releases the lock


def touch(path: Path) -> None:
    """Mark a cached file as just used (atime only: the pipeline compares mtimes)."""
    with contextlib.suppress(OSError):
        os.utime(path, (time.time(), path.stat().st_mtime))


def trim(config: Config) -> int:
    """Evict least recently used files of idle jobs until the cache fits; the bytes evicted."""
    if not config.uses_bucket:
        return 0
    files = [(folder.name, f) for folder in _job_folders(config) for f in _files(folder)]
    excess = sum(f.size for _, f in files) - config.storage_cache_bytes
    if excess <= 0:
        return 0
    freed = 0
    for job_id, cached in sorted(files, key=lambda item: item[1].last_used):
        if freed >= excess:
            break
        freed += _evict(config, job_id, cached)
    if freed:
        log.info("local cache: evicted %d bytes", freed)
    return freed


def cached_bytes(config: Config) -> int:
    return sum(f.size for folder in _job_folders(config) for f in _files(folder))


def forget(config: Config, job_id: str) -> None:
    lock_path(config, job_id).unlink(missing_ok=True)


def _evict(config: Config, job_id: str, cached: CachedFile) -> int:
    """Remove one file unless its job is in use right now (the lock is held only for the unlink)."""
    with _open_lock(config, job_id) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0
        try:
            cached.path.unlink()
        except FileNotFoundError:
            return 0
        return cached.size


def _job_folders(config: Config) -> list[Path]:
    if not config.jobs_dir.is_dir():
        return []
    return [p for p in config.jobs_dir.iterdir() if is_id(p.name) and p.is_dir()]


def _files(folder: Path) -> list[CachedFile]:
    found = []
    for root, _dirs, names in os.walk(folder):
        for name in names:
            try:
                st = (Path(root) / name).lstat()
            except OSError:
                continue  # renamed or removed while we walked
            found.append(CachedFile(Path(root) / name, st.st_size, max(st.st_atime, st.st_mtime)))
    return found


def _open_lock(config: Config, job_id: str) -> IO[bytes]:
    path = lock_path(config, job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("ab")
