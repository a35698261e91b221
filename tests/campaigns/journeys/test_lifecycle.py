"""Versions, validation before publishing, pause and stop, simulation, test sends, starters,
the directory's events, tracking and the guards across journeys (both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock, mail
from app import validation as v
from app.db import session
from app.models import MailMessage
from campaigns.journeys import (
    analytics,
    checks,
    enrollments,
    lifecycle,
    preview,
    starters,
    store,
    triggers,
)
from campaigns.journeys.models import Enrollment, JourneySend
from directory import activity, brand_kits
from directory.activity_models import PartnerActivity
from directory.demo_logos import generate_logo
from tests.campaigns.journeys.conftest import build, email
from tests.factories.directory import make_partner

ALL = {"kind": "partners", "rules": {}}


def _count(model, *where) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_validation_names_the_step_of_each_problem(app, partners):
    definition = checks.clean_definition(
        {
            "audience": {"kind": "partners", "rules": {"countries": ["JP"]}},
            "steps": [
                {"id": "start", "type": "condition", "if": {"fact": "has_logo"}, "yes": "loop1",
                 "no": "ghost"},
                {"id": "loop1", "type": "condition", "if": {"fact": "has_logo"}, "yes": "loop2",
                 "no": "loop2"},
                {"id": "loop2", "type": "update_partner", "tag": "x", "next": "loop1"},
                {"id": "island", "type": "email", "template_version_id": 999999, "next": None},
                {"id": "ab", "type": "split", "branches": [{"percent": 30, "next": None},
                                                            {"percent": 30, "next": None}]},
            ],
        }
    )  # fmt: skip
    found = checks.messages_by_step(checks.problems(definition))
    assert "does not exist" in found["start"]
    assert "never reaches an end" in found["loop1"]
    assert "loop without a wait" in found["loop1"] or "loop without a wait" in found["loop2"]
    assert "No path" in found["island"] and "template" in found["island"]
    assert "60%" in found["ab"]
    assert "matches nobody" in found["audience"]


def test_new_version_keeps_or_moves_people_inside(app, partners):
    steps = [
        email("one", "wait"),
        {"id": "wait", "type": "wait", "days": 2, "next": "two"},
        email("two"),
    ]
    journey = build({"audience": ALL, "steps": steps})
    first_version = journey.current_version_id
    alpha, beta = partners[0], partners[1]
    enrollments.enroll(journey, partner_id=alpha.id)
    session.commit()
    store.run_until_idle()
    # the marketer rewrites the second email and publishes, keeping Alpha on version 1
    lifecycle.update_journey(
        journey,
        {"definition": {"audience": ALL, "steps": [*steps[:2], email("two", subject="New!")]}},
        "test",
    )
    lifecycle.publish(journey, "test")
    session.commit()
    enrollments.enroll(journey, partner_id=beta.id)
    session.commit()
    store.run_until_idle()
    rows = {e.partner_id: e for e in session.execute(select(Enrollment)).scalars()}
    assert rows[alpha.id].version_id == first_version
    assert rows[beta.id].version_id == journey.current_version_id
    # a third version moves everyone inside to the same step of it
    lifecycle.update_journey(
        journey,
        {"definition": {"audience": ALL, "steps": [*steps[:2], email("two", subject="Newest")]}},
        "test",
    )
    lifecycle.publish(journey, "test", move_enrollments=True)
    session.commit()
    clock.advance(timedelta(days=2))
    store.run_until_idle()
    subjects = session.execute(
        select(MailMessage.subject).where(MailMessage.subject == "Newest")
    ).scalars()
    assert len(list(subjects)) == 2
    assert _count(Enrollment, Enrollment.state == "done") == 2


def test_pause_holds_and_stop_ends(app, partners):
    journey = build(
        {"audience": ALL, "steps": [{"id": "w", "type": "wait", "days": 1, "next": "e"},
                                    email("e")]}
    )  # fmt: skip
    lifecycle.enroll_many(journey, "test", partner_ids=[p.id for p in partners])
    session.commit()
    store.run_until_idle()
    lifecycle.pause(journey, "test")
    session.commit()
    clock.advance(timedelta(days=2))
    assert store.run_until_idle() == 0
    lifecycle.resume(journey, "test")
    session.commit()
    assert store.run_until_idle() == 3
    journey2 = build({"audience": ALL, "steps": [{"id": "w", "type": "wait", "days": 9}]}, "B")
    lifecycle.enroll_many(journey2, "test", partner_ids=[partners[0].id])
    lifecycle.stop(journey2, "test")
    session.commit()
    (row,) = session.execute(
        select(Enrollment).where(Enrollment.journey_id == journey2.id)
    ).scalars()
    assert row.state == "done" and row.exit_reason == "stopped"
    with pytest.raises(v.ValidationFailed):
        lifecycle.enroll_many(journey2, "test", partner_ids=[partners[1].id])


def test_frequency_cap_spans_journeys_and_postpones(app, partners):
    """Default: 2 journey emails per 7 days per recipient; the third waits, then goes."""
    alpha = partners[0]
    for name in ("J1", "J2", "J3"):
        journey = build({"audience": ALL, "steps": [email("only")]}, name)
        enrollments.enroll(journey, partner_id=alpha.id)
    session.commit()
    store.run_until_idle()
    assert _count(JourneySend) == 2
    waiting = session.execute(select(Enrollment).where(Enrollment.state == "active")).scalar_one()
    assert waiting.next_run_at == clock.now() + timedelta(days=7)
    clock.advance(timedelta(days=7))
    store.run_until_idle()
    assert _count(JourneySend) == 3
    assert _count(Enrollment, Enrollment.state == "done") == 3


def test_suppressed_partner_exits_unsubscribed(app, partners):
    alpha = partners[0]
    mail.suppress(alpha.email)
    journey = build({"audience": ALL, "steps": [email("only")]})
    enrollments.enroll(journey, partner_id=alpha.id)
    session.commit()
    store.run_until_idle()
    row = session.execute(select(Enrollment)).scalar_one()
    assert row.exit_reason == "unsubscribed" and _count(MailMessage) == 0


def test_a_click_wakes_the_wait_and_the_path_follows_it(app, partners, client):
    journey = build(
        {
            "audience": ALL,
            "steps": [
                {**email("hi", "w"), "body": "See https://example.com/offer now."},
                {"id": "w", "type": "wait", "event": "clicked", "max_days": 7, "next": "thanks",
                 "timeout": None},
                email("thanks"),
            ],
        }
    )  # fmt: skip
    made = enrollments.enroll(journey, partner_id=partners[0].id)
    session.commit()
    store.run_until_idle()
    message = session.execute(select(MailMessage)).scalar_one()
    assert "/t/c/" in message.html_body and 'href="https://example.com' not in message.html_body
    link = message.html_body.split('href="')[1].split('"')[0].replace("&amp;", "&")
    pixel = message.html_body.split('<img src="')[1].split('"')[0]
    clock.advance(timedelta(hours=3))
    opened = client.get(
        pixel.replace("http://localhost", ""), headers={"User-Agent": "GoogleImageProxy"}
    )
    assert opened.status_code == 200 and opened.mimetype == "image/gif"
    send = session.execute(select(JourneySend)).scalar_one()
    session.refresh(send)
    assert send.opened_at is not None and send.opened_by_proxy
    response = client.get(link.replace("http://localhost", ""))
    assert (
        response.status_code == 302 and response.headers["Location"] == "https://example.com/offer"
    )
    session.refresh(send)
    assert send.clicks == 1 and not send.opened_by_proxy
    # the click woke the waiting enrollment: it runs now, not in 7 days
    row = session.get(Enrollment, made.id, populate_existing=True)
    assert row.next_run_at == clock.now()
    store.run_until_idle()
    assert [
        s.step_id for s in session.execute(select(JourneySend).order_by(JourneySend.id)).scalars()
    ] == ["hi", "thanks"]
    assert client.get("/t/c/forged-token").status_code == 404
    assert client.get("/t/o/forged.gif").status_code == 200
    stats = analytics.email_stats(journey.id)
    assert {s["step"]: (s["sends"], s["opens"], s["clicks"]) for s in stats} == {
        "hi": (1, 1, 1),
        "thanks": (1, 0, 0),
    }


def test_unsubscribing_marks_the_send_and_exits_at_the_next_email(app, partners, client):
    journey = build(
        {"audience": ALL, "steps": [email("a", "w"), {"id": "w", "type": "wait", "days": 1,
                                                       "next": "b"}, email("b")]}
    )  # fmt: skip
    enrollments.enroll(journey, partner_id=partners[0].id)
    session.commit()
    store.run_until_idle()
    token = mail.unsubscribe_token(partners[0].email)
    assert (
        client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code
        == 204
    )
    clock.advance(timedelta(days=1))
    store.run_until_idle()
    row = session.execute(select(Enrollment)).scalar_one()
    assert row.exit_reason == "unsubscribed"
    assert analytics.email_stats(journey.id)[0]["unsubscribes"] == 1


def test_directory_events_fire_triggers_on_the_tick(app, partners):
    build(
        {
            "audience": {"kind": "partners", "rules": {"statuses": ["prospect", "active"]}},
            "trigger": {"kind": "event", "event": "partner_created"},
            "steps": [email("welcome")],
        }
    )
    newcomer = make_partner("Delta Wind", status="prospect")
    session.commit()
    assert _count(Enrollment) == 0  # the directory only recorded the event
    assert triggers.process_partner_events() >= 1
    assert _count(Enrollment, Enrollment.partner_id == newcomer.id) == 1
    assert triggers.process_partner_events() == 0  # each event once


def test_goal_exit_and_funnel(app, partners):
    journey = build(
        {
            "audience": ALL,
            "goal": {"fact": "has_logo"},
            "steps": [email("hi", "w"), {"id": "w", "type": "wait", "days": 3, "next": "nag"},
                      email("nag")],
        }
    )  # fmt: skip
    lifecycle.enroll_many(journey, "test", partner_ids=[p.id for p in partners])
    session.commit()
    store.run_until_idle()
    brand_kits.set_logo(partners[0], generate_logo("Alpha"), "test")
    session.commit()
    clock.advance(timedelta(days=3))
    store.run_until_idle()
    funnel = {row["step"]: row for row in analytics.funnel(journey.id)}
    assert funnel["hi"]["completed"] == 3
    assert funnel["nag"]["completed"] == 2
    assert analytics.conversion(journey.id) == {"entered": 3, "goal": 1, "rate": 0.3333}
    # the goal is written once to the partner's activity record, for the scorecards
    goals = (
        session.execute(
            select(PartnerActivity).where(PartnerActivity.kind == activity.JOURNEY_GOAL_REACHED)
        )
        .scalars()
        .all()
    )
    assert [(g.partner_id, g.value, g.ref_type, g.ref_id) for g in goals] == [
        (partners[0].id, 3, "journey", str(journey.id))
    ]
    csv_text = analytics.export_csv(journey.id)
    assert csv_text.count("\n") == 4 and "Alpha Solar" in csv_text


def test_simulate_and_test_send(app, partners):
    definition = checks.clean_definition(starters.STARTERS["onboarding"]["definition"])
    alpha = partners[0]
    path = preview.simulate(definition, partner_id=alpha.id)
    steps = [step["step"] for step in path["path"]]
    assert steps[:4] == ["welcome", "wait-3-days", "has-logo", "brand-kit-reminder"]
    assert _count(MailMessage) == 0 and _count(Enrollment) == 0
    supposed = preview.simulate(definition, partner_id=alpha.id, suppose={"has_logo": True})
    assert "brand-kit-reminder" not in [step["step"] for step in supposed["path"]]
    message_id = preview.test_send(
        definition, "welcome", partner_id=alpha.id, to="me@vendor.example"
    )
    message = session.get(MailMessage, message_id)
    assert message.subject.startswith("[Test] Welcome") and "Alpha Solar" in message.subject


def test_starters_copy_validate_and_publish(app, partners):
    for item in starters.starters():
        journey = starters.copy_starter(item["key"], "test")
        session.commit()
        definition = checks.clean_definition(journey.draft)
        problems = checks.problems(definition, check_audience=False)
        assert problems == [], (item["key"], problems)


def test_recruitment_starter_thanks_applicants_and_reminds_the_others(app, partners):
    from campaigns.journeys.models import Application, Prospect

    journey = starters.copy_starter("recruitment", "test")
    prospects = [
        Prospect(company=f"Prospect {i}", contact_name="Kim", email=f"kim@p{i}.example",
                 country="DE")
        for i in range(2)
    ]  # fmt: skip
    session.add_all(prospects)
    session.flush()
    lifecycle.publish(journey, "test")
    lifecycle.enroll_many(journey, "test", prospect_ids=[p.id for p in prospects])
    session.commit()
    store.run_until_idle()
    assert _count(JourneySend, JourneySend.step_id == "invite") == 2
    clock.advance(timedelta(days=1))
    session.add(
        Application(company="Prospect 0", contact_name="Kim", email="kim@p0.example",
                    prospect_id=prospects[0].id, created_at=clock.now())
    )  # fmt: skip
    triggers.fire("application_submitted", prospect_id=prospects[0].id)
    session.commit()
    store.run_until_idle()
    sent = session.execute(select(JourneySend.prospect_id, JourneySend.step_id)).all()
    assert (prospects[0].id, "thank-you") in sent
    # five days after the invitation is a Saturday: the reminder waits for Monday's window
    clock.advance(timedelta(days=5))
    store.run_until_idle()
    assert _count(JourneySend, JourneySend.step_id == "reminder") == 0
    clock.advance(timedelta(days=2))
    store.run_until_idle()
    sent = session.execute(select(JourneySend.prospect_id, JourneySend.step_id)).all()
    assert (prospects[1].id, "reminder") in sent and (prospects[0].id, "reminder") not in sent
    goal = session.execute(
        select(Enrollment.exit_reason).where(Enrollment.prospect_id == prospects[0].id)
    ).scalar_one()
    assert goal == "goal"
