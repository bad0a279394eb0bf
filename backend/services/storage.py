"""Where a job's files live, and the only way the API turns a stored relative path into a file.

The folder layout of a job is `backend.pipeline.layout`.

Uploads are first streamed to DATA_DIR/jobs/.incoming/ (same filesystem), then renamed into the
job's folder, so a half-received upload never appears inside a job.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import IO

from backend.config import Config
from backend.errors import NotFound
from backend.pipeline import layout

INCOMING = ".incoming"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_id(value: str) -> bool:
    """Ids are our own UUIDs: anything else cannot name a stored job or clip."""
    return bool(_UUID.match(value))


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


def resolve_in_job(config: Config, job_id: str, relative: str | None) -> Path:
    """The file `relative` names inside the job's folder; 404 if missing or outside of it."""
    if not relative:
        raise NotFound("The file is not available.")
    root = job_dir(config, job_id).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound("The file is not available.")
    return path


def uploaded_source(config: Config, job_id: str) -> Path | None:
    folder = job_dir(config, job_id) / layout.UPLOAD_DIR
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    return files[0] if files else None


def uploaded_captions(config: Config, job_id: str) -> Path | None:
    folder = job_dir(config, job_id) / layout.SOURCE_DIR
    for name in layout.CAPTION_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


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
    return {p.name: p for p in config.jobs_dir.iterdir()
            if is_id(p.name) and p.is_dir() and p.stat().st_mtime < limit}  # fmt: skip


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def drop_stage_records(config: Config, job_id: str) -> None:
    """Forget every finished stage, so the next run recomputes all of them (retry with force)."""
    remove_tree(job_dir(config, job_id) / layout.STAGES_DIR)
