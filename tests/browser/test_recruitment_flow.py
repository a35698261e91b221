"""Recruitment in Chromium: an applicant fills /become-a-partner (a mistake first, fixed in
place), a channel manager finds the application and approves it in the confirmation dialog;
the partner exists in onboarding and its contact is invited."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.db import session
from app.models import Invitation, MailMessage
from directory.models import Partner
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PASSWORD = "correct-horse-battery"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_applicant_applies_and_manager_approves(app, world, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    base = live_server

    page.goto(f"{base}/")
    page.get_by_role("link", name="Become a partner").click()
    page.get_by_label("Company").fill("November Solar Ltd")
    page.get_by_label("Your name").fill("Nora November")
    page.get_by_label("Email").fill("nora-at-november")
    page.get_by_label("Phone").fill("+44 20 7946 0001")
    page.get_by_label("Country").select_option("GB")
    page.get_by_label("Website").fill("november-solar.example")
    page.get_by_label("What kind of partner would you be?").select_option("installer")
    page.get_by_label("Specialties").fill("Solar, Heat pumps")
    page.get_by_label("Anything else we should know?").fill("Ten installers in London.")
    page.get_by_role("button", name="Send my application").click()
    # the mistakes are marked at their fields; what was typed is still there
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("nora-at-november")
    expect(page.locator("#e-consent")).to_contain_text("Please agree")
    expect(page.get_by_label("Company")).to_have_value("November Solar Ltd")
    expect(page.get_by_label("Country")).to_have_value("GB")
    email.fill("nora@november-solar.example")
    page.get_by_label("I agree that").check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your application")

    # the channel manager reviews it
    sign_in(page, base, "cm@vendor.example", PASSWORD)
    page.get_by_role("link", name="Recruitment").click()
    page.get_by_role("link", name="November Solar Ltd").click()
    expect(page.get_by_text("Ten installers in London.")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("nora@november-solar.example gets an invitation")
    dialog.get_by_role("button", name="Approve and invite").click()
    expect(page.locator(".flash-success")).to_contain_text("November Solar Ltd is a partner now")
    expect(page.get_by_role("heading", level=1)).to_contain_text("November Solar Ltd")
    context.close()

    with app.app_context():
        partner = session.execute(
            select(Partner).where(Partner.name == "November Solar Ltd")
        ).scalar_one()
        assert partner.status == "onboarding" and partner.countries == ["GB"]
        invitation = session.execute(select(Invitation)).scalar_one()
        assert (invitation.email, invitation.partner_id) == (
            "nora@november-solar.example",
            partner.id,
        )
        subjects = session.execute(
            select(MailMessage.subject).where(
                MailMessage.to_address == "nora@november-solar.example"
            )
        ).scalars()
        assert set(subjects) == {
            "We received your application to the Partner Program",
            "You are invited to the partner program",
        }
