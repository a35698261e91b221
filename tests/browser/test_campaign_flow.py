"""The whole through-channel flow in Chromium: a marketer builds a campaign from a starter,
targets Gold partners and launches; a Gold partner's user customizes and downloads the PDF; a
Silver partner does not see the campaign."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PASSWORD = "correct-horse-battery"


def _sign_in(page, base: str, email: str) -> None:
    sign_in(page, base, email, PASSWORD)


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: url.endswith("/login"))
    page.wait_for_load_state("load")


def test_marketer_launches_and_gold_partner_downloads(world, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    base = live_server

    # the marketer adds the starter flyer to the library and builds the campaign
    _sign_in(page, base, "marketer@vendor.example")
    page.goto(f"{base}/admin/templates")
    page.locator("tr", has_text="product flyer").get_by_role(
        "button", name="Add to library"
    ).first.click()
    page.wait_for_selector("text=is in the library")
    page.goto(f"{base}/admin/campaigns/new")
    page.get_by_role("textbox", name="Name").fill("Gold spring promo")
    page.get_by_label("Or this tier and above").select_option("Gold")
    expect(page.locator("#match-count")).to_have_text("1")
    # the list is filled by the same fetched preview as the count (campaign_form.js)
    expect(page.locator("#match-list")).to_contain_text("Alpha Secret Partner", use_inner_text=True)
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Add its assets next")
    page.get_by_role("button", name="Add asset").click()
    # back on the campaign, with the focus on the asset just added
    page.wait_for_selector("text=Open it to set the vendor's values")
    expect(page.locator(".grid > .card[id^=asset-]").last).to_be_focused()
    page.get_by_role("button", name="Launch now").click()
    # a dialog says how many partners and emails first
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("It goes to 1 partner at once, and 2 emails will announce it")
    dialog.get_by_role("button", name="Launch now").click()
    page.wait_for_selector("text=Launched: 1 partner added")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "campaign-admin.png"), full_page=True)
    _sign_out(page)

    # a Gold partner's user sees it, changes the headline, downloads the PDF
    _sign_in(page, base, "partner_member@a.example")
    page.get_by_role("link", name="Gold spring promo").first.click()
    page.locator(".asset-card h2 a").first.click()
    headline = page.get_by_label("Headline", exact=True)
    headline.fill("Alpha's spring offer")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Your downloads use these values")
    # the focus waits beside the Download buttons, what one does next
    expect(page.locator("#download")).to_be_focused()
    preview = page.locator("#preview")
    # the co-branded preview is rendered on demand: wait until it has loaded
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
    )
    page.screenshot(path=str(ARTIFACTS / "campaign-asset.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("button", name="PDF", exact=True).click()
    download = info.value
    assert download.suggested_filename.endswith("-alpha-secret-partner.pdf")
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(open(download.path(), "rb").read())).pages
    )
    assert "Alpha Secret Partner" in text
    assert "Alpha's spring offer" in text or "Alpha’s spring offer" in text
    _sign_out(page)

    # a Silver partner does not see the campaign
    _sign_in(page, base, "partner_admin@b.example")
    assert "Gold spring promo" not in page.content()
    assert "No live campaigns right now." in page.content()
    context.close()
