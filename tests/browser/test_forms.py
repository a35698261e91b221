"""The shared form pieces in Chromium: a refused form keeps what was typed and leads to the
wrong field; the asset page's Download buttons save unsaved edits first; leaving a changed
form asks first; the campaign list's Status filter works (no inline handler, a Filter button).
Every page runs without a console error (a missing favicon would be one)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.db import session
from brand_templates.library import load_starter
from brand_templates.versions import import_template, publish
from campaigns import assets, lifecycle
from campaigns.models import CampaignAsset, Customization
from tests.browser.conftest import sign_in, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PASSWORD = "correct-horse-battery"


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _live_asset(app, starter: str, name: str, *, draft_beside: bool = False) -> int:
    """A live campaign NAME for partner A (Gold) with the STARTER template: its asset's id."""
    with app.app_context():
        version = publish(session, import_template(session, load_starter(starter)))
        campaign = lifecycle.create_campaign(
            {"name": name, "targeting": {"min_tier": "Gold"}}, "test"
        )
        asset = assets.add_asset(campaign, {"template_version_id": version.id}, "test")
        if draft_beside:
            lifecycle.create_campaign({"name": "Still a draft"}, "test")
        session.commit()
        lifecycle.launch(campaign.id)
        return asset.id


@pytest.fixture
def flyer(app, world):
    """A live campaign for partner A (Gold) with the starter flyer, and a draft beside it."""
    return _live_asset(app, "product-flyer", "Flyer promo", draft_beside=True)


def _sign_in(page, base: str, email: str) -> None:
    # waits until the login page is left: a page opened next has the session cookie
    sign_in(page, base, email, PASSWORD)


def _saved(app, model, field: str):
    with app.app_context():
        row = session.execute(select(model)).scalars().first()
        value = row and (row.values if model is Customization else row.presets).get(field)
        session.remove()
        return value


def _type_into(page, field, text: str) -> None:
    """Typed as a person types (a user gesture: the browser asks before leaving only then)."""
    field.click()
    field.press("Control+a")
    page.keyboard.type(text)


