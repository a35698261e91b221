"""The journey editor in Chromium: a marketer builds a three-step journey (email, wait, email),
publishes it and enrolls a partner with the searchable picker; the clock moves on, the engine's
tick runs in this process, and both emails are in the outbox. Adding a step works with the
keyboard alone, the focus landing on the new step's form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import clock
from app.db import session
from app.models import MailMessage
from campaigns.journeys import store
from tests.browser.conftest import sign_in, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.set(clock.now().replace(microsecond=0))
    yield
    clock.reset()


def _sign_in(page, base: str, email: str) -> None:
    # waits until the login page is left: a page opened next has the session cookie
    sign_in(page, base, email, PASSWORD)


def _add_step(page, where: str, kind: str) -> None:
    page.get_by_label(f"Add a step {where}", exact=True).click()
    page.get_by_role("group", name=f"The kind of step to add {where}").get_by_role(
        "button", name=kind, exact=True
    ).click()
    page.wait_for_load_state()


def _fill_email(page, step_id: str, title: str, subject: str) -> None:
    form = page.locator(f"#form-{step_id}")
    expect(form).to_be_focused()
    form.get_by_label("Name of the step (for you)").fill(title)
    form.get_by_role("textbox", name="Subject", exact=True).fill(subject)
    form.get_by_role("textbox", name="Message", exact=True).fill(
        "Hello {{ contact_name }}, welcome."
    )
    form.get_by_role("button", name="Save step").click()
    page.wait_for_selector("text=Step saved.")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_build_publish_enroll_and_find_the_emails(app, world, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    console = watch_console(page)
    base = live_server
    _sign_in(page, base, "marketer@vendor.example")
    page.goto(f"{base}/admin/journeys")
    page.get_by_label("Name", exact=True).fill("Three-step welcome")
    page.get_by_role("button", name="Start a blank journey").click()
    page.wait_for_selector("text=is created as a draft")

    _add_step(page, "at the start", "Send an email")
    _fill_email(page, "email-1", "Welcome", "Welcome to the program")
    _add_step(page, "after Welcome", "Wait")
    wait = page.locator("#form-wait-1")
    expect(wait).to_be_focused()
    wait.get_by_label("Days", exact=True).fill("2")
    wait.get_by_role("button", name="Save step").click()
    page.wait_for_selector("text=Step saved.")
    _add_step(page, "after Wait", "Send an email")
    _fill_email(page, "email-2", "Reminder", "Two days in: your first campaign")
    # the flow reads top to bottom: email, wait, email, end
    order = page.locator("#flow > .flow-step").evaluate_all("els => els.map(e => e.id)")
    assert order == ["step-email-1", "step-wait-1", "step-email-2"]
    expect(page.locator("#flow > .flow-jump")).to_have_text("End")

    page.get_by_role("button", name="Publish").click()
    # (the load state alone can be the editor's, before the publishing page replaces it)
    expect(page.locator("body")).to_contain_text(
        "Version 1 is published and live.", use_inner_text=True
    )
    page.get_by_role("link", name="Enrollments").click()
    page.wait_for_url("**/enrollments")  # and loaded: the picker's script bound before typing
    page.get_by_label("Add a partner").fill("Alpha")
    page.get_by_role("option", name="Alpha Secret Partner").click()
    page.get_by_role("button", name="Enroll", exact=True).click()
    page.wait_for_selector("text=1 enrolled")

    with app.app_context():
        store.run_until_idle()
        clock.advance(timedelta(days=2, minutes=5))
        store.run_until_idle()
        session.remove()
        sent = set(session.execute(select(MailMessage.subject)).scalars())
    assert {"Welcome to the program", "Two days in: your first campaign"} <= sent

    page.goto(f"{base}/admin/outbox")
    expect(page.get_by_text("Two days in: your first campaign").first).to_be_visible()
    page.goto(f"{base}/admin/journeys")
    page.get_by_role("link", name="Three-step welcome", exact=True).click()
    # the funnel on the flow: partner A went through all three steps
    reminder = page.locator("#step-email-2")
    expect(reminder.locator(".step-numbers")).to_contain_text("Completed1")
    # (the browser asks for /favicon.ico, which Tandem does not have)
    assert [e for e in console if "404 (NOT FOUND)" not in e] == []
    context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_adding_a_step_with_the_keyboard_alone(app, world, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    _sign_in(page, live_server, "marketer@vendor.example")
    page.goto(f"{live_server}/admin/journeys")
    page.get_by_role("button", name="Start a blank journey").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=is created as a draft")
    page.get_by_label("Add a step at the start", exact=True).focus()
    page.keyboard.press("Enter")  # opens the choice of kinds
    kinds = page.get_by_role("group", name="The kind of step to add at the start")
    page.keyboard.press("Tab")
    expect(kinds.get_by_role("button", name="Send an email", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(kinds.get_by_role("button", name="Wait", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Wait added")
    # the focus is on the new step's form, open, ready to type (moved there by
    # focus_target.js once the page's scripts have run, a moment after the flash shows)
    expect(page.locator("#form-wait-1")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#form-wait-1 [name=title]")).to_be_focused()
    context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_picking_a_campaign_and_a_clicked_email_with_the_keyboard(app, world, live_server, browser):
    from campaigns.journeys import lifecycle
    from campaigns.journeys.models import Journey
    from campaigns.models import Campaign

    with app.app_context():
        spring = Campaign(name="Spring push", status="live")
        session.add(spring)
        steps = [
            {"id": "hello", "type": "email", "subject": "Hi", "body": "Hello.", "next": "wait"},
            {"id": "wait", "type": "wait", "days": 1, "next": "check"},
            {"id": "check", "type": "condition", "if": {"fact": "has_logo"}},
        ]
        journey = lifecycle.create_journey(
            {"name": "Picks", "definition": {"steps": steps}}, "test"
        )
        session.commit()
        journey_id, spring_id = journey.id, spring.id
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    _sign_in(page, live_server, "marketer@vendor.example")

    page.goto(f"{live_server}/admin/journeys/{journey_id}/edit?open=check")
    page.wait_for_load_state("load")
    form = page.locator("#form-check")
    campaign = form.get_by_label("Which campaign (downloaded or customized)")
    expect(campaign).to_be_hidden()  # shown only for the facts about a campaign
    form.get_by_label("Check").select_option("downloaded")
    expect(campaign).to_be_visible()
    campaign.select_option(str(spring_id))
    form.get_by_role("button", name="Save step").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Step saved")
    expect(page.locator("#step-check .step-summary")).to_contain_text("Spring push")

    page.goto(f"{live_server}/admin/journeys/{journey_id}/edit?open=wait")
    page.wait_for_load_state("load")
    form = page.locator("#form-wait")
    form.get_by_label("Until something happens").check()
    which = form.get_by_label("Which email (opened or clicked)")
    form.get_by_label("Until the person").select_option("downloaded")
    expect(which).to_be_hidden()  # an email is picked only for opens and clicks
    form.get_by_label("Until the person").select_option("clicked")
    expect(which).to_be_visible()
    which.select_option("hello")
    form.get_by_role("button", name="Save step").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Step saved")
    with app.app_context():
        session.remove()
        draft = {s["id"]: s for s in session.get(Journey, journey_id).draft["steps"]}
    assert draft["check"]["if"] == {"fact": "downloaded", "campaign_id": spring_id}
    assert draft["wait"]["event"] == "clicked" and draft["wait"]["of_step"] == "hello"
    context.close()
