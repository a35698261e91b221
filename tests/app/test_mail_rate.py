"""MAIL_RATE_PER_MINUTE: the workers send at most that many messages a minute, all together;
the messages over the rate stay queued and go out in the next minutes, none is dropped, and
the count is in the database, so workers racing for the last slots never exceed it."""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, mail
from app.config import load_settings
from app.db import session
from app.models import MailMessage, MailRateWindow

RATE = 3
START = datetime(2026, 12, 1, 9, 0, 10)


@pytest.fixture
def settings(settings, smtp_server):
    """The suite's settings, sending to the SMTP server on loopback at RATE a minute."""
    _inbox, port = smtp_server
    return dataclasses.replace(
        settings, mail_url=f"smtp://127.0.0.1:{port}", mail_rate_per_minute=RATE
    )


@pytest.fixture
def broker(app, monkeypatch):
    """What is handed to the broker: (message id, eta)."""
    from app import jobs

    handed: list[tuple[int, datetime | None]] = []
    monkeypatch.setattr(jobs, "send", lambda task, args, *, eta=None: handed.append((args[0], eta)))
    clock.set(START)
    yield handed
    clock.reset()


def test_mail_over_the_rate_waits_for_the_next_minutes_and_none_is_dropped(
    app, broker, smtp_server
):
    inbox, _port = smtp_server
    with app.app_context():
        messages = [
            mail.queue_mail(f"p{i}@example.com", f"News {i}", "text", category="marketing")
            for i in range(7)
        ]
        session.commit()
        broker.clear()
        ids = [m.id for m in messages]
        # minute one: three go out, four stay queued, each handed over for a later minute
        statuses = [mail.deliver(i) for i in ids]
        assert statuses == ["sent"] * RATE + ["deferred"] * 4
        assert len(inbox.messages) == RATE
        waiting = [i for i, s in zip(ids, statuses, strict=True) if s == "deferred"]
        assert [i for i, _eta in broker] == waiting
        next_minute = datetime(2026, 12, 1, 9, 1)
        # spread over the minutes the waiting mail needs at the rate (4 / 3: two)
        assert all(next_minute <= eta < next_minute + timedelta(minutes=2) for _i, eta in broker)
        rows = session.execute(select(MailMessage.id, MailMessage.status)).all()
        assert {s for i, s in rows if i in waiting} == {"queued"}
        # a redelivery in the same minute does not send either
        assert mail.deliver(waiting[0]) == "deferred" and len(inbox.messages) == RATE

        # minute two: three more; minute three: the last one
        clock.set(next_minute + timedelta(seconds=5))
        assert [mail.deliver(i) for i in waiting] == ["sent"] * RATE + ["deferred"]
        clock.set(next_minute + timedelta(minutes=1, seconds=30))
        assert mail.deliver(waiting[-1]) == "sent"
        assert len(inbox.messages) == 7
        assert set(session.execute(select(MailMessage.status)).scalars()) == {"sent"}
        counts = dict(session.execute(select(MailRateWindow.minute, MailRateWindow.sent)).all())
        assert sorted(counts.values()) == [1, RATE, RATE]

        # the beat's sweep forgets the counts of minutes long past
        clock.set(START + mail.RATE_KEPT + timedelta(minutes=5))
        mail.requeue_stalled()
        assert session.execute(select(MailRateWindow.minute)).all() == []


def test_workers_racing_for_the_last_slots_never_exceed_the_rate(app, broker):
    now = START + timedelta(minutes=10)
    workers, tries = 4, 5
    won: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def work() -> None:
        # a thread has its own session (so its own connection), like a worker process
        try:
            with app.app_context():
                start.wait(timeout=30)
                for _ in range(tries):
                    if mail.take_sending_slot(now) is None:
                        won.append(1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            session.remove()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(won) == RATE
    with app.app_context():
        assert mail.take_sending_slot(now) == now.replace(second=0) + timedelta(minutes=1)
        assert mail.take_sending_slot(now + timedelta(minutes=1)) is None


def test_the_rate_is_a_whole_number(tmp_path):
    base = {"TANDEM_INSTANCE": str(tmp_path), "SECRET_KEY": "x"}
    assert load_settings(base).mail_rate_per_minute == 0  # no limit
    assert load_settings({**base, "MAIL_RATE_PER_MINUTE": "120"}).mail_rate_per_minute == 120
    with pytest.raises(ValueError, match="MAIL_RATE_PER_MINUTE must be a whole number"):
        load_settings({**base, "MAIL_RATE_PER_MINUTE": "ten"})