def test_download_saves_the_edits_first(app, world, flyer, live_server, desktop):
    page, base = desktop, live_server
    errors = watch_console(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    _sign_in(page, base, "partner_admin@a.example")
    page.goto(f"{base}/portal/assets/{flyer}")
    _type_into(page, page.get_by_label("Headline", exact=True), "Typed, never saved")
    with page.expect_download() as download:
        page.get_by_role("button", name="PDF", exact=True).click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as file:
        assert file.read(4) == b"%PDF"
    assert _saved(app, Customization, "headline") == "Typed, never saved"
    # the page stays, with the values it saved; submitting is not leaving: nothing asked
    expect(page.get_by_label("Headline", exact=True)).to_have_value("Typed, never saved")
    with page.expect_download() as download:
        page.get_by_role("button", name="PNG", exact=True).click()
    assert download.value.suggested_filename.endswith(".png")
    assert dialogs == []
    assert not errors, errors


def test_leaving_unsaved_changes_asks_first(app, world, flyer, live_server, desktop):
    page, base = desktop, live_server
    errors = watch_console(page)
    dialogs: list[str] = []

    def answer(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    _sign_in(page, base, "partner_admin@a.example")
    page.goto(f"{base}/portal/assets/{flyer}")
    page.get_by_role("link", name="Flyer promo").click()  # nothing changed: no question
    page.wait_for_url("**/portal/campaigns/**")
    assert dialogs == []
    page.goto(f"{base}/portal/assets/{flyer}")
    _type_into(page, page.get_by_label("Headline", exact=True), "Half done")
    # the dialog comes on its own event, after the click: wait for it (answered by `answer`)
    with page.expect_event("dialog"):
        page.get_by_role("link", name="Flyer promo").click(no_wait_after=True)
    expect(page.get_by_label("Headline", exact=True)).to_have_value("Half done")
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(f"/portal/assets/{flyer}")
    assert not errors, errors


def test_a_refused_asset_form_keeps_the_headline_and_leads_to_the_colour(
    app, world, flyer, live_server, desktop
):
    page, base = desktop, live_server
    errors = watch_console(page)
    _sign_in(page, base, "marketer@vendor.example")
    page.goto(f"{base}/admin/campaigns/assets/{flyer}")
    page.locator("#f-presets-headline").fill("A new headline")
    page.locator("#f-presets-accent").fill("blue")
    page.get_by_role("button", name="Save asset").click()
    page.wait_for_load_state()
    expect(page.locator("#f-presets-headline")).to_have_value("A new headline")
    colour = page.locator("#f-presets-accent")
    expect(colour).to_have_value("blue")
    expect(colour).to_have_attribute("aria-invalid", "true")
    summary = page.get_by_role("alert")
    summary.get_by_role("link", name="Accent colour").click()
    expect(page).to_have_url(re.compile(r"#f-presets-accent$"))
    expect(colour).to_be_focused()
    assert _saved(app, CampaignAsset, "headline") is None  # nothing half-saved
    # console errors: the 400 of the refused form itself is the browser's own report of it
    assert not [e for e in errors if "400" not in e], errors


def test_the_campaign_list_filters_by_status(app, world, flyer, live_server, desktop):
    page, base = desktop, live_server
    errors = watch_console(page)
    _sign_in(page, base, "marketer@vendor.example")
    page.goto(f"{base}/admin/campaigns")
    expect(page.get_by_role("cell", name="Still a draft")).to_be_visible()
    page.get_by_label("Status").select_option("live")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=live"))
    expect(page.get_by_role("cell", name="Flyer promo")).to_be_visible()
    expect(page.get_by_role("cell", name="Still a draft")).to_have_count(0)
    assert not errors, errors


@pytest.fixture
def newsletter(app, world):
    """A live campaign for partner A with the starter newsletter (an email: Copy HTML)."""
    return _live_asset(app, "monthly-newsletter", "News promo")


def test_copy_html_copies_what_the_partner_sees(app, world, newsletter, live_server, browser):
    """The unsaved edits are saved first, as the Download buttons do; the copied HTML is the
    email made with them. A refused value is shown at its field instead."""
    base = live_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = watch_console(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    _sign_in(page, base, "partner_admin@a.example")
    page.goto(f"{base}/portal/assets/{newsletter}")
    page.wait_for_load_state("load")
    _type_into(page, page.get_by_label("Headline", exact=True), "Typed, then copied")
    copy = page.locator("#copy-html")
    expect(copy).to_have_text("Copy HTML")
    copy.click()
    expect(copy).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.lstrip().lower().startswith(("<!doctype html", "<html"))
    assert "Typed, then copied" in copied
    assert _saved(app, Customization, "headline") == "Typed, then copied"
    # saved: leaving the page now asks nothing
    page.get_by_role("link", name="News promo").click()
    page.wait_for_url("**/portal/campaigns/**")
    assert dialogs == []

    # a refused value: nothing copied, the page shows the error at the field
    page.goto(f"{base}/portal/assets/{newsletter}")
    page.wait_for_load_state("load")
    page.evaluate("navigator.clipboard.writeText('before')")
    _type_into(page, page.get_by_label("Headline", exact=True), "Not this one")
    _type_into(page, page.get_by_label("Article 1: link", exact=True), "not a url at all")
    page.get_by_role("button", name="Copy HTML").click()
    link = page.get_by_label("Article 1: link", exact=True)
    expect(link).to_have_attribute("aria-invalid", "true")
    expect(link).to_have_value("not a url at all")
    expect(page.get_by_label("Headline", exact=True)).to_have_value("Not this one")
    assert page.evaluate("navigator.clipboard.readText()") == "before"
    assert _saved(app, Customization, "headline") == "Typed, then copied"
    context.close()
    # the refused form's 400 is the browser's own report of it
    assert not [e for e in errors if "400" not in e], errors
