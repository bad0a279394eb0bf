"""Socket events are typed in one place and sent through an injected emitter."""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from pydantic import BaseModel

from backend.realtime.emitter import check_payload
from backend.realtime.events import JobProgress, SocketEvents
from backend.schemas.jobs import JobDetail, JobOut
from backend.work.threads import JobManager
from tests.jobs.helpers import upload, wait_for, wait_status
from tests.media import Talk


class Recording:
    """An emitter of the test's own: the lifecycle is given it instead of Socket.IO."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, BaseModel]] = []
        self.lock = threading.Lock()

    def emit(self, user_id: str, event: str, payload: BaseModel) -> None:
        check_payload(event, payload)
        with self.lock:
            self.sent.append((user_id, event, payload))


def test_a_job_emits_typed_payloads_through_the_injected_emitter(
    client: FlaskClient, auth_headers: dict[str, str], manager: JobManager, media: Talk
) -> None:
    recording = Recording()
    manager.lifecycle.emitter = recording
    job_id = upload(client, auth_headers, media).get_json()["id"]
    wait_status(client, auth_headers, job_id, "completed")
    # The event follows the commit the status poll saw: wait for it rather than race it.
    wait_for(lambda: any(event == "job_completed" for _u, event, _p in recording.sent), timeout=10)
    kinds = {event: type(payload) for _user, event, payload in recording.sent}
    assert kinds == {"job_status_changed": JobOut, "job_progress": JobProgress, "job_completed": JobDetail}
    progress = [p for _u, e, p in recording.sent if e == "job_progress"]
    assert isinstance(progress[0], JobProgress) and progress[0].job_id == job_id
    assert [e for _u, e, _p in recording.sent][-1] == "job_completed"


def test_a_wrong_event_or_payload_is_refused_where_it_is_made() -> None:
    with pytest.raises(ValueError):
        check_payload("job_exploded", JobProgress.model_construct())
    with pytest.raises(TypeError):
        check_payload("job_completed", JobProgress.model_construct())
    names = {
        "job_status_changed",
        "job_progress",
        "job_completed",
        "job_failed",
        "publication_progress",
        "publication_updated",
        "clip_updated",
    }
    assert set(SocketEvents.model_fields) == names
