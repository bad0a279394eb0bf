"""Cancel reaches `cancelled` within 3 s in every stage and leaves no child process behind."""

from __future__ import annotations

import functools
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.work.threads import JobManager
from tests.jobs.helpers import FAST_OPTIONS, children, job, upload, wait_for
from tests.jobs.stages import Stalled, processor_with
from tests.media import Talk, talk, video_page


class _Throttled(SimpleHTTPRequestHandler):
    """Serves the video at ~100 KB/s, so a download is still running when we cancel it."""

    def copyfile(self, source: Any, outputfile: Any) -> None:
        if not self.path.split("?")[0].endswith(".mp4"):
            return super().copyfile(source, outputfile)
        while block := source.read(8192):
            try:
                outputfile.write(block)
            except (BrokenPipeError, ConnectionResetError):
                return
            time.sleep(0.08)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def slow_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("slow-site")
    media = talk()
    video_page(folder, media.video, media.vtt)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Throttled, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def config_overrides(slow_site: str) -> dict[str, Any]:
    return {"allowed_source_hosts": (slow_site,), "cancel_wait_seconds": 3.0}


def cancel_and_time(
    client: FlaskClient, headers: dict[str, str], job_id: str
) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    response = client.post(f"/api/v1/jobs/{job_id}/cancel", json={"reason": "test"}, headers=headers)
    assert response.status_code == 200, response.get_json()
    final = wait_for(lambda: (j := job(client, headers, job_id))["status"] == "cancelled" and j, timeout=5)
    return time.monotonic() - started, final


def test_cancel_during_download(
    client: FlaskClient, auth_headers: dict[str, str], manager: JobManager, slow_site: str
) -> None:
    body = {"source_url": f"http://{slow_site}/index.html", "options": FAST_OPTIONS}
    job_id = client.post("/api/v1/jobs", json=body, headers=auth_headers).get_json()["id"]
    wait_for(
        lambda: (j := job(client, auth_headers, job_id))["stage"] == "downloading" and j["progress"] > 0,
        timeout=30,
    )
    elapsed, final = cancel_and_time(client, auth_headers, job_id)
    assert elapsed < 3.0 and final["stage"] is None and final["error_message"] is None
    assert children() == []
    source_dir = Path(manager.config.jobs_dir) / job_id / "source"
    # yt-dlp's partial file keeps its .part name: nothing half-written looks like a finished video.
    assert not any(p.name == "source.mp4" for p in source_dir.glob("*")) if source_dir.exists() else True


@pytest.mark.parametrize("stage", ["transcribing", "analyzing", "rendering"])
def test_cancel_during_stage(
    app: Flask,
    client: FlaskClient,
    auth_headers: dict[str, str],
    manager: JobManager,
    media: Talk,
    stage: str,
) -> None:
    manager.factory = processor_with(stage, Stalled)
    job_id = upload(client, auth_headers, media).get_json()["id"]
    wait_for(lambda: job(client, auth_headers, job_id)["stage"] == stage, timeout=30)
    wait_for(lambda: any(name == "ffmpeg" for _pid, name in children()), timeout=10)
    elapsed, final = cancel_and_time(client, auth_headers, job_id)
    assert elapsed < 3.0, elapsed
    assert children() == [], "the stage's ffmpeg process group was killed and reaped"
    events = client.get(f"/api/v1/jobs/{job_id}/events", headers=auth_headers).get_json()
    assert [e["type"] for e in events][-2:] == ["cancel_requested", "status"]
    assert final["status"] == "cancelled" and final["clip_count"] == 0
    clips_dir = Path(manager.config.jobs_dir) / job_id / "clips"
    assert not any(clips_dir.glob("*.mp4")) if clips_dir.exists() else True
    shutil.rmtree(Path(manager.config.jobs_dir) / job_id, ignore_errors=True)


def test_delete_during_download_leaves_no_file_behind(
    client: FlaskClient, auth_headers: dict[str, str], manager: JobManager, slow_site: str
) -> None:
    body = {"source_url": f"http://{slow_site}/index.html", "options": FAST_OPTIONS}
    job_id = client.post("/api/v1/jobs", json=body, headers=auth_headers).get_json()["id"]
    folder = Path(manager.config.jobs_dir) / job_id
    wait_for(lambda: any(folder.rglob("*.part")), timeout=30)
    assert client.delete(f"/api/v1/jobs/{job_id}", headers=auth_headers).status_code == 204
    assert client.get(f"/api/v1/jobs/{job_id}", headers=auth_headers).status_code == 404
    wait_for(lambda: not folder.exists() and not children(), timeout=10)


class _Stubborn:
    """A stage that ignores a cancel for a while and keeps writing (a worker that outlives the
    delete's wait): what it writes after the delete must still be removed."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name = inner, inner.name

    def run(self, ctx: Any, state: Any) -> dict[str, Any]:
        part = ctx.job_dir / "source" / "late.part"
        part.parent.mkdir(parents=True, exist_ok=True)
        while not ctx.cancel.cancelled:
            time.sleep(0.05)
        time.sleep(0.6)  # past the delete's wait
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(b"written after the delete returned")
        ctx.cancel.raise_if_cancelled()
        return {}

    def restore(self, ctx: Any, state: Any, record: dict[str, Any]) -> bool:
        return False


def test_delete_of_a_worker_that_outlives_the_wait_removes_its_late_files(
    client: FlaskClient, auth_headers: dict[str, str], manager: JobManager, media: Talk
) -> None:
    manager.factory = processor_with("transcribing", _Stubborn)
    manager.lifecycle.config = manager.config.with_overrides(cancel_wait_seconds=0.1)
    job_id = upload(client, auth_headers, media).get_json()["id"]
    wait_for(lambda: job(client, auth_headers, job_id)["stage"] == "transcribing", timeout=30)
    assert client.delete(f"/api/v1/jobs/{job_id}", headers=auth_headers).status_code == 204
    folder = Path(manager.config.jobs_dir) / job_id
    time.sleep(1.0)
    wait_for(lambda: not folder.exists(), timeout=5)
