"""Tasks about the worker itself."""

from __future__ import annotations

from app.jobs import celery


@celery.task(name="tandem.system.ping")
def ping() -> str:
    """A round trip through the broker: the run command and the tests check a worker with it."""
    return "pong"
