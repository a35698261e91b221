"""Searchable pickers that post plain values and work without JavaScript: countries by name
(campaign targeting, the partner form, the portal profile), partners by name (a campaign's
include and exclude lists, with a JSON search for the enhancement), colours as a swatch paired
with the #rrggbb text (program settings, an asset's vendor values).

These are the form-level tests: what the server renders and accepts with no script at all.
tests/browser/test_editing.py drives the enhanced pickers in Chromium.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from app.db import session
from app.models import ProgramSettings
from campaigns.models import Campaign
from directory import partners
from directory.models import Partner


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def checked_values(page: str, name: str) -> list[str]:
    """The values of the checked boxes called NAME, in page order."""
    pattern = rf'<input type="checkbox" name="{re.escape(name)}" value="([^"]*)" checked>'
    return re.findall(pattern, page)


@pytest.fixture
def marketer(world, login_as):
    return login_as("marketer@vendor.example")


@pytest.fixture
def cm(world, login_as):
    return login_as("cm@vendor.example")


def _campaign(app, name: str) -> Campaign:
    with app.app_context():
        campaign = session.execute(select(Campaign).where(Campaign.name == name)).scalar_one()
        session.expunge(campaign)
        return campaign


# --- countries -------------------------------------------------------------------------------


def test_the_campaign_form_offers_countries_by_name(app, marketer):
    page = text(marketer.get("/admin/campaigns/new"))
    # a checkbox per country, labelled with its name; none chosen yet
    assert "<legend>Countries</legend>" in page
    assert re.search(r'value="DE"> Germany</label>', page)
    assert re.search(r'value="CI"> Côte d\'Ivoire</label>', page)
    assert page.index("> Åland Islands<") < page.index("> Albania<")  # by name, accents aside
    assert checked_values(page, "countries") == []
    assert 'data-picker="checklist"' in page and "pickers.js" in page


def test_chosen_countries_are_saved_and_shown_first(app, marketer):
    response = marketer.post(
        "/admin/campaigns/new",
        data={
            "name": "DACH push",
            "countries": ["", "DE", "AT", "CH"],
            "statuses": "active",
            "objective": "awareness",
        },
    )
    assert response.status_code == 302, text(response)[:500]
    campaign = _campaign(app, "DACH push")
    assert campaign.targeting["countries"] == ["DE", "AT", "CH"]
    page = text(marketer.get(f"/admin/campaigns/{campaign.id}/edit"))
    assert checked_values(page, "countries") == ["DE", "AT", "CH"]
    # the chosen ones come first, so they show without scrolling the list
    assert page.index('value="CH" checked') < page.index('value="AD"')
    # choosing none (only the empty value posts) means every country
    response = marketer.post(
        f"/admin/campaigns/{campaign.id}/edit",
        data={"name": "DACH push", "countries": "", "statuses": "active", "objective": "awareness"},
    )
    assert response.status_code == 302
    assert _campaign(app, "DACH push").targeting["countries"] == []


def test_the_targeting_preview_reads_the_chosen_countries(app, world, marketer):
    with app.app_context():
        partners.update_partner(session.get(Partner, world.b_id), {"countries": "FR"}, "test")
        session.commit()
    preview = marketer.post(
        "/admin/campaigns/targeting-preview",
        data={"countries": ["", "FR", "IT"], "statuses": "active", "objective": "awareness"},
    )
    assert preview.status_code == 200
    assert [p["name"] for p in preview.get_json()["partners"]] == ["Bravo Partner"]


def test_partner_form_and_portal_profile_pick_countries(app, world, cm, login_as):
    page = text(cm.get(f"/admin/partners/{world.a_id}/edit"))
    assert checked_values(page, "countries") == ["DE"]
    response = cm.post(
        f"/admin/partners/{world.a_id}/edit",
        data={"name": "Alpha Secret Partner", "type": "reseller", "countries": ["", "AT", "FR"]},
    )
    assert response.status_code == 302
    with app.app_context():
        assert session.get(Partner, world.a_id).countries == ["AT", "FR"]
    # a form that does not show the picker leaves the countries alone
    cm.post(f"/admin/partners/{world.a_id}/edit", data={"name": "Alpha Secret Partner"})
    with app.app_context():
        assert session.get(Partner, world.a_id).countries == ["AT", "FR"]

    admin = login_as("partner_admin@a.example")
    page = text(admin.get("/portal/profile"))
    assert checked_values(page, "countries") == ["AT", "FR"]
    assert "Countries served" in page and "> France</label>" in page
    response = admin.post(
        "/portal/profile", data={"name": "Alpha Secret Partner", "countries": ["", "CH"]}
    )
    assert response.status_code == 302
    with app.app_context():
        assert session.get(Partner, world.a_id).countries == ["CH"]


# --- partners --------------------------------------------------------------------------------


def test_partners_are_picked_by_name_without_javascript(app, world, marketer):
    page = text(marketer.get("/admin/campaigns/new"))
    for name in ("include_partner_ids", "exclude_partner_ids"):
        assert f'name="{name}_add"' in page
    # without JavaScript the browser's own list suggests the names as one types
    assert '<datalist id="dl-include_partner_ids">' in page
    assert '<option value="Bravo Partner">' in page

    response = marketer.post(
        "/admin/campaigns/new",
        data={
            "name": "Picked",
            "statuses": "active",
            "objective": "awareness",
            "include_partner_ids": "",
            "include_partner_ids_add": "bravo partner",  # any case
            "exclude_partner_ids": "",
            "exclude_partner_ids_add": "alpha-secret-partner",  # or its slug
        },
    )
    assert response.status_code == 302, text(response)[:800]
    campaign = _campaign(app, "Picked")
    assert campaign.include_partner_ids == [world.b_id]
    assert campaign.exclude_partner_ids == [world.a_id]
    # the edit page shows them by name, ticked; unticking one takes it off
    page = text(marketer.get(f"/admin/campaigns/{campaign.id}/edit"))
    assert checked_values(page, "include_partner_ids") == [str(world.b_id)]
    assert re.search(rf'value="{world.b_id}" checked> Bravo Partner</label>', page)
    response = marketer.post(
        f"/admin/campaigns/{campaign.id}/edit",
        data={
            "name": "Picked",
            "statuses": "active",
            "objective": "awareness",
            "include_partner_ids": ["", str(world.b_id)],
            "include_partner_ids_add": f"{world.a_id}",  # ids still work
            "exclude_partner_ids": "",
        },
    )
    assert response.status_code == 302
    campaign = _campaign(app, "Picked")
    assert campaign.include_partner_ids == [world.b_id, world.a_id]
    assert campaign.exclude_partner_ids == []


def test_a_name_that_is_no_partner_keeps_what_was_typed(app, world, marketer):
    response = marketer.post(
        "/admin/campaigns/new",
        data={
            "name": "Typo",
            "statuses": "active",
            "objective": "awareness",
            "include_partner_ids": ["", str(world.b_id)],
            "include_partner_ids_add": "Bravo Partnr",
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert "No partner is called 'Bravo Partnr'." in page
    assert 'value="Bravo Partnr"' in page  # what was typed stays in the box
    assert checked_values(page, "include_partner_ids") == [str(world.b_id)]
    with app.app_context():
        assert session.execute(select(Campaign)).first() is None
    # the live preview says the same
    preview = marketer.post(
        "/admin/campaigns/targeting-preview", data={"include_partner_ids_add": "Nobody"}
    )
    assert preview.status_code == 422
    assert "No partner is called 'Nobody'." in str(preview.get_json())


def test_names_that_several_partners_share_ask_for_a_slug(app, world, marketer):
    with app.app_context():
        partners.create_partner({"name": "Bravo Partner", "slug": "bravo-two"}, "test")
        session.commit()
    response = marketer.post(
        "/admin/campaigns/new",
        data={
            "name": "Twins",
            "statuses": "active",
            "objective": "awareness",
            "include_partner_ids_add": "Bravo Partner",
        },
    )
    assert response.status_code == 400
    assert (
        "Several partners are called 'Bravo Partner' (type a slug: bravo-partner, bravo-two)."
        in text(response)
    )
    # a name with a comma is one name, not two
    with app.app_context():
        partners.create_partner({"name": "Smith, Jones & Co", "slug": "smith-jones"}, "test")
        session.commit()
        smith = session.execute(select(Partner.id).where(Partner.slug == "smith-jones")).scalar()
    response = marketer.post(
        "/admin/campaigns/new",
        data={
            "name": "Comma",
            "statuses": "active",
            "objective": "awareness",
            "include_partner_ids_add": "Smith, Jones & Co",
        },
    )
    assert response.status_code == 302
    assert _campaign(app, "Comma").include_partner_ids == [smith]


def test_the_partner_search_answers_json(app, world, marketer):
    found = marketer.get("/admin/partners/search.json?q=brav").get_json()["partners"]
    assert found == [
        {"id": world.b_id, "name": "Bravo Partner", "tier": "Silver", "countries": ["DE"]}
    ]
    by_id = marketer.get(f"/admin/partners/search.json?q={world.a_id}").get_json()["partners"]
    assert by_id[0]["name"] == "Alpha Secret Partner"
    assert marketer.get("/admin/partners/search.json?q=").get_json() == {"partners": []}
    assert marketer.get("/admin/partners/search.json?q=%00zz").get_json() == {"partners": []}
    assert marketer.get(f"/admin/partners/search.json?q={2**40}").status_code == 200


# --- colours ---------------------------------------------------------------------------------


def test_program_colours_are_a_swatch_paired_with_the_hex_text(app, world, login_as):
    admin = login_as("admin@vendor.example")
    page = text(admin.get("/admin/settings"))
    # the text field is what the form posts; the swatch, shown by color_pair.js, is not posted
    assert re.search(
        r'<input type="color" id="f-primary_color-swatch" value="#[0-9a-f]{6}" '
        r'data-color-for="f-primary_color" aria-label="Primary colour: choose a colour" hidden>',
        page,
    )
    assert re.search(r'<input type="text" id="f-primary_color" name="primary_color"', page)
    assert "color_pair.js" in page
    response = admin.post(
        "/admin/settings",
        data={
            "vendor_name": "Acme",
            "program_name": "Acme Partners",
            "primary_color": "#AA3300",
            "secondary_color": "#0055ff",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        program = session.execute(select(ProgramSettings)).scalars().first()
        assert (program.primary_color, program.secondary_color) == ("#aa3300", "#0055ff")
    bad = admin.post(
        "/admin/settings",
        data={"vendor_name": "A", "program_name": "B", "primary_color": "red"},
    )
    assert bad.status_code == 400 and "'red' is not a colour" in text(bad)


def test_an_assets_colour_fields_pair_a_swatch_with_the_hex_text(app, world, marketer):
    from brand_templates.library import load_starter
    from brand_templates.versions import import_template, publish
    from campaigns import assets, lifecycle

    with app.app_context():
        version = publish(session, import_template(session, load_starter("datasheet")))
        campaign = lifecycle.create_campaign({"name": "Sheets"}, "test")
        asset = assets.add_asset(campaign, {"template_version_id": version.id}, "test")
        session.commit()
        asset_id = asset.id
    page = text(marketer.get(f"/admin/campaigns/assets/{asset_id}"))
    swatches = re.findall(r'<input type="color" id="f-presets-(\w+)-swatch"', page)
    assert swatches, "the datasheet has a colour field"
    name = swatches[0]
    # empty means the template's default: the text field may stay empty, the swatch cannot
    assert re.search(
        rf'<input type="text" id="f-presets-{name}" name="preset_{name}" value=""', page
    )
