"""Work for the Celery workers, sent after the database commit that makes it visible.

Domain functions call ``queue_renders`` / ``queue_task`` inside their unit of work;
the tasks are sent once the session commits (and forgotten when it rolls back), so a worker
never looks for rows that are not there yet. The database stays the source of truth: a
message lost with a broker or a worker is made again by ``service.requeue_stalled``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from app import after_commit

log = logging.getLogger(__name__)

CHUNK_SIZE = 20


def chunks(ids: list[int], size: int | None = None) -> list[list[int]]:
    size = size or CHUNK_SIZE
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def queue_renders(render_ids: Iterable[int]) -> None:
    """Send render tasks for RENDER_IDS, in chunks, after the current transaction commits."""
    for render_id in render_ids:
        after_commit.add("campaign renders", render_id, _send_renders)


def _send_renders(render_ids: list[int]) -> None:
    for chunk in chunks(render_ids):
        send("render_chunk", [chunk])


def queue_task(task: str, args: list, *, eta: datetime | None = None) -> None:
    """Send TASK(*ARGS) after the current transaction commits (at once outside one)."""
    if not after_commit.in_transaction():
        send(task, args, eta=eta)
        return
    after_commit.add("campaign tasks", (task, tuple(args), eta), _send_tasks)


def _send_tasks(tasks: list[tuple[str, tuple, datetime | None]]) -> None:
    for task, args, eta in tasks:
        send(task, list(args), eta=eta)


def send(task: str, args: list, *, eta: datetime | None = None) -> None:
    """Send one task of workers.campaign_tasks; a broker failure is logged, not raised.

    Tests replace this function to run or record the work in-process.
    """
    from workers import campaign_tasks

    try:
        options = {"eta": eta.replace(tzinfo=UTC)} if eta is not None else {}
        getattr(campaign_tasks, task).apply_async(args, **options)
    except Exception:  # noqa: BLE001 - the rows are committed; the sweeper sends it again
        log.exception("could not send %s%r to the task broker", task, args)
