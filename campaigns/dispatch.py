"""Work of the campaign domain for the Celery workers, handed over by task name after commit.

Domain functions call ``queue_renders`` / ``queue_task`` inside their unit of work; the
tasks (``tandem.campaigns.<verb>``, defined in ``workers/campaigns.py``) are sent once the
session commits, and forgotten when it rolls back, so a worker never looks for rows that
are not there yet. A message lost with a broker or a worker is made again by
``progress.requeue_stalled``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app import after_commit, jobs

CHUNK_SIZE = 20
TASK_PREFIX = "tandem.campaigns."


def chunks(ids: list[int], size: int | None = None) -> list[list[int]]:
    size = size or CHUNK_SIZE
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def queue_renders(render_ids: Iterable[int]) -> None:
    """Send render tasks for RENDER_IDS, in chunks, after the current transaction commits."""
    for render_id in render_ids:
        after_commit.add("campaign renders", render_id, _send_renders)


def _send_renders(render_ids: list[int]) -> None:
    jobs.hand_over([(TASK_PREFIX + "render_chunk", (chunk,), None) for chunk in chunks(render_ids)])


def queue_task(verb: str, args: list, *, eta: datetime | None = None) -> None:
    """Send ``tandem.campaigns.VERB(*ARGS)`` after the current transaction commits."""
    jobs.enqueue(TASK_PREFIX + verb, args, eta=eta)
