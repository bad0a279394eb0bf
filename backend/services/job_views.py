"""The `Job` serializer, shared by REST and Socket.IO (one shape, built in one place)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, literal, select

from backend.extensions import db
from backend.models import Clip, Job, JobStatus, Publication, PublicationStatus, RenderStatus
from backend.pipeline.options import JobOptions
from backend.pipeline.options import stored as stored_options
from backend.pipeline.stages import bands_for, specs_for
from backend.schemas.jobs import JobDetail, JobOut
from backend.services import clips as clip_service
from backend.services import publications as pub_service

EPOCH = datetime.fromtimestamp(0, UTC)  # an item with no queue time sorts first


def queue_positions() -> dict[str, int]:
    """1-based position of every queued job in the shared queue (higher priority, then FIFO),
    counting the queued re-renders and publications ahead of it: they share the workers."""
    jobs = select(Job.id, Job.priority, Job.queued_at, literal(True)).where(
        Job.status == JobStatus.QUEUED.value
    )
    renders = (
        select(Clip.id, Job.priority, Clip.render_queued_at, literal(False))
        .join(Job, Job.id == Clip.job_id)
        .where(Clip.render_status == RenderStatus.QUEUED.value)
    )
    pubs = (
        select(Publication.id, func.coalesce(Job.priority, 5), Publication.queued_at, literal(False))
        .outerjoin(Job, Job.id == Publication.job_id)
        .where(Publication.status == PublicationStatus.QUEUED.value)
    )
    rows: list[Any] = [tuple(row) for query in (jobs, renders, pubs) for row in db.session.execute(query)]
    rows.sort(key=lambda row: (-int(row[1]), row[2] or EPOCH, str(row[0])))
    return {str(row[0]): index for index, row in enumerate(rows, 1) if row[3]}


def clip_counts(job_ids: list[str]) -> dict[str, int]:
    if not job_ids:
        return {}
    rows = db.session.execute(
        select(Clip.job_id, func.count()).where(Clip.job_id.in_(job_ids)).group_by(Clip.job_id)
    )
    return {job_id: int(count) for job_id, count in rows}


def stage_plan(job: Job) -> list[dict[str, Any]]:
    """The stages this job's options call for, with their progress bands (the dashboard draws
    exactly these, so an optional stage shows only on the jobs that have it)."""
    try:
        options = stored_options(job.options)
    except ValueError:  # a row the current rules refuse still shows the default plan
        options = JobOptions.model_validate({})
    specs = specs_for(options)
    bands = bands_for(specs)
    return [
        {"name": s.name, "label": s.label, "start": bands[s.name][0], "end": bands[s.name][1]} for s in specs
    ]


def job_out(job: Job, *, clip_count: int | None = None, position: int | None = None) -> JobOut:
    data = {name: getattr(job, name) for name in JobOut.model_fields if hasattr(job, name)}
    data["clip_count"] = clip_counts([job.id]).get(job.id, 0) if clip_count is None else clip_count
    data["stages"] = stage_plan(job)
    if job.status == JobStatus.QUEUED.value:
        data["queue_position"] = position if position is not None else queue_positions().get(job.id)
    return JobOut.model_validate(data)


def detail_out(job: Job) -> JobDetail:
    clips = clip_service.of_job(job.id)
    base = job_out(job, clip_count=len(clips)).model_dump()
    publications = [pub_service.serialize(p) for p in job.publications]
    return JobDetail.model_validate(
        {**base, "clips": [clip_service.serialize(c) for c in clips], "publications": publications}
    )


def serialize(job: Job) -> dict[str, Any]:
    return job_out(job).model_dump(mode="json")


def serialize_detail(job: Job) -> dict[str, Any]:
    return detail_out(job).model_dump(mode="json")


def serialize_page(jobs: list[Job]) -> list[dict[str, Any]]:
    counts = clip_counts([job.id for job in jobs])
    positions = queue_positions() if any(j.status == JobStatus.QUEUED.value for j in jobs) else {}
    return [
        job_out(j, clip_count=counts.get(j.id, 0), position=positions.get(j.id)).model_dump(mode="json")
        for j in jobs
    ]
