"""The storage tests' real S3 server: SeaweedFS (tests/storage/weed.py), started once per session
on free loopback ports with its data in a temp dir, stopped at the end. Each test gets its own
bucket, so leftovers never leak between tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from backend.config import Config
from backend.services.objects import ObjectStore
from tests.storage import weed


@dataclass(frozen=True)
class S3Server:
    endpoint: str


@pytest.fixture(scope="package")  # stopped when tests/storage end: later tests count our children
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    try:
        with weed.seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as endpoint:
            yield S3Server(endpoint)
    except weed.WeedError as exc:
        pytest.fail(str(exc))


def s3_config(server: S3Server, bucket: str) -> Config:
    return weed.s3_config(server.endpoint, bucket)


def s3_settings(server: S3Server, bucket: str) -> dict[str, Any]:
    c = s3_config(server, bucket)
    names = (
        "storage_backend",
        "s3_endpoint_url",
        "s3_bucket",
        "s3_region",
        "s3_access_key_id",
        "s3_secret_access_key",
    )
    return {name: getattr(c, name) for name in names}


@pytest.fixture
def bucket_name() -> str:
    return f"vc-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def store(s3_server: S3Server, bucket_name: str) -> ObjectStore:
    created = ObjectStore(s3_config(s3_server, bucket_name))
    created.create_bucket()
    return created


@pytest.fixture
def config_overrides(s3_server: S3Server, bucket_name: str, store: ObjectStore) -> dict[str, Any]:
    """Every app of these tests stores into this test's bucket."""
    return s3_settings(s3_server, bucket_name)
