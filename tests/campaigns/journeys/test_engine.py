"""The engine on both databases: paths through the steps, waits on the injectable clock,
the exactly-once key, events that wake waits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.db import session
from app.models import MailMessage
from campaigns.journeys import enrollments, store, triggers
from campaigns.journeys.models import Enrollment, JourneySend, StepRun
from tests.campaigns.journeys.conftest import build, email


def _sends(**where) -> list[JourneySend]:
    query = select(JourneySend).order_by(JourneySend.id)
    for key, value in where.items():
        query = query.where(getattr(JourneySend, key) == value)
    return list(session.execute(query).scalars())


def test_welcome_wait_reminder_path_runs_weeks_in_seconds(app, partners):
    journey = build(
        {
            "audience": {"kind": "partners", "rules": {}},
            "trigger": {"kind": "manual"},
            "steps": [
                email("welcome", "wait"),
                {"id": "wait", "type": "wait", "days": 3, "next": "reminder"},
                email("reminder"),
            ],
        }
    )
    alpha = partners[0]
    made = enrollments.enroll(journey, partner_id=alpha.id)
    session.commit()
    assert made is not None
    assert store.run_until_idle() == 1
    assert [s.step_id for s in _sends()] == ["welcome"]
    enrollment = session.get(Enrollment, made.id, populate_existing=True)
    assert enrollment.step_id == "wait"
    assert enrollment.next_run_at == clock.now() + timedelta(days=3)

    clock.advance(timedelta(days=2, hours=23))
    assert store.run_until_idle() == 0
    clock.advance(timedelta(hours=1))
    assert store.run_until_idle() == 1
    enrollment = session.get(Enrollment, made.id, populate_existing=True)
    assert enrollment.state == "done" and enrollment.exit_reason == "completed"
    assert [s.step_id for s in _sends()] == ["welcome", "reminder"]
    message = session.get(MailMessage, _sends()[0].mail_message_id)
    assert message.category == "marketing"
    assert "List-Unsubscribe" in message.headers
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Alpha Solar" in message.subject
    assert "/t/o/" in message.html_body
    path = session.execute(
        select(StepRun.step_id).where(StepRun.enrollment_id == made.id).order_by(StepRun.seq)
    ).scalars()
    assert list(path) == ["welcome", "wait", "reminder"]


def test_event_trigger_enrolls_once(app, partners):
    build(
        {
            "audience": {"kind": "partners", "rules": {"statuses": ["active", "onboarding"]}},
            "trigger": {"kind": "event", "event": "partner_status_changed"},
            "reentry": {"mode": "once"},
            "steps": [email("hello")],
        }
    )
    alpha = partners[0]
    assert triggers.fire("partner_status_changed", partner_id=alpha.id) == 1
    session.commit()
    store.run_until_idle()
    assert triggers.fire("partner_status_changed", partner_id=alpha.id) == 0
    assert triggers.fire("partner_created", partner_id=alpha.id) == 0
    session.commit()
    assert session.execute(select(func.count()).select_from(Enrollment)).scalar_one() == 1


def test_a_claim_taken_over_cannot_send_twice(app, partners):
    """A worker whose lease expired and was taken over: its late write is fenced off."""
    journey = build({"audience": {"kind": "partners", "rules": {}}, "steps": [email("only")]})
    made = enrollments.enroll(journey, partner_id=partners[0].id)
    session.commit()
    now = clock.now()
    first = store.claims.claim_due(store.ENROLLMENTS, 10, now=now)
    assert first == [made.id]
    # the first worker stalls; its lease runs out and a second worker claims the row
    later = now + store.LEASE + timedelta(seconds=1)
    second = store.claims.claim_due(store.ENROLLMENTS, 10, now=later)
    assert second == [made.id]
    assert store.run_claimed(second, later) == 1
    # the first worker wakes up and runs what it had claimed: nothing happens
    assert store.run_claimed(first, now) == 0
    assert len(_sends()) == 1
    assert session.execute(select(func.count()).select_from(MailMessage)).scalar_one() == 1


@pytest.mark.parametrize("reentry, expected", [("once", 1), ("always", 2)])
def test_reentry_rules(app, partners, reentry, expected):
    journey = build(
        {
            "audience": {"kind": "partners", "rules": {}},
            "reentry": {"mode": reentry},
            "steps": [email("only")],
        }
    )
    alpha = partners[0]
    enrollments.enroll(journey, partner_id=alpha.id)
    session.commit()
    store.run_until_idle()
    enrollments.enroll(journey, partner_id=alpha.id)
    session.commit()
    assert session.execute(select(func.count()).select_from(Enrollment)).scalar_one() == expected
