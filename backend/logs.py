"""Structured logs: one line per record, key=value fields, the job id when there is one."""

from __future__ import annotations

import logging
import sys

from backend.config import Config

_FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s %(job)smsg=%(message)s"


class _JobField(logging.Filter):
    """Adds `job=<id> ` to records that carry a job id (LoggerAdapter extra), '' otherwise."""

    def filter(self, record: logging.LogRecord) -> bool:
        job_id = getattr(record, "job_id", None)
        record.job = f"job={job_id} " if job_id else ""
        return True


def configure_logging(config: Config) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_viral_clipper", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(_JobField())
    handler._viral_clipper = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.WARNING if config.app_env == "test" else logging.INFO)
