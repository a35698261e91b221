"""The outbox hands mail to the workers only after the commit that makes it visible, the
beat's sweep hands over again what the broker lost, and a message is sent once however
often it is handed over (an SMTP server on loopback receives it)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import mail
from app.config import load_settings
from app.db import session, utcnow
from app.models import MailMessage


@pytest.fixture
def settings(db_url, tmp_path, smtp_server):
    _inbox, port = smtp_server
    return load_settings(
        {
            "TANDEM_INSTANCE": str(tmp_path / "instance"),
            "DATABASE_URL": db_url,
            "SECRET_KEY": "test-secret-key",
            "BASE_URL": "http://localhost",
            "MAIL_URL": f"smtp://127.0.0.1:{port}",
        }
    )


@pytest.fixture
def handed(app, monkeypatch):
    """The message ids handed to the broker; ``handed.broken = True`` makes the broker fail."""
    from app import jobs

    class Broker(list):
        broken = False

    broker = Broker()

    def send(task, args, *, eta=None):
        assert task == mail.DELIVER_TASK
        if broker.broken:
            raise ConnectionError("broker down")
        broker.append(*args)

    monkeypatch.setattr(jobs, "send", send)
    return broker


def test_mail_is_handed_over_after_the_commit_and_never_after_a_rollback(app, handed):
    with app.app_context():
        forgotten = mail.queue_mail("a@example.com", "Hello", "text")
        assert forgotten.status == "queued" and handed == []
        session.rollback()
        assert handed == []

        first = mail.queue_mail("a@example.com", "Hello", "text")
        second = mail.queue_mail("b@example.com", "Hello", "text")
        assert handed == []  # not before the commit
        session.commit()
        assert handed == [first.id, second.id]
        session.commit()  # nothing pending any more
        assert handed == [first.id, second.id]


def test_a_broker_failure_keeps_the_commit_and_the_sweep_sends_it_again(app, handed, caplog):
    with app.app_context():
        handed.broken = True
        with caplog.at_level(logging.ERROR, logger="app.after_commit"):
            message = mail.queue_mail("a@example.com", "Hello", "text")
            session.commit()  # does not raise: the row is what counts
        assert "could not hand 1 item(s) of mail" in caplog.text
        assert session.get(MailMessage, message.id).status == "queued"

        handed.broken = False
        assert mail.requeue_stalled() == []  # younger than the sweep's limit: left alone
        assert mail.requeue_stalled(older_than=timedelta(0)) == [message.id]
        assert handed == [message.id]

        # a message that was sent, or is held in the outbox, is not swept
        session.get(MailMessage, message.id).status = "sent"
        session.commit()
        assert mail.requeue_stalled(older_than=timedelta(0)) == []
        statuses = session.execute(select(MailMessage.status)).scalars().all()
        assert statuses == ["sent"]


def test_the_sweep_is_on_the_beat_schedule():
    from workers import celery

    beat = {entry["task"]: entry["schedule"] for entry in celery.conf.beat_schedule.values()}
    assert beat["tandem.mail.requeue_stalled"] == 300.0
    assert "tandem.mail.requeue_stalled" in celery.tasks


def test_a_message_is_sent_once_however_often_it_is_handed_over(app, handed, smtp_server):
    inbox, _port = smtp_server
    with app.app_context():
        message = mail.queue_mail("a@example.com", "Hello", "text")
        session.commit()
        assert mail.deliver(message.id) == "sent"
        assert mail.deliver(message.id) == "sent"  # handed over twice: not sent twice
        assert len(inbox.messages) == 1
        row = session.get(MailMessage, message.id, populate_existing=True)
        assert (row.attempts, row.status, row.sent_at is not None) == (1, "sent", True)

        # another worker is sending this one now: left alone; one that died at it: taken over
        busy = mail.queue_mail("b@example.com", "Hello", "text")
        session.flush()
        busy.status, busy.claimed_at = "sending", utcnow()
        session.commit()
        assert mail.deliver(busy.id) == "sending" and len(inbox.messages) == 1
        busy.claimed_at = utcnow() - mail.SENDING_TIMEOUT - timedelta(seconds=1)
        session.commit()
        assert mail.deliver(busy.id) == "sent" and len(inbox.messages) == 2


def test_the_sweep_hands_a_message_over_once_per_period(app, handed):
    with app.app_context():
        lost = mail.queue_mail("a@example.com", "Hello", "text")
        abandoned = mail.queue_mail("b@example.com", "Hello", "text")
        session.flush()
        lost.created_at = utcnow() - timedelta(minutes=20)
        abandoned.status = "sending"
        abandoned.claimed_at = utcnow() - timedelta(minutes=11)
        session.commit()
        handed.clear()
        assert mail.requeue_stalled() == [lost.id, abandoned.id]
        assert mail.requeue_stalled() == []  # while the workers have it, not again
        assert handed == [lost.id, abandoned.id]
        session.get(MailMessage, lost.id).handed_at = utcnow() - timedelta(minutes=16)
        session.commit()
        assert mail.requeue_stalled() == [lost.id]


def test_a_savepoint_neither_sends_nor_forgets_the_work_of_its_transaction(app, handed):
    with app.app_context():
        message = mail.queue_mail("a@example.com", "Hello", "text")
        with session.begin_nested():  # released: still inside the outer transaction
            mail.queue_mail("b@example.com", "Hello", "text")
        assert handed == []
        try:
            with session.begin_nested():
                raise ValueError("rolled back to the savepoint")
        except ValueError:
            pass
        session.commit()
        assert handed[0] == message.id and len(handed) == 2
