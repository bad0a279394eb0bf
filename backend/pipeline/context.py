"""What every stage receives: the job's paths, options, progress reporter and cancel token.

This module is the seam between the pipeline and its two callers (the server's worker and the
`process` CLI). Neither caller's details (database, Socket.IO, terminal) leak in here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from backend.config import Config
from backend.pipeline.cancel import CancelToken
from backend.pipeline.criteria import CriterionText
from backend.pipeline.options import JobOptions
from backend.pipeline.progress import ProgressReporter
from backend.pipeline.remote import RemoteFiles
from backend.pipeline.sources import Source


@dataclass
class JobContext:
    job_id: str
    job_dir: Path
    source: Source
    options: JobOptions
    config: Config
    reporter: ProgressReporter
    criteria: list[CriterionText] = field(default_factory=list)
    cancel: CancelToken = field(default_factory=CancelToken)
    force: bool = False
    remote: RemoteFiles | None = None  # the folder's durable copy when the folder is only a cache
    logger: logging.LoggerAdapter[logging.Logger] = field(
        default_factory=lambda: logging.LoggerAdapter(logging.getLogger("backend.pipeline"), {})
    )
