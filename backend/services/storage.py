"""Where a job's files live, and the only way the API turns a stored relative path into a file.

The folder layout of a job is `backend.pipeline.layout`.

With STORAGE_BACKEND=s3 the bucket holds every job file under `jobs/<job id>/<relative path>`
and the job folder is a cache of it (backend/services/cache.py): a file this module is asked
for and cannot find locally is fetched first, and removing a job's files removes its objects.

Uploads are first streamed to DATA_DIR/jobs/.incoming/ (same filesystem), then renamed into the
job's folder, so a half-received upload never appears inside a job.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import IO

from backend.config import Config
from backend.errors import NotFound
from backend.pipeline import layout
from backend.services import cache, objects
from backend.services.ids import is_id
from backend.services.objects import ObjectStore, StoredObject

INCOMING = ".incoming"


def job_dir(config: Config, job_id: str) -> Path:
    if not is_id(job_id):
        raise NotFound("No such job.")
    return config.jobs_dir / job_id


def incoming_file(config: Config) -> IO[bytes]:
    """A temp file on the same filesystem as the job folders (the later move is a rename)."""
    folder = config.jobs_dir / INCOMING
    folder.mkdir(parents=True, exist_ok=True)
    return tempfile.NamedTemporaryFile(dir=folder, prefix="upload-", suffix=".part", delete=False)


def safe_filename(name: str, default: str = "video") -> str:
    """ASCII letters, digits, dot, dash and underscore only; never a path or a hidden file."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(ascii_name).name).strip("._")
    return cleaned[:120] or default


def bucket(config: Config) -> ObjectStore | None:
    """The object store, or None with local storage (the job folders are then the only copy)."""
    return objects.store_for(config) if config.uses_bucket else None


def _inside(config: Config, job_id: str, relative: str | None) -> tuple[Path, str]:
    """The absolute path and the normalised relative path; 404 outside of the job's folder."""
    if not relative:
        raise NotFound("The file is not available.")
    root = job_dir(config, job_id).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or path == root:
        raise NotFound("The file is not available.")
    return path, path.relative_to(root).as_posix()


def resolve_in_job(config: Config, job_id: str, relative: str | None) -> Path:
    """The file `relative` names inside the job's folder (fetched from the bucket first when it
    is only there); 404 if missing or outside of it."""
    path, clean = _inside(config, job_id, relative)
    if path.is_file():
        cache.touch(path)
        return path
    store = bucket(config)
    if store is None or not store.fetch(objects.job_key(job_id, clean), path):
        raise NotFound("The file is not available.")
    return path


def stored_object(config: Config, job_id: str, relative: str | None) -> StoredObject:
    """The bucket's copy of a job file (for streaming it); 404 if it is not there."""
    store = bucket(config)
    assert store is not None, "only with STORAGE_BACKEND=s3"
    _path, clean = _inside(config, job_id, relative)
    found = store.head(objects.job_key(job_id, clean))
    if found is None:
        raise NotFound("The file is not available.")
    return found


class BucketFiles:
    """The pipeline's `RemoteFiles` for one job: its folder's durable copy in the bucket."""

    def __init__(self, config: Config, job_id: str, store: ObjectStore) -> None:
        self.config, self.job_id, self.store = config, job_id, store
        self.root = job_dir(config, job_id)

    def fetch(self, relative: str, size: int | None = None) -> bool:
        path = self.root / relative
        if path.is_file() and (size is None or path.stat().st_size == size):
            cache.touch(path)
            return True
        return self.store.fetch(objects.job_key(self.job_id, relative), path)

    def fetch_fresh(self, relative: str) -> bool:
        """The bucket's copy even when a local one exists (stage records: the bucket decides)."""
        path = self.root / relative
        if self.store.fetch(objects.job_key(self.job_id, relative), path):
            return True
        path.unlink(missing_ok=True)
        return False

    def put(self, relatives: Iterable[str]) -> None:
        for relative in relatives:
            self.store.put_file(self.root / relative, objects.job_key(self.job_id, relative))
        cache.trim(self.config)


def remote_files(config: Config, job_id: str) -> BucketFiles | None:
    store = bucket(config)
    return BucketFiles(config, job_id, store) if store is not None else None


