"""Looks on a phone and a desktop, and the keyboard: the menu button, the current page, the
asset page's preview beside or above the form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.db import session
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_campaign_flow import _sign_in
from tests.factories.campaigns import live_campaign

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_navigation_is_a_menu_button_on_a_phone_even_without_javascript(
    world, live_server, browser
):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, live_server, "admin@vendor.example")
    page.goto(f"{live_server}/admin/partners")
    partners = page.get_by_role("link", name="Partners", exact=True)
    menu = page.locator("summary", has_text="Menu")
    # one line of top bar, the links folded away behind the button
    assert page.locator(".topbar").bounding_box()["height"] < 70
    assert menu.is_visible() and not partners.is_visible()
    menu.click()
    assert partners.is_visible() and partners.get_attribute("aria-current") == "page"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "menu-open-phone.png"))
    page.get_by_role("link", name="Campaigns").click()
    page.wait_for_url(f"{live_server}/admin/campaigns")
    assert not page.get_by_role("link", name="Campaigns").is_visible(), "closed on a new page"

    # the keyboard opens it too
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the program's name
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert page.get_by_role("link", name="Campaigns").is_visible()

    # on a desktop the whole navigation is in the bar, and the current page shows
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server}/admin/partners/{world.a_id}")
    assert not menu.is_visible()
    current = page.get_by_role("link", name="Partners", exact=True)
    other = page.get_by_role("link", name="Campaigns")
    assert current.is_visible() and current.get_attribute("aria-current") == "true"
    style = "e => [getComputedStyle(e).boxShadow, getComputedStyle(e).fontWeight]"
    assert current.evaluate(style) != other.evaluate(style), "the current page looks different"
    assert page.locator(".topbar").bounding_box()["height"] < 70
    context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_preview_is_beside_the_form_on_a_desktop_and_above_it_on_a_phone(
    app, world, live_server, browser
):
    with app.app_context():
        _campaign, (asset,) = live_campaign("Promo", [world.a_id], ["product-flyer"])
        asset_id = asset.id
        session.remove()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(30_000)
    _sign_in(page, live_server, "partner_member@a.example")
    page.goto(f"{live_server}/portal/assets/{asset_id}")
    form = page.locator("#asset-form").bounding_box()
    preview = page.locator(".preview-pane").bounding_box()
    assert preview["x"] >= form["x"] + form["width"], "beside the form"
    assert abs(preview["y"] - form["y"]) < 5, "level with its top"
    # it stays in view while the partner scrolls down the form
    page.get_by_role("button", name="Save").scroll_into_view_if_needed()
    pane = page.locator(".preview-pane").bounding_box()
    assert 0 <= pane["y"] < 40

    page.set_viewport_size(PHONE)
    page.reload()
    form = page.locator("#asset-form").bounding_box()
    preview = page.locator(".preview-pane").bounding_box()
    assert preview["y"] + preview["height"] <= form["y"], "above the form"
    assert preview["height"] < PHONE["height"] * 0.7, "the form starts on the first screen"
    # and it folds away
    page.locator(".preview-pane > summary").click()
    expect(page.locator("#preview")).to_be_hidden()
    context.close()
