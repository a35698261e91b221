"""Journeys run by real worker processes on PostgreSQL and Redis.

One worker is killed with SIGKILL in the middle of a run of thousands of steps: its leases
expire, the other worker continues, and in the end every enrollment reached its end and every
expected email exists exactly once. And journey emails reach an SMTP server on loopback with
the one-click unsubscribe headers.
"""

from __future__ import annotations

import email
import email.policy
import os
import signal

import pytest
from sqlalchemy import func, select

from tests.worker.process import start_worker, stop_worker, wait_for, web_app, worker_env

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]

ENROLLMENTS = 2000
FLOW = {
    "audience": {"kind": "partners", "rules": {}},
    "steps": [
        {"id": "first", "type": "email", "subject": "One {{ name }}", "body": "1", "next": "pause"},
        {"id": "pause", "type": "wait", "minutes": 0.05, "next": "second"},
        {"id": "second", "type": "email", "subject": "Two {{ name }}", "body": "2"},
    ],
}


@pytest.fixture
def env(request, tmp_path):
    return worker_env(request, tmp_path, "redis", JOURNEY_LEASE_SECONDS="5", JOURNEY_CAP_EMAILS="0")


def _start(env: dict, *, beat: bool, name: str):
    # a process group of its own: kill -9 reaches the worker and its pool at once
    args = ("--hostname", f"{name}@%h") + (("--beat",) if beat else ())
    return start_worker(env, 2, args=args, own_group=True, output=False)


def _stop(proc) -> None:
    stop_worker(proc, group=True)


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(env):
    from app.db import session
    from app.models import MailMessage
    from campaigns.journeys import enrollments, lifecycle
    from campaigns.journeys.models import Enrollment, JourneySend, StepRun
    from tests.factories.journeys import bulk_partners

    app = web_app(env)
    with app.app_context():
        partner_ids = bulk_partners(ENROLLMENTS)
        journey = lifecycle.create_journey({"name": "Kill test", "definition": FLOW}, "test")
        lifecycle.publish(journey, "test")
        assert enrollments.bulk_enroll(journey, partner_ids) == ENROLLMENTS
        session.commit()
        session.remove()

    def count(model, *where) -> int:
        with app.app_context():
            value = session.execute(
                select(func.count()).select_from(model).where(*where)
            ).scalar_one()
            session.remove()
            return value

    total_steps = 3 * ENROLLMENTS
    survivor = _start(env, beat=True, name="survivor")
    victim = _start(env, beat=False, name="victim")
    try:
        progress = wait_for(lambda: count(StepRun) >= total_steps // 6, 120)
        assert progress, "the workers ran nothing"
        running_at_kill = count(Enrollment, Enrollment.state == "running")
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        done_at_kill = count(StepRun)
        assert done_at_kill < total_steps, "the run ended before the kill: make it longer"
        finished = wait_for(
            lambda: count(Enrollment, Enrollment.state == "done") == ENROLLMENTS, 240
        )
    finally:
        _stop(victim)
        _stop(survivor)
    assert finished, f"{count(Enrollment, Enrollment.state != 'done')} enrollments unfinished"
    with app.app_context():
        assert count(Enrollment, Enrollment.exit_reason != "completed") == 0
        assert count(StepRun) == total_steps
        # each enrollment: exactly one run of each step, and exactly two emails
        per_step = session.execute(
            select(
                StepRun.step_id, func.count(), func.count(func.distinct(StepRun.enrollment_id))
            ).group_by(StepRun.step_id)
        ).all()
        assert {row[0]: row[1:] for row in per_step} == {
            step: (ENROLLMENTS, ENROLLMENTS) for step in ("first", "pause", "second")
        }
        assert count(JourneySend) == 2 * ENROLLMENTS
        assert count(MailMessage) == 2 * ENROLLMENTS
        duplicates = session.execute(
            select(MailMessage.to_address, MailMessage.subject, func.count())
            .group_by(MailMessage.to_address, MailMessage.subject)
            .having(func.count() > 1)
        ).all()
        assert duplicates == []
        print(
            f"killed with {running_at_kill} rows claimed, {done_at_kill}/{total_steps} steps done"
        )


def test_journey_emails_reach_smtp_with_one_click_unsubscribe(env, smtp_server):
    from app.db import session
    from campaigns.journeys import enrollments, lifecycle
    from tests.factories.journeys import bulk_partners

    inbox, port = smtp_server
    env = {**env, "MAIL_URL": f"smtp://127.0.0.1:{port}"}
    app = web_app(env)
    with app.app_context():
        partner_ids = bulk_partners(3, prefix="Smtp")
        journey = lifecycle.create_journey(
            {
                "name": "SMTP",
                "definition": {
                    "audience": {"kind": "partners", "rules": {}},
                    "steps": [
                        {"id": "hi", "type": "email", "subject": "Hello {{ name }}",
                         "body": "Read https://example.com/news"},
                    ],
                },
            },
            "test",
        )  # fmt: skip
        lifecycle.publish(journey, "test")
        enrollments.bulk_enroll(journey, partner_ids)
        session.commit()
        session.remove()
    worker = _start(env, beat=True, name="smtp")
    try:
        delivered = wait_for(lambda: len(inbox.messages) >= 3, 90)
    finally:
        _stop(worker)
    assert delivered, f"{len(inbox.messages)} of 3 messages delivered"
    assert len(inbox.messages) == 3
    for _sender, recipients, content in inbox.messages:
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert parsed["Subject"].startswith("Hello Smtp Partner")
        assert parsed["List-Unsubscribe"].startswith("<http://localhost/unsubscribe/")
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        html = parsed.get_body(("html",)).get_content()
        assert "/t/o/" in html and "/t/c/" in html and "/unsubscribe/" in html
        assert (
            "Unsubscribe: http://localhost/unsubscribe/"
            in parsed.get_body(("plain",)).get_content()
        )
        assert recipients[0].startswith("p") and recipients[0].endswith("@smtp.example")