def put_files(config: Config, job_id: str, relatives: Iterable[str | None]) -> None:
    """Copy job files to the bucket (no-op with local storage)."""
    remote = remote_files(config, job_id)
    if remote is not None:
        remote.put([_inside(config, job_id, r)[1] for r in relatives if r])


def fetch_files(config: Config, job_id: str, paths: Iterable[Path | None]) -> None:
    """Make sure these files of the job are on local disk (no-op with local storage)."""
    remote = remote_files(config, job_id)
    if remote is None:
        return
    root = job_dir(config, job_id).resolve()
    for path in paths:
        if path is not None and Path(path).resolve().is_relative_to(root):
            remote.fetch(Path(path).resolve().relative_to(root).as_posix())


def remove_files(config: Config, job_id: str, relatives: Iterable[str | None]) -> None:
    """Remove job files, local copy and object (names outside of the job's folder are skipped)."""
    keys = []
    for relative in relatives:
        try:
            path, clean = _inside(config, job_id, relative)
        except NotFound:
            continue
        path.unlink(missing_ok=True)
        keys.append(objects.job_key(job_id, clean))
    store = bucket(config)
    if store is not None and keys:
        store.delete_keys(keys)


def uploaded_source(config: Config, job_id: str) -> Path | None:
    folder = job_dir(config, job_id) / layout.UPLOAD_DIR
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    if files:
        return files[0]
    store = bucket(config)  # another host received the upload: the file is the bucket's
    if store is None:
        return None
    prefix = objects.job_key(job_id, layout.UPLOAD_DIR) + "/"
    keys = sorted(obj.key for obj in store.list_prefix(prefix))
    return folder / keys[0][len(prefix) :] if keys else None


def uploaded_captions(config: Config, job_id: str) -> Path | None:
    folder = job_dir(config, job_id) / layout.SOURCE_DIR
    store = bucket(config)
    for name in layout.CAPTION_NAMES:
        if (folder / name).is_file():
            return folder / name
        if store is not None and store.exists(objects.job_key(job_id, f"{layout.SOURCE_DIR}/{name}")):
            return folder / name
    return None


def job_bytes(config: Config, job_id: str) -> int:
    """What the job's files take: its folder, or its objects (the folder is then only a cache)."""
    store = bucket(config)
    if store is None:
        return disk_usage(job_dir(config, job_id))
    return sum(obj.size for obj in store.list_prefix(objects.job_prefix(job_id)))


def remove_job(config: Config, job_id: str) -> None:
    """Every file of the job: its folder and, with a bucket, every object under its prefix."""
    remove_tree(job_dir(config, job_id))
    store = bucket(config)
    if store is not None:
        store.delete_prefix(objects.job_prefix(job_id))
        cache.forget(config, job_id)


def bucket_jobs(config: Config, older_than: datetime) -> list[str]:
    """Job ids with objects in the bucket, none of them written since `older_than`."""
    store = bucket(config)
    if store is None:
        return []
    found = []
    for job_id in store.child_prefixes(objects.JOBS_PREFIX):
        if is_id(job_id):
            stored = store.list_prefix(objects.job_prefix(job_id))
            newest = max((obj.last_modified for obj in stored), default=None)
            if newest is not None and newest.timestamp() < older_than.timestamp():
                found.append(job_id)
    return found


def disk_usage(path: Path) -> int:
    """Bytes used by the files under `path` (like `du`, without following symlinks)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).lstat().st_size
            except OSError:
                continue  # a temp file renamed or removed while we walked
    return total


def job_folders(config: Config, older_than: datetime) -> dict[str, Path]:
    """Job folders (by id) last changed before `older_than`."""
    if not config.jobs_dir.is_dir():
        return {}
    limit = older_than.timestamp()
    return {
        p.name: p
        for p in config.jobs_dir.iterdir()
        if is_id(p.name) and p.is_dir() and p.stat().st_mtime < limit
    }


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def drop_stage_records(config: Config, job_id: str) -> None:
    """Forget every finished stage, so the next run recomputes all of them (retry with force)."""
    remove_tree(job_dir(config, job_id) / layout.STAGES_DIR)
    store = bucket(config)
    if store is not None:
        store.delete_prefix(objects.job_key(job_id, layout.STAGES_DIR) + "/")
