"""Mail tasks: deliver one message of the outbox; sweep what lost its task."""

from __future__ import annotations

from app import mail
from app.jobs import celery

BEAT_SCHEDULE = {
    "mail-requeue-stalled": {"task": "tandem.mail.requeue_stalled", "schedule": 300.0},
}


@celery.task(name=mail.DELIVER_TASK, bind=True, max_retries=5, default_retry_delay=30)
def deliver(self, message_id: int) -> str:
    try:
        return mail.deliver(message_id)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@celery.task(name="tandem.mail.requeue_stalled")
def requeue_stalled() -> int:
    return len(mail.requeue_stalled())
