"""Journey screens without JavaScript, through the test client: create from a starter or blank,
build the flow step by step with the server-rendered forms, see refused values kept with the
message on their step, publish, simulate, send a test, enroll, pause and stop, the funnel, the
enrollments and the CSV export."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.db import session
from app.models import MailMessage
from campaigns.journeys import store
from campaigns.journeys.models import Enrollment, Journey, Prospect

MARKETER = "marketer@vendor.example"


@pytest.fixture
def marketer(client, world, login_as):
    login_as(MARKETER)
    return client


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.reset()


def _journey() -> Journey:
    session.remove()
    return session.execute(select(Journey).order_by(Journey.id.desc())).scalars().first()


def _add(client, journey_id: int, kind: str, after: str = "", exit_key: str = "next"):
    return client.post(
        f"/admin/journeys/{journey_id}/steps",
        data={"action": "add", "type": kind, "after": after, "exit": exit_key},
    )


def _blank(client) -> int:
    response = client.post("/admin/journeys/new", data={"name": "Welcome series"})
    assert response.status_code == 302
    return _journey().id


def _three_steps(client, journey_id: int) -> list[str]:
    """Email, wait two days, email; the audience: Gold partners; saved through the forms."""
    response = client.post(
        f"/admin/journeys/{journey_id}/edit",
        data={
            "name": "Welcome series",
            "audience_kind": "partners",
            "min_tier": "Gold",
            "trigger_kind": "manual",
            "reentry_mode": "once",
            "on_leave_audience": "exit",
            "use_send_window": "no",
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _add(client, journey_id, "email").status_code == 302
    assert _add(client, journey_id, "wait", after="email-1").status_code == 302
    assert _add(client, journey_id, "email", after="wait-1").status_code == 302
    for sid, subject in (("email-1", "Welcome aboard"), ("email-2", "Two days in")):
        response = client.post(
            f"/admin/journeys/{journey_id}/steps",
            data={
                "action": "save",
                "step": sid,
                "title": subject,
                "content": "message",
                "subject": subject,
                "body": "Hello {{ contact_name }}",
                "next": "wait-1" if sid == "email-1" else "",
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    response = client.post(
        f"/admin/journeys/{journey_id}/steps",
        data={
            "action": "save",
            "step": "wait-1",
            "wait_mode": "duration",
            "days": "2",
            "next": "email-2",
        },
    )
    assert response.status_code == 302
    return [s["id"] for s in _journey().draft["steps"]]


def test_list_shows_starters_and_new_from_a_starter(marketer):
    page = marketer.get("/admin/journeys").get_data(as_text=True)
    assert "Partner onboarding" in page and "Re-activation" in page
    assert "Partner recruitment" in page
    response = marketer.post("/admin/journeys/new", data={"starter": "onboarding"})
    assert response.status_code == 302
    journey = _journey()
    assert response.headers["Location"].endswith(f"/admin/journeys/{journey.id}/edit")
    editor = marketer.get(f"/admin/journeys/{journey.id}/edit").get_data(as_text=True)
    # the condition is drawn with a column per branch, both meeting again
    assert editor.count('class="flow-branch"') == 2
    assert "Brand-kit reminder" in editor and "Has a logo?" in editor
    listing = marketer.get("/admin/journeys").get_data(as_text=True)
    assert "Partner onboarding" in listing and "Draft" in listing


def test_build_publish_enroll_and_run_without_javascript(marketer, world):
    journey_id = _blank(marketer)
    assert _three_steps(marketer, journey_id) == ["email-1", "wait-1", "email-2"]
    editor = marketer.get(f"/admin/journeys/{journey_id}/edit?open=email-1")
    page = editor.get_data(as_text=True)
    assert 'id="form-email-1"' in page and "Welcome aboard" in page
    response = marketer.post(f"/admin/journeys/{journey_id}/publish", data={})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert _journey().status == "live"
    clock.set(clock.now().replace(microsecond=0))
    response = marketer.post(
        f"/admin/journeys/{journey_id}/enrollments", data={"partner_ids": str(world.a_id)}
    )
    assert response.status_code == 302
    follow = marketer.get(f"/admin/journeys/{journey_id}/enrollments")
    assert "1 enrolled" in follow.get_data(as_text=True)
    store.run_until_idle()
    listing = marketer.get("/admin/journeys").get_data(as_text=True)
    row = listing[listing.index("Welcome series") :]
    # entered 1, inside 1, waiting 1 (two days), paused 0, finished 0, goal 0
    assert re.search(r"<td>1</td><td>1</td><td[^>]*>1</td><td[^>]*>0</td><td>0</td>", row)
    clock.advance(timedelta(days=2, minutes=1))
    store.run_until_idle()
    session.remove()
    subjects = session.execute(select(MailMessage.subject)).scalars().all()
    assert any("Welcome aboard" in s for s in subjects)
    assert any("Two days in" in s for s in subjects)
    detail = marketer.get(f"/admin/journeys/{journey_id}").get_data(as_text=True)
    assert "The funnel on the flow" in detail and "Two days in" in detail
    assert re.search(r"<dt>Entered</dt><dd>1</dd>", detail)
    enrollments = marketer.get(f"/admin/journeys/{journey_id}/enrollments").get_data(as_text=True)
    assert "Alpha Secret Partner" in enrollments and "Reached the end" in enrollments
    csv_response = marketer.get(f"/admin/journeys/{journey_id}/export.csv")
    assert csv_response.mimetype == "text/csv"
    assert "Alpha Secret Partner" in csv_response.get_data(as_text=True)


def test_a_refused_step_keeps_what_was_typed_with_the_message_on_the_step(marketer):
    journey_id = _blank(marketer)
    _add(marketer, journey_id, "wait")
    response = marketer.post(
        f"/admin/journeys/{journey_id}/steps",
        data={
            "action": "save",
            "step": "wait-1",
            "wait_mode": "duration",
            "days": "lots",
            "title": "Think it over",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="e-wait-1"' in page and "must be a number" in page
    assert 'value="lots"' in page and 'value="Think it over"' in page
    assert _journey().draft["steps"][0]["days"] == 1  # nothing saved


def test_publishing_problems_are_shown_on_their_step(marketer):
    journey_id = _blank(marketer)
    _add(marketer, journey_id, "email")
    response = marketer.post(f"/admin/journeys/{journey_id}/publish", data={})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    step = page[page.index('id="step-email-1"') :]
    assert "This email has no subject." in step[: step.index("</li>")] or "no subject" in page
    assert _journey().status == "draft"


def test_add_in_a_branch_and_remove(marketer):
    journey_id = _blank(marketer)
    _add(marketer, journey_id, "condition")
    _add(marketer, journey_id, "email", after="condition-1", exit_key="yes")
    draft = _journey().draft
    assert draft["steps"][0]["yes"] == "email-1" and draft["steps"][0]["no"] is None
    _add(marketer, journey_id, "split", after="condition-1", exit_key="no")
    split = [s for s in _journey().draft["steps"] if s["id"] == "split-1"][0]
    assert [b["percent"] for b in split["branches"]] == [50, 50]
    response = marketer.post(
        f"/admin/journeys/{journey_id}/steps", data={"action": "remove", "step": "email-1"}
    )
    assert response.status_code == 302
    draft = _journey().draft
    assert [s["id"] for s in draft["steps"]] == ["condition-1", "split-1"]
    assert draft["steps"][0]["yes"] is None


def test_settings_refused_keep_the_typed_values(marketer):
    journey_id = _blank(marketer)
    response = marketer.post(
        f"/admin/journeys/{journey_id}/edit",
        data={
            "name": "Renamed",
            "reentry_mode": "after_days",
            "reentry_days": "soon",
            "time_zone": "Mars/Olympus",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "not a time zone" in page and 'value="Renamed"' in page
    assert 'value="Mars/Olympus"' in page
    assert _journey().name == "Welcome series"


def test_simulate_and_test_send(marketer, world):
    journey_id = _blank(marketer)
    _three_steps(marketer, journey_id)
    response = marketer.post(
        f"/admin/journeys/{journey_id}/simulate", data={"sim_partner_ids": str(world.a_id)}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Alpha Secret Partner’s path" in page and "Two days in" in page
    assert session.execute(select(Enrollment)).first() is None
    assert session.execute(select(MailMessage)).first() is None
    response = marketer.post(
        f"/admin/journeys/{journey_id}/test-send",
        data={"step": "email-1", "test_partner_ids_email-1": str(world.a_id)},
    )
    assert response.status_code == 302
    session.remove()
    message = session.execute(select(MailMessage)).scalars().one()
    assert message.to_address == MARKETER
    assert message.subject.startswith("[Test] Welcome aboard")


def test_pause_and_stop_ask_first(marketer, world):
    journey_id = _blank(marketer)
    _three_steps(marketer, journey_id)
    marketer.post(f"/admin/journeys/{journey_id}/publish", data={})
    asked = marketer.post(f"/admin/journeys/{journey_id}/status", data={"action": "stop"})
    assert asked.status_code == 200 and "Stop Welcome series?" in asked.get_data(as_text=True)
    assert _journey().status == "live"
    marketer.post(
        f"/admin/journeys/{journey_id}/status", data={"action": "pause", "confirmed": "yes"}
    )
    assert _journey().status == "paused"
    marketer.post(f"/admin/journeys/{journey_id}/status", data={"action": "resume"})
    assert _journey().status == "live"
    marketer.post(
        f"/admin/journeys/{journey_id}/status", data={"action": "stop", "confirmed": "yes"}
    )
    assert _journey().status == "stopped"


def test_prospects_enrolled_from_a_csv(marketer):
    response = marketer.post("/admin/journeys/new", data={"starter": "recruitment"})
    journey = _journey()
    session.add(Prospect(company="Known Co", email="known@known.example", status="new"))
    session.commit()
    response = marketer.post(f"/admin/journeys/{journey.id}/publish", data={})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    import io

    data = (
        b"email,company,contact_name\n"
        b"known@known.example,Known Co,Kim\nnew@new.example,New Co,Nia\n"
    )
    response = marketer.post(
        f"/admin/journeys/{journey.id}/enrollments",
        data={"file": (io.BytesIO(data), "prospects.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    session.remove()
    assert session.execute(select(Enrollment)).scalars().all().__len__() == 2
    bad = marketer.post(
        f"/admin/journeys/{journey.id}/enrollments",
        data={"file": (io.BytesIO(b"email\nnot-an-email\n"), "p.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Line 2" in bad.get_data(as_text=True)


def test_the_marketer_home_shows_live_journeys(marketer, world):
    journey_id = _blank(marketer)
    _three_steps(marketer, journey_id)
    assert "Live journeys" not in marketer.get("/admin/").get_data(as_text=True)
    marketer.post(f"/admin/journeys/{journey_id}/publish", data={})
    marketer.post(f"/admin/journeys/{journey_id}/enrollments", data={"partner_ids": world.a_id})
    home = marketer.get("/admin/").get_data(as_text=True)
    assert "Live journeys" in home and "Welcome series" in home
    assert 'href="/admin/journeys"' in home  # the navigation entry


def test_partner_users_are_not_told_journeys_exist(client, world, login_as):
    login_as("partner_admin@a.example")
    assert client.get("/admin/journeys").status_code == 404
    assert "Journeys" not in client.get("/portal/").get_data(as_text=True)


@pytest.mark.parametrize("bad", ["x\x00y", "x\x01y"])
def test_hostile_text_is_refused_with_a_message(marketer, world, bad):
    journey_id = _blank(marketer)
    _add(marketer, journey_id, "email")
    response = marketer.post(
        f"/admin/journeys/{journey_id}/steps",
        data={"action": "save", "step": "email-1", "subject": bad, "body": "Hi", "title": bad},
    )
    assert response.status_code == 400
    response = marketer.post(f"/admin/journeys/{journey_id}/edit", data={"name": bad})
    assert response.status_code == 400
    assert _journey().name == "Welcome series"
    for data in (
        {"action": "add", "type": "email", "after": bad},
        {"action": "add", "type": bad},
        {"action": "remove", "step": bad},
        {"action": "save", "step": bad},
    ):
        assert marketer.post(f"/admin/journeys/{journey_id}/steps", data=data).status_code < 500
    huge = "99999999999999999999"
    for url, data in (
        ("simulate", {"sim_partner_ids": huge}),
        ("test-send", {"step": "email-1", "test_partner_ids_email-1": huge}),
        ("enrollments", {"partner_ids": huge}),
    ):
        assert marketer.post(f"/admin/journeys/{journey_id}/{url}", data=data).status_code < 500
    listing = marketer.get(f"/admin/journeys/{journey_id}/enrollments?page=abc&step=x%00y")
    assert listing.status_code == 200


def test_a_channel_manager_simulates_the_published_version(marketer, world, login_as):
    journey_id = _blank(marketer)
    _three_steps(marketer, journey_id)
    marketer.post(f"/admin/journeys/{journey_id}/publish", data={})
    # a later draft change does not show in the published version's simulation
    marketer.post(
        f"/admin/journeys/{journey_id}/steps",
        data={
            "action": "save",
            "step": "email-2",
            "title": "Draft only",
            "subject": "x",
            "body": "y",
            "content": "message",
        },
    )
    manager = login_as("cm@vendor.example")
    assert "Simulate a partner" in manager.get(f"/admin/journeys/{journey_id}").get_data(
        as_text=True
    )
    response = manager.post(
        f"/admin/journeys/{journey_id}/simulate",
        data={"sim_partner_ids": str(world.a_id), "version": "published"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Two days in" in page and "Draft only" not in page
