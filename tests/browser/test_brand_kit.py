"""A partner admin signs in, uploads a logo, edits the brand kit and sees the result."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _logo_png(path) -> None:
    image = Image.new("RGBA", (400, 160), (255, 255, 255, 0))
    for x in range(40, 160):
        for y in range(30, 130):
            image.putpixel((x, y), (200, 30, 40, 255))
    for x in range(200, 360):
        for y in range(60, 100):
            image.putpixel((x, y), (20, 60, 140, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())


def test_partner_admin_uploads_logo_and_edits_brand_kit(app, world, live_server, page, tmp_path):
    logo = tmp_path / "logo.png"
    _logo_png(logo)

    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("partner_admin@a.example")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/portal/")
    assert page.get_by_role("heading", name="Welcome").is_visible()

    page.goto(f"{live_server}/portal/brand-kit")
    page.get_by_label("Logo").set_input_files(str(logo))
    page.get_by_label("Tagline").fill("Solar done right")
    page.get_by_role("button", name="Save brand kit").click()
    page.wait_for_selector("text=Your brand kit is saved.")
    # the flash shows while the rest of the page is still coming: the whole page, its
    # pictures and brand_kit.js (which the buttons below need) first
    page.wait_for_load_state("load")

    # the logo shows, trimmed, on light and dark, and its colours are offered
    light = page.locator("#logo-light")
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=light.element_handle()
    )
    natural = page.evaluate(
        "(img) => [img.naturalWidth, img.naturalHeight]", light.element_handle()
    )
    assert natural == [320, 100], "transparent padding is trimmed"
    suggestions = page.locator("button.suggest")
    colours = [suggestions.nth(i).get_attribute("data-color") for i in range(suggestions.count())]
    assert "#c81e28" in colours and "#143c8c" in colours
    assert page.locator("#cobrand-tagline").inner_text() == "Solar done right"

    # pick the logo's red as primary colour with a tap: the preview follows before saving
    page.get_by_role("button", name="Use #c81e28 as primary colour").tap()
    # (brand_kit.js paints it on the click the tap turns into, a moment later)
    expect(page.locator("#cobrand-bar")).to_have_css("background-color", "rgb(200, 30, 40)")
    # and its blue as secondary colour with the keyboard alone
    page.get_by_role("button", name="Use #143c8c as secondary colour").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Secondary colour", exact=True)).to_have_value("#143c8c")
    # the page already shows "Your brand kit is saved." from the first save: wait for the
    # reload itself, or the values below (and the database) would be read before it
    with page.expect_navigation():
        page.get_by_role("button", name="Save brand kit").click()
    page.wait_for_selector("text=Your brand kit is saved.")
    assert page.get_by_label("Primary colour", exact=True).input_value() == "#c81e28"
    assert page.get_by_label("Secondary colour", exact=True).input_value() == "#143c8c"
    # the kit's version number is an internal: a partner is not shown it
    assert page.get_by_text("Version 4").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "brand-kit.png"), full_page=True)

    from app.db import session
    from directory.models import Partner

    with app.app_context():
        kit = session.get(Partner, world.a_id).brand_kit
        assert (kit.primary_color, kit.secondary_color) == ("#c81e28", "#143c8c")
        assert kit.tagline == "Solar done right"
        assert kit.logo_trimmed_key and kit.logo_thumb_key
        session.remove()
