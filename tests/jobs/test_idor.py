"""Every endpoint that takes a job or clip id answers 404 for another user's resource."""

from __future__ import annotations

from flask.testing import FlaskClient

from backend.work.threads import JobManager
from tests.jobs.helpers import upload, wait_status
from tests.media import Talk


def test_other_users_ids_are_404_everywhere(
    client: FlaskClient,
    auth_headers: dict[str, str],
    other_headers: dict[str, str],
    manager: JobManager,
    media: Talk,
) -> None:
    job_id = upload(client, auth_headers, media).get_json()["id"]
    assert wait_status(client, auth_headers, job_id, "completed", "failed")["status"] == "completed"
    clip_id = client.get(f"/api/v1/jobs/{job_id}", headers=auth_headers).get_json()["clips"][0]["id"]
    calls = [
        ("get", f"/api/v1/jobs/{job_id}", None),
        ("get", f"/api/v1/jobs/{job_id}/events", None),
        ("get", f"/api/v1/jobs/{job_id}/transcript", None),
        ("post", f"/api/v1/jobs/{job_id}/cancel", {}),
        ("post", f"/api/v1/jobs/{job_id}/retry", {}),
        ("delete", f"/api/v1/jobs/{job_id}", None),
        ("get", f"/api/v1/clips/{clip_id}", None),
        ("patch", f"/api/v1/clips/{clip_id}", {"title": "mine now"}),
        ("get", f"/api/v1/clips/{clip_id}/video", None),
        ("get", f"/api/v1/clips/{clip_id}/video?download=1", None),
        ("get", f"/api/v1/clips/{clip_id}/thumbnail", None),
        ("get", f"/api/v1/clips/{clip_id}/captions.vtt", None),
        ("get", f"/api/v1/clips/{clip_id}/captions.srt", None),
        ("delete", f"/api/v1/clips/{clip_id}", None),
    ]
    for method, url, body in calls:
        response = getattr(client, method)(url, json=body, headers=other_headers)
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/clips?job_id={job_id}", headers=other_headers).get_json()["total"] == 0
    assert client.get("/api/v1/jobs", headers=other_headers).get_json()["total"] == 0
    # ...and the owner still has everything.
    assert client.get(f"/api/v1/clips/{clip_id}", headers=auth_headers).status_code == 200
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        assert client.get(f"/api/v1/jobs/{bad}", headers=auth_headers).status_code == 404
        assert client.get(f"/api/v1/clips/{bad}/video", headers=auth_headers).status_code == 404


def test_clip_patch_and_delete(
    client: FlaskClient, auth_headers: dict[str, str], manager: JobManager, media: Talk
) -> None:
    job_id = upload(client, auth_headers, media).get_json()["id"]
    wait_status(client, auth_headers, job_id, "completed", "failed")
    clips = client.get(f"/api/v1/clips?job_id={job_id}", headers=auth_headers).get_json()["items"]
    assert [c["score"] for c in clips] == sorted((c["score"] for c in clips), reverse=True)
    patched = client.patch(
        f"/api/v1/clips/{clips[0]['id']}", json={"title": "Better", "tags": ["a"]}, headers=auth_headers
    )
    assert patched.status_code == 200 and patched.get_json()["title"] == "Better"
    assert (
        client.patch(
            f"/api/v1/clips/{clips[0]['id']}", json={"path": "/etc"}, headers=auth_headers
        ).status_code
        == 400
    )
    assert client.delete(f"/api/v1/clips/{clips[0]['id']}", headers=auth_headers).status_code == 204
    assert client.get(f"/api/v1/clips/{clips[0]['id']}/video", headers=auth_headers).status_code == 404
    assert (
        client.get(f"/api/v1/jobs/{job_id}", headers=auth_headers).get_json()["clip_count"] == len(clips) - 1
    )
