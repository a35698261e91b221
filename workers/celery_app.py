"""The Celery application. Broker: Redis when REDIS_URL is set, else an embedded SQLite broker."""

from __future__ import annotations

from celery import Celery
from celery.signals import task_postrun, worker_process_init

celery = Celery("tandem", include=["workers.tasks", "workers.campaign_tasks"])


def configure_celery(settings) -> Celery:
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


@worker_process_init.connect
def _fresh_connections(**_kwargs) -> None:
    # a forked worker child must not share the parent's database connections
    from app import db

    if db._engine is not None:
        db._engine.dispose(close=False)


@task_postrun.connect
def _end_session(**_kwargs) -> None:
    from app.db import session

    session.remove()


def bootstrap() -> Celery:
    """Entry for `celery -A workers.celery_app worker`: configure from the environment."""
    from app.runtime import init_runtime

    init_runtime()
    return celery
