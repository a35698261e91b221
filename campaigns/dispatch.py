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

from sqlalchemy import event

from app.db import session

log = logging.getLogger(__name__)

CHUNK_SIZE = 20
_RENDERS_KEY = "campaign_renders_to_dispatch"
_TASKS_KEY = "campaign_tasks_to_dispatch"


def chunks(ids: list[int], size: int | None = None) -> list[list[int]]:
    size = size or CHUNK_SIZE
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def queue_renders(render_ids: Iterable[int]) -> None:
    """Send render tasks for RENDER_IDS after the current transaction commits."""
    pending = session.info.setdefault(_RENDERS_KEY, [])
    pending.extend(i for i in render_ids if i not in pending)


def queue_task(task: str, args: list, *, eta: datetime | None = None) -> None:
    """Send TASK(*ARGS) after the current transaction commits (at once outside one)."""
    if not session().in_transaction():
        send(task, args, eta=eta)
        return
    pending = session.info.setdefault(_TASKS_KEY, [])
    if (task, args, eta) not in pending:
        pending.append((task, args, eta))


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


@event.listens_for(session, "after_commit")
def _dispatch_after_commit(sess) -> None:
    render_ids = sess.info.pop(_RENDERS_KEY, [])
    tasks = sess.info.pop(_TASKS_KEY, [])
    for chunk in chunks(render_ids):
        send("render_chunk", [chunk])
    for task, args, eta in tasks:
        send(task, args, eta=eta)


@event.listens_for(session, "after_rollback")
def _forget_after_rollback(sess) -> None:
    sess.info.pop(_RENDERS_KEY, None)
    sess.info.pop(_TASKS_KEY, None)
