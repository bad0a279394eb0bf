"""The object store (STORAGE_BACKEND=s3): any S3-compatible bucket, through boto3.

Keys mirror the local layout: `jobs/<job id>/<path relative to the job folder>`. Only this
module talks to boto3; the rest of the backend sees `ObjectStore` and plain data.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from backend.config import Config

JOBS_PREFIX = "jobs/"
# Files above this go up (and come down) as multipart transfers in parallel parts; a re-sent
# part costs 16 MiB, not the whole source.
MULTIPART_BYTES = 16 * 1024 * 1024
STREAM_CHUNK = 256 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}


class ObjectStoreError(RuntimeError):
    """The bucket refused or could not be reached (the message never carries credentials)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    last_modified: datetime
    etag: str


@dataclass
class RangedStream:
    """The bytes [start, end] of an object (both inclusive), read in chunks as they are sent."""

    obj: StoredObject
    start: int
    end: int
    _body: Any

    def chunks(self) -> Iterator[bytes]:
        try:
            yield from self._body.iter_chunks(STREAM_CHUNK)
        finally:
            self.close()

    def close(self) -> None:
        self._body.close()


def job_prefix(job_id: str) -> str:
    return f"{JOBS_PREFIX}{job_id}/"


def job_key(job_id: str, relative: str) -> str:
    return job_prefix(job_id) + Path(relative).as_posix().lstrip("/")


class ObjectStore:
    def __init__(self, config: Config) -> None:
        self.bucket = config.s3_bucket
        credentials = {}
        if config.s3_access_key_id:
            credentials = {
                "aws_access_key_id": config.s3_access_key_id,
                "aws_secret_access_key": config.s3_secret_access_key,
            }
        self._client = boto3.session.Session().client(
            "s3",
            endpoint_url=config.s3_endpoint_url or None,
            region_name=config.s3_region or None,
            # Path-style addressing: self-hosted stores (MinIO, SeaweedFS) have no per-bucket DNS.
            config=BotoConfig(
                s3={"addressing_style": "path"},
                connect_timeout=10,
                read_timeout=60,
                retries={"max_attempts": 5, "mode": "standard"},
            ),
            **credentials,
        )
        self._transfer = TransferConfig(
            multipart_threshold=MULTIPART_BYTES, multipart_chunksize=MULTIPART_BYTES
        )

    def put_file(self, path: Path, key: str) -> None:
        """Upload a local file; returns once the store has acknowledged every part."""
        self._call(self._client.upload_file, str(path), self.bucket, key, Config=self._transfer)

    def fetch(self, key: str, path: Path) -> bool:
        """Download to `path` atomically (temp file + rename); False when there is no such object."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        os.close(fd)
        try:
            self._client.download_file(self.bucket, key, tmp, Config=self._transfer)
            os.replace(tmp, path)
            return True
        except ClientError as exc:
            if _is_missing(exc):
                return False
            raise ObjectStoreError(_describe(exc)) from None
        finally:
            Path(tmp).unlink(missing_ok=True)

    def head(self, key: str) -> StoredObject | None:
        try:
            meta = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise ObjectStoreError(_describe(exc)) from None
        return StoredObject(key, int(meta["ContentLength"]), meta["LastModified"], str(meta.get("ETag", "")))

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def list_prefix(self, prefix: str) -> list[StoredObject]:
        found: list[StoredObject] = []
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        try:
            for page in pages:
                found += [_listed(item) for item in page.get("Contents", [])]
        except ClientError as exc:
            raise ObjectStoreError(_describe(exc)) from None
        return found

    def child_prefixes(self, prefix: str) -> list[str]:
        """The "folders" directly under `prefix` (e.g. every job id under jobs/)."""
        names: list[str] = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, Delimiter="/"
        )
        try:
            for page in pages:
                names += [p["Prefix"][len(prefix) :].rstrip("/") for p in page.get("CommonPrefixes", [])]
        except ClientError as exc:
            raise ObjectStoreError(_describe(exc)) from None
        return names

    def delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            answer = self._call(
                self._client.delete_objects, Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
            )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise ObjectStoreError(f"Could not delete {first.get('Key')}: {first.get('Code')}")

    def delete_prefix(self, prefix: str) -> int:
        keys = [obj.key for obj in self.list_prefix(prefix)]
        self.delete_keys(keys)
        return len(keys)

    def open_range(self, key: str, start: int, end: int) -> RangedStream | None:
        """A stream of bytes start..end (inclusive); None when there is no such object."""
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end}")
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise ObjectStoreError(_describe(exc)) from None
        total = int(str(answer.get("ContentRange", "")).rpartition("/")[2] or answer["ContentLength"])
        obj = StoredObject(key, total, answer["LastModified"], str(answer.get("ETag", "")))
        return RangedStream(obj, start, end, answer["Body"])

    def create_bucket(self) -> None:
        """For set-ups and tests: the bucket, unless it already exists."""
        try:
            self._client.create_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise ObjectStoreError(_describe(exc)) from None

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ClientError as exc:
            raise ObjectStoreError(_describe(exc)) from None
        except Exception as exc:  # boto3's transfer manager wraps failures in its own types
            raise ObjectStoreError(f"{type(exc).__name__}: {exc}") from None


def _listed(item: dict[str, Any]) -> StoredObject:
    return StoredObject(item["Key"], int(item["Size"]), item["LastModified"], str(item.get("ETag", "")))


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _is_missing(exc: ClientError) -> bool:
    return _code(exc) in _MISSING


def _describe(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return f"The object store answered {error.get('Code', '?')}: {error.get('Message', '')}".strip()


_stores: dict[tuple[int, str, str, str, str, str], ObjectStore] = {}
_stores_lock = threading.Lock()


def store_for(config: Config) -> ObjectStore:
    """One client per bucket and process (boto3 clients are thread-safe and pool connections)."""
    # The pid too: a client's connection pool must not be shared with a forked child.
    ident = (
        os.getpid(),
        config.s3_endpoint_url,
        config.s3_bucket,
        config.s3_region,
        config.s3_access_key_id,
        config.s3_secret_access_key,
    )
    with _stores_lock:
        if ident not in _stores:
            _stores[ident] = ObjectStore(config)
        return _stores[ident]
