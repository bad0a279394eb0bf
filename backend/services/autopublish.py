"""The job option `publish`: once a job's clips are rendered, its best clips go to the linked
channel as child publication items (Job.publications), created through the same rules as
POST /clips/{id}/publish (rights, duplicates, relink, the active limit) and run like any other
publication. The job is already `completed`: its publications end on their own.
"""

from __future__ import annotations

from pydantic import ValidationError

from backend.config import Config
from backend.errors import ApiError
from backend.extensions import db
from backend.models import Clip, Job, Publication
from backend.pipeline.options import PublishOption
from backend.realtime.emitter import Emitter
from backend.schemas.publications import PublishIn
from backend.services import publications as pub_service
from backend.services.youtube import account_of


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
    job: Job, clips: list[Clip], option: PublishOption, config: Config, emitter: Emitter
) -> tuple[list[Publication], list[str]]:
    """One committed publication per chosen clip, and the reasons of the ones skipped (the
    job's warnings). The caller submits the created ones."""
    why_not = unavailable(config, job.user_id)
    if why_not:
        return [], [why_not]
    created, skipped = [], []
    for clip in best(clips, option.top):
        try:
            body = PublishIn.model_validate(
                {"privacy_status": option.privacy_status, "publish_at": option.publish_at}
            )
            pub = pub_service.insert(job.user_id, clip.id, body, config)
            db.session.commit()
            emitter.emit(job.user_id, "publication_updated", pub_service.out(pub))
            created.append(pub)
        except ApiError as err:  # e.g. rights_confirmation_required: the user must confirm per clip
            skipped.append(f"Clip {clip.rank} not published: {err.message}")
        except ValidationError:  # publish_at passed while the job ran
            skipped.append(f"Clip {clip.rank} not published: publish_at is no longer in the future.")
    return created, skipped
