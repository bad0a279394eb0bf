"""The job option `publish`: the best clips of a completed pipeline go to the linked channel.

Publications are created through the same service as POST /clips/{id}/publish (same rules:
rights, duplicates, relink), then run on the worker pool like any other. The job stays
`processing` at stage `uploading` until none of its publications is still running; whoever
ends the last one completes the job (`JobLifecycle.uploads_ended`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from backend.config import Config
from backend.errors import ApiError
from backend.models import Clip, Job
from backend.pipeline.options import PublishOption
from backend.realtime.emitter import Emitter
from backend.schemas.publications import PublishIn
from backend.services import publications as pub_service
from backend.services.youtube import account_of


@dataclass
class Deferred:
    """A Dispatcher that only records: the uploads start once every publication row exists, so
    the first one to end cannot find "nothing running" while the others are still being created."""

    submitted: list[str] = field(default_factory=list)

    def submit(self, job_id: str, priority: int, force: bool = False, kind: str = pub_service.KIND) -> None:
        self.submitted.append(job_id)

    def cancel(self, job_id: str, wait: float) -> bool:
        return False


def unavailable(config: Config, user_id: str) -> str | None:
    """Why nothing can be published for this user, or None."""
    if not config.youtube_configured:
        return "Not published: YouTube is not configured on this server."
    account = account_of(user_id)
    if account is None:
        return "Not published: no YouTube channel is linked (Settings → YouTube)."
    if account.needs_relink:
        return "Not published: Google no longer accepts the link to your channel; re-link YouTube."
    return None


def best(clips: list[Clip], top: int) -> list[Clip]:
    return sorted(clips, key=lambda c: (-c.score, c.rank))[:top]


def create(
    job: Job, clips: list[Clip], option: PublishOption, config: Config, emitter: Emitter, deferred: Deferred
) -> list[str]:
    """One publication per chosen clip (each committed by the service); the reasons of the ones
    skipped, as the job's warnings. The created ones are in `deferred.submitted`."""
    skipped = []
    for clip in best(clips, option.top):
        try:
            body = PublishIn.model_validate(
                {"privacy_status": option.privacy_status, "publish_at": option.publish_at}
            )
            pub_service.create(job.user_id, clip.id, body, config, deferred, emitter)
        except ApiError as err:  # e.g. rights_confirmation_required: the user must confirm per clip
            skipped.append(f"Clip {clip.rank} not published: {err.message}")
        except ValidationError:  # publish_at passed while the job ran
            skipped.append(f"Clip {clip.rank} not published: publish_at is no longer in the future.")
    return skipped
