"""The object-store module against a real S3 server (SeaweedFS), and the storage settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backend.config import Config, ConfigError, finalize
from backend.services.objects import ObjectStore, ObjectStoreError, job_key, job_prefix
from tests.storage.conftest import S3Server, s3_config


def test_put_fetch_list_range_and_delete(store: ObjectStore, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    payload = os.urandom(17 * 1024 * 1024 + 123)  # over MULTIPART_BYTES: a multipart upload
    big.write_bytes(payload)
    store.put_file(big, job_key("j1", "source/source.mp4"))
    (tmp_path / "small.json").write_text("{}")
    store.put_file(tmp_path / "small.json", job_key("j1", ".stages/downloading.json"))

    assert store.exists(job_key("j1", "source/source.mp4"))
    assert not store.exists(job_key("j1", "missing.mp4"))
    listed = {obj.key: obj.size for obj in store.list_prefix(job_prefix("j1"))}
    assert listed == {"jobs/j1/source/source.mp4": len(payload), "jobs/j1/.stages/downloading.json": 2}
    assert store.child_prefixes("jobs/") == ["j1"]

    target = tmp_path / "copy" / "source.mp4"
    assert store.fetch(job_key("j1", "source/source.mp4"), target)
    assert target.read_bytes() == payload
    assert sorted(p.name for p in target.parent.iterdir()) == ["source.mp4"]  # no temp file left behind
    assert not store.fetch(job_key("j1", "missing.mp4"), tmp_path / "missing.mp4")
    assert not (tmp_path / "missing.mp4").exists()

    stream = store.open_range(job_key("j1", "source/source.mp4"), 1000, 1999)
    assert stream is not None and stream.obj.size == len(payload)
    assert b"".join(stream.chunks()) == payload[1000:2000]

    assert store.delete_prefix(job_prefix("j1")) == 2
    assert store.list_prefix(job_prefix("j1")) == []


def test_wrong_credentials_are_refused_without_echoing_the_secret(
    s3_server: S3Server, store: ObjectStore
) -> None:
    wrong = s3_config(s3_server, store.bucket).with_overrides(s3_secret_access_key="not-the-secret-xyz")
    with pytest.raises(ObjectStoreError) as refused:
        ObjectStore(wrong).list_prefix("jobs/")
    assert "not-the-secret-xyz" not in str(refused.value)


def _checked(**settings: str) -> Config:
    base = Config(app_env="production", secret_key="s" * 40, jwt_secret_key="j" * 40)
    return finalize(base.with_overrides(**settings))


def test_storage_settings_are_validated() -> None:
    assert _checked().storage_backend == "local"  # the default needs nothing
    with pytest.raises(ConfigError, match="STORAGE_BACKEND"):
        _checked(storage_backend="gcs")
    with pytest.raises(ConfigError, match="S3_BUCKET"):
        _checked(storage_backend="s3")
    with pytest.raises(ConfigError, match="together"):
        _checked(storage_backend="s3", s3_bucket="media", s3_access_key_id="key")
    ok = _checked(
        storage_backend="s3", s3_bucket="media", s3_access_key_id="key", s3_secret_access_key="hush-42"
    )
    assert ok.uses_bucket and "hush-42" not in repr(ok)
    env = Config.from_mapping({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "STORAGE_CACHE_BYTES": "1000"})
    assert env.storage_cache_bytes == 1000 and env.s3_bucket == "b"
