"""An image field in Chromium: a partner picks one of the template's pictures (the live
preview follows), then uploads a photo of its own, saves, and downloads the image with it."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from app.db import session
from brand_templates import TemplateBundle, load_starter
from brand_templates.versions import import_template, publish
from campaigns import assets, lifecycle
from campaigns.models import Customization
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_campaign_flow import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _square_with_a_picture_field(world) -> int:
    """A live campaign for partner A of the square post, its product picture editable."""
    starter = load_starter("social-square")
    manifest = (
        starter.files["template.toml"]
        .decode()
        .replace(
            'default = "images/homevault.png"', 'default = "images/homevault.png"\neditable = true'
        )
    )
    bundle = TemplateBundle({**starter.files, "template.toml": manifest.encode()})
    version = publish(session, import_template(session, bundle, slug="square-pictures"))
    campaign = lifecycle.create_campaign(
        {"name": "Picture promo", "include_partner_ids": [world.a_id]}, None
    )
    asset = assets.add_asset(
        campaign, {"template_version_id": version.id, "editable_fields": ["product_image"]}, None
    )
    session.commit()
    lifecycle.launch(campaign.id)
    asset_id = asset.id
    session.remove()
    return asset_id


def _preview_source(page) -> str:
    preview = page.locator("#preview")
    # rendered on demand: wait until it has loaded (up to 30 s, as before; the test goes on)
    try:
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=preview.element_handle(),
            timeout=30_000,
        )
    except PlaywrightTimeoutError:
        pass
    return preview.get_attribute("src")


def test_partner_picks_and_uploads_a_picture(app, world, live_server, browser, tmp_path):
    with app.app_context():
        asset_id = _square_with_a_picture_field(world)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    _sign_in(page, live_server, "partner_member@a.example")
    page.goto(f"{live_server}/portal/assets/{asset_id}")

    picker = page.get_by_label("Product picture")
    first = _preview_source(page)
    picker.select_option(label="pattern.png (from the template)")
    # the live preview: asset_preview.js fetches it and shows it as a blob
    expect(page.locator("#preview")).to_have_attribute("src", re.compile(r"^blob:"))
    assert page.locator("#preview").get_attribute("src") != first

    photo = tmp_path / "our-team.jpg"
    Image.new("RGB", (800, 600), (230, 30, 90)).save(photo, format="JPEG")
    page.get_by_label("Or upload your own").set_input_files(str(photo))
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Your downloads use these values")
    expect(page.get_by_label("Product picture")).to_have_value(f"storage:{_saved_picture(app)}")
    assert "Your picture, 800×600, uploaded" in picker.locator("option:checked").inner_text()
    _preview_source(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "campaign-asset-picture.png"), full_page=True)

    with page.expect_download() as info:
        page.get_by_role("button", name="PNG", exact=True).click()
    image = Image.open(info.value.path()).convert("RGB")
    pixel = image.getpixel((810, 710))  # the middle of the product picture's box
    assert all(abs(a - b) <= 6 for a, b in zip(pixel, (230, 30, 90), strict=True)), pixel
    context.close()


def _saved_picture(app) -> str:
    with app.app_context():
        values = session.query(Customization.values).scalar()
        session.remove()
    ref = values["product_image"]
    assert ref.startswith("storage:partner-pictures/")
    return ref[len("storage:") :]
