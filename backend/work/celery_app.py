"""JOB_BACKEND=celery: the Celery application on Redis and the web processes' `CeleryDispatcher`.

The queue holds only (kind, id, force) messages, exactly like the JobManager's heap: the row stays
the source of truth, and the worker claims it atomically before running it (a re-delivered message
is then a no-op, or a resume). Besides the broker, Redis holds two short-lived marks per item:
`running` (set by the worker running it, refreshed with its heartbeat) and `cancel` (set by any web
process). They let a cancel reach whichever worker runs the item and wait for it to end.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from celery import Celery

from backend.config import Config
from backend.services import jobs as job_service

TASK = "viral_clipper.run_item"
QUEUE = "viral_clipper"
# Kombu's Redis transport keeps one list per step and always pops the lowest step first.
PRIORITY_STEPS = list(range(10))
CANCEL_POLL = 0.1  # s between two looks at the running mark while a cancel waits
# How long a stale mark may outlive a worker that died without removing it.
MARK_TTL_MARGIN = 5.0


def make_celery(config: Config) -> Celery:
    app = Celery("viral_clipper", broker=config.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # the rows are the results
        # A message is acknowledged only once its item ended, and given back if the worker dies
        # (the claims make the second delivery a no-op or a resume, never a duplicate).
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One reserved message per pool slot: a long render must not sit on messages that an idle
        # worker could start now.
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        broker_transport_options={
            # Redis re-delivers an unacknowledged message after this long (1 h by default): more
            # than the longest stage (one ffmpeg call may last FFMPEG_TIMEOUT) plus a margin. A
            # longer job only gets a duplicate delivery, which its claim turns into a no-op.
            "visibility_timeout": int(config.ffmpeg_timeout + 1800),
            "priority_steps": PRIORITY_STEPS,
            "sep": ":",
            "queue_order_strategy": "priority",
        },
    )
    return app


def broker_priority(priority: int) -> int:
    """Our priority (0-10, higher first) as the Redis transport's (0-9, lower first); 0 and 1
    share the last step."""
    return min(max(10 - priority, PRIORITY_STEPS[0]), PRIORITY_STEPS[-1])


def running_key(kind: str, item_id: str) -> str:
    return f"viral_clipper:running:{kind}:{item_id}"


def cancel_key(kind: str, item_id: str) -> str:
    """Kind-qualified: a cancel names one item, never whatever else runs under the same id."""
    return f"viral_clipper:cancel:{kind}:{item_id}"


def worker_key(name: str) -> str:
    return f"viral_clipper:worker:{name}"


def mark_ttl(config: Config) -> int:
    return int(config.worker_stale_seconds + MARK_TTL_MARGIN)


class CeleryDispatcher:
    """The Dispatcher of a process that runs nothing itself: it enqueues, and reaches the worker
    running an item through Redis (the row's own cancel flag is set by the lifecycle too)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.celery = make_celery(config)
        self.redis: Any = redis.Redis.from_url(config.redis_url)

    def submit(self, kind: str, item_id: str, priority: int, force: bool = False) -> None:
        priority = broker_priority(priority)
        self.celery.send_task(TASK, args=[str(kind), item_id, force], queue=QUEUE, priority=priority)

    def cancel(self, kind: str, item_id: str, wait: float) -> bool:
        """Ask the worker running the item to stop; True once it has recorded the end."""
        kind = str(kind)
        self.redis.set(cancel_key(kind, item_id), "1", ex=mark_ttl(self.config))
        if not self.redis.exists(running_key(kind, item_id)):
            self.redis.delete(cancel_key(kind, item_id))  # nobody runs it: the caller ends it itself
            return False
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not self.redis.exists(running_key(kind, item_id)):
                return True
            time.sleep(CANCEL_POLL)
        return not self.redis.exists(running_key(kind, item_id))

    def stats(self) -> dict[str, int]:
        """From the rows and the workers' marks (no broadcast to the workers: it is a health probe)."""
        counts = job_service.status_counts()
        workers = sum(1 for _ in self.redis.scan_iter(match=worker_key("*"), count=100))
        return {"queued": counts.get("queued", 0), "running": counts.get("processing", 0), "workers": workers}
