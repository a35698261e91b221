"""Celery tasks: thin, each takes ids and calls a function of the domain or the plumbing."""

from __future__ import annotations

from workers.celery_app import celery


@celery.task(name="tandem.deliver_mail", bind=True, max_retries=5, default_retry_delay=30)
def deliver_mail(self, message_id: int) -> str:
    from app import mail

    try:
        return mail.deliver(message_id)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@celery.task(name="tandem.mail.requeue_stalled")
def requeue_stalled_mail() -> int:
    from app import mail

    return len(mail.requeue_stalled())


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "mail-requeue-stalled": {"task": "tandem.mail.requeue_stalled", "schedule": 300.0},
}


@celery.task(name="tandem.ping")
def ping() -> str:
    return "pong"
