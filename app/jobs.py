"""The task queue: the Celery application, and work handed to it by task name after commit.

The plumbing configures Celery; the domain hands work over by name (``tandem.<domain>.<verb>``)
and never imports ``workers/``, where the tasks are defined. Only the worker command imports
``workers``. A task is sent once the transaction that makes its rows visible commits, and
forgotten if it rolls back (``app.after_commit``); the database stays the source of truth,
so a message lost with a broker or a worker is made again by the domain's sweeps.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from celery import Celery
from celery.signals import task_postrun, worker_process_init

from app import after_commit, db

log = logging.getLogger(__name__)

celery = Celery("tandem")


def configure(settings) -> Celery:
    """Point the Celery application at the broker of SETTINGS."""
    if settings.broker_url.startswith(("redis://", "rediss://")):
        # a message whose worker died is delivered again after this long (the default is an
        # hour); render chunks finish well within it, and the database stops double work
        celery.conf.broker_transport_options = {"visibility_timeout": 900}
    else:  # kombu's SQLAlchemy transport hands its options to create_engine()
        celery.conf.broker_transport_options = {}
    if celery.conf.broker_url not in (None, settings.broker_url):
        # a process that switches configuration (the test suite does) must not keep
        # producer connections to the previous broker
        celery._after_fork()
    celery.conf.update(
        broker_url=settings.broker_url,
        result_backend=settings.result_backend,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        result_expires=3600,
        timezone="UTC",
        task_default_queue="tandem",
    )
    return celery


def send(task: str, args: list, *, eta: datetime | None = None) -> None:
    """Hand TASK(*ARGS) to the broker now, by name; a broker failure raises.

    Tests replace this function to run or record the work in-process.
    """
    options = {"eta": eta.replace(tzinfo=UTC)} if eta is not None else {}
    celery.send_task(task, list(args), **options)


def enqueue(task: str, args: list, *, eta: datetime | None = None) -> None:
    """Send TASK(*ARGS) after the current transaction commits (at once outside one).

    The same task with the same arguments is sent once per transaction.
    """
    if not after_commit.in_transaction():
        hand_over([(task, tuple(args), eta)])
        return
    after_commit.add("tasks", (task, tuple(args), eta), hand_over)


def hand_over(tasks: list[tuple[str, tuple, datetime | None]]) -> None:
    """Send each (task, args, eta) now; a broker failure is logged, not raised."""
    for task, args, eta in tasks:
        try:
            send(task, list(args), eta=eta)
        except Exception:  # noqa: BLE001 - the rows are committed; the sweeps send it again
            log.exception("could not send %s%r to the task broker", task, args)


@worker_process_init.connect
def _fresh_connections(**_kwargs) -> None:
    # a forked worker child must not share the parent's database connections
    if db._engine is not None:
        db._engine.dispose(close=False)


@task_postrun.connect
def _end_session(**_kwargs) -> None:
    db.session.remove()
