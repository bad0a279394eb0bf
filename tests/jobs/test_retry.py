"""Retry resumes from the failed stage (earlier stages reused, visible in events); force redoes all."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from backend.work.threads import JobManager
from tests.jobs.helpers import upload, wait_status
from tests.jobs.stages import FailOnce, processor_with
from tests.media import Talk


def attempts(events: list[dict[str, Any]]) -> list[list[tuple[str, str]]]:
    """Stage events split per run (a run starts at its 'Processing' status event)."""
    runs: list[list[tuple[str, str]]] = []
    for event in events:
        if event["type"] == "status" and (event["message"] or "").startswith("Processing"):
            runs.append([])
        elif event["type"].startswith("stage_") and runs:
            runs[-1].append((event["type"], event["stage"]))
    return runs


def test_retry_resumes_from_the_failed_stage(
    client: FlaskClient, auth_headers: dict[str, str], manager: JobManager, media: Talk
) -> None:
    manager.factory = processor_with("analyzing", FailOnce)
    job_id = upload(client, auth_headers, media).get_json()["id"]
    failed = wait_status(client, auth_headers, job_id, "failed", "completed")
    assert failed["status"] == "failed" and "timed out" in failed["error_message"]
    events = client.get(f"/api/v1/jobs/{job_id}/events", headers=auth_headers).get_json()
    assert any(e["type"] == "error" and e["stage"] == "analyzing" for e in events)

    assert client.post(f"/api/v1/jobs/{job_id}/retry", json={}, headers=auth_headers).status_code == 200
    done = wait_status(client, auth_headers, job_id, "completed", "failed")
    assert done["status"] == "completed" and done["clip_count"] >= 1
    runs = attempts(client.get(f"/api/v1/jobs/{job_id}/events", headers=auth_headers).get_json())
    assert len(runs) == 2
    second = runs[1]
    assert ("stage_skipped", "downloading") in second and ("stage_skipped", "transcribing") in second
    assert ("stage_completed", "analyzing") in second and ("stage_completed", "rendering") in second

    # force: nothing is reused
    manager.factory = processor_with("analyzing", FailOnce)  # its flag exists: it passes now
    from backend.extensions import db
    from backend.models import Job

    with manager.app.app_context():
        row = db.session.get(Job, job_id)
        assert row is not None
        row.status = "failed"  # a finished job cannot be retried; simulate a later failure
        db.session.commit()
    assert (
        client.post(f"/api/v1/jobs/{job_id}/retry", json={"force": True}, headers=auth_headers).status_code
        == 200
    )
    again = wait_status(client, auth_headers, job_id, "completed", "failed")
    assert again["status"] == "completed"
    third = attempts(client.get(f"/api/v1/jobs/{job_id}/events", headers=auth_headers).get_json())[2]
    assert not any(kind == "stage_skipped" for kind, _ in third)
    clips = client.get(f"/api/v1/clips?job_id={job_id}", headers=auth_headers).get_json()
    assert clips["total"] == again["clip_count"], "re-runs replace clips, never duplicate them"
