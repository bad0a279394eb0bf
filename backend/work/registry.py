"""The kinds of work this server runs. Adding a kind is its module plus one line here."""

from __future__ import annotations

from backend.work.job import JobLifecycle
from backend.work.job_run import JobRun
from backend.work.kinds import Kind, WorkContext, WorkKind
from backend.work.publication import PublicationKind
from backend.work.rerender import RenderKind

KINDS: tuple[type[WorkKind], ...] = (JobRun, RenderKind, PublicationKind)


def build(ctx: WorkContext) -> dict[str, WorkKind]:
    """One instance of every kind, sharing the process's context."""
    return {str(cls.kind): cls(ctx) for cls in KINDS}


def job_kind(kinds: dict[str, WorkKind]) -> JobLifecycle:
    kind = kinds[Kind.JOB]
    assert isinstance(kind, JobLifecycle)
    return kind
