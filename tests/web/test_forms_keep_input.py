"""A refused form is shown again with everything typed: each form that re-renders on error
keeps every submitted value, marks the wrong field at the field (aria-invalid, the message
beside it) and sums the errors up at the top with a link to each wrong field."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from app.db import session
from brand_templates.library import load_starter
from brand_templates.versions import import_template, publish
from campaigns import assets, lifecycle
from directory.models import Location, Partner, Tier

MARKETER = "marketer@vendor.example"
ADMIN = "admin@vendor.example"
PARTNER_ADMIN = "partner_admin@a.example"


@dataclass(frozen=True)
class Case:
    who: str
    url: str  # formatted with the ids that `_ids` gives
    data: dict
    kept: tuple[str, ...]  # values typed that the page shows again
    wrong: str  # the id of the wrong field, f-NAME (formatted with the ids too)
    files: dict = field(default_factory=dict)
    chosen: dict = field(default_factory=dict)  # a choice (select or radio) shown as chosen


CASES = {
    "admin asset": Case(
        MARKETER,
        "/admin/campaigns/assets/{asset}",
        {
            "title": "Spring flyer, new",
            "preset_headline": "Fresh headline",
            "preset_accent": "blue",
        },
        ("Spring flyer, new", "Fresh headline", "blue"),
        "f-presets-accent",
    ),
    "new campaign": Case(
        MARKETER,
        "/admin/campaigns/new",
        {"name": "Autumn push", "objective": "promotion", "starts_on": "soon", "regions": "North"},
        ("Autumn push", "soon", "North"),
        "f-starts_on",
    ),
    "campaign edit": Case(
        MARKETER,
        "/admin/campaigns/{campaign}/edit",
        {
            "name": "Renamed push",
            "objective": "awareness",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
        },
        ("Renamed push", "2026-05-01", "2026-04-01"),
        "f-ends_on",
    ),
    "new partner": Case(
        ADMIN,
        "/admin/partners/new",
        {"name": "Kept Partner Ltd", "type": "reseller", "website": "not a url"},
        ("Kept Partner Ltd", "not a url"),
        "f-website",
    ),
    "partner edit": Case(
        ADMIN,
        "/admin/partners/{partner}/edit",
        {"name": "Alpha Renamed", "type": "reseller", "email": "no-at-sign", "phone": "+49 30 1"},
        ("Alpha Renamed", "no-at-sign", "+49 30 1"),
        "f-email",
    ),
    "program settings": Case(
        ADMIN,
        "/admin/settings",
        {
            "vendor_name": "Kept Vendor",
            "program_name": "Kept Program",
            "primary_color": "blue",
            "secondary_color": "#123456",
        },
        ("Kept Vendor", "Kept Program", "blue", "#123456"),
        "f-primary_color",
    ),
    "program logo": Case(
        ADMIN,
        "/admin/settings",
        {
            "vendor_name": "Kept Vendor",
            "program_name": "Kept Program",
            "primary_color": "#654321",
            "secondary_color": "#123456",
        },
        ("Kept Vendor", "#654321"),
        "f-logo",
        files={"logo": (b"not a picture", "logo.png")},
    ),
    "admin location": Case(
        ADMIN,
        "/admin/partners/{partner}/locations/new",
        {"label": "Depot", "city": "Kept City", "country_code": "Atlantis"},
        ("Depot", "Kept City", "Atlantis"),
        "f-country_code",
    ),
    "portal profile": Case(
        PARTNER_ADMIN,
        "/portal/profile",
        {"name": "Alpha Kept", "website": "not a url", "regions": "Kept region"},
        ("Alpha Kept", "not a url", "Kept region"),
        "f-website",
    ),
    "brand kit colour": Case(
        PARTNER_ADMIN,
        "/portal/brand-kit",
        {"tagline": "Kept tagline", "primary_color": "blue", "secondary_color": "#123456"},
        ("Kept tagline", "blue", "#123456"),
        "f-primary_color",
    ),
    "brand kit logo": Case(
        PARTNER_ADMIN,
        "/portal/brand-kit",
        {"tagline": "Kept tagline", "primary_color": "#654321", "secondary_color": "#123456"},
        ("Kept tagline", "#654321"),
        "f-logo",
        files={"logo": (b"not a picture", "logo.png")},
    ),
    "portal location": Case(
        PARTNER_ADMIN,
        "/portal/locations/{location}",
        {"label": "Shop", "city": "Kept City", "country_code": "DE", "latitude": "123"},
        ("Shop", "Kept City", "123"),
        "f-latitude",
    ),
    "portal asset": Case(
        PARTNER_ADMIN,
        "/portal/assets/{asset}",
        {"field_headline": "Fresh headline", "field_cta_url": "not a url at all"},
        ("Fresh headline", "not a url at all"),
        "f-cta_url",
    ),
    "user invite": Case(
        ADMIN,
        "/admin/users/invite",
        {"name": "Kept Colleague", "email": "kept@", "role": "channel_manager"},
        ("Kept Colleague", "kept@"),
        "f-email",
        chosen={"role": "channel_manager"},
    ),
    "user invite role": Case(
        ADMIN,
        "/admin/users/invite",
        {"name": "Kept Colleague", "email": "kept@vendor.example", "role": "partner_admin"},
        ("Kept Colleague", "kept@vendor.example"),
        "f-role",
    ),
    "team invite": Case(
        PARTNER_ADMIN,
        "/portal/team/invite",
        {"name": "Kept Member", "email": "no-at-sign", "role": "partner_admin"},
        ("Kept Member", "no-at-sign"),
        "f-email",
        chosen={"role": "partner_admin"},
    ),
    "partner invite": Case(
        ADMIN,
        "/admin/partners/{partner}/invite",
        {"name": "N" * 130, "email": "kept.admin@a.example"},
        ("N" * 130, "kept.admin@a.example"),
        "f-name",
    ),
    "new journey": Case(
        MARKETER,
        "/admin/journeys/new",
        {"name": "Welcome " + "x" * 200},
        ("Welcome " + "x" * 200,),
        "f-name",
    ),
    "tier add": Case(
        ADMIN,
        "/admin/tiers",
        {"name": "Kept Tier", "rank": "-5", "color": "#123456"},
        ("Kept Tier", "-5", "#123456"),
        "f-tier-new-rank",
    ),
    "tier edit": Case(
        ADMIN,
        "/admin/tiers/{tier}",
        {"name": "Silver", "rank": "77", "color": "#654321", "action": "save"},
        ("77", "#654321"),
        "f-tier-{tier}-name",
    ),
    "add asset": Case(
        MARKETER,
        "/admin/campaigns/{campaign}/assets",
        {"template_version_id": "{other_version}", "title": "T" * 201},
        ("T" * 201,),
        "f-title",
        chosen={"template_version_id": "{other_version}"},
    ),
    "partner status": Case(
        ADMIN,
        "/admin/partners/{partner}/status",
        {"status": "terminated", "note": "n" * 501},
        ("n" * 501,),
        "f-note",
        chosen={"status": "terminated"},
    ),
    "locator settings": Case(
        ADMIN,
        "/admin/locator/settings",
        {"locator_sort": "tier", "locator_tier_boost_km": "2000", "locator_radius_km": "30"},
        ("2000", "30"),
        "f-locator_tier_boost_km",
        chosen={"locator_sort": "tier"},
    ),
    "account token": Case(
        MARKETER,
        "/account",
        {"action": "token", "name": "t" * 300},
        ("t" * 300,),
        "f-token-name",
    ),
}


def _ids(world) -> dict:
    version = publish(session, import_template(session, load_starter("product-flyer")))
    other = publish(session, import_template(session, load_starter("social-square")))
    campaign = lifecycle.create_campaign(
        {"name": "Flyer promo", "targeting": {"min_tier": "Gold"}}, "test"
    )
    asset = assets.add_asset(campaign, {"template_version_id": version.id}, "test")
    session.commit()
    lifecycle.launch(campaign.id)
    location = (
        session.execute(select(Location).where(Location.partner_id == world.a_id)).scalars().first()
    )
    assert location is not None and session.get(Partner, world.a_id)
    return {
        "asset": asset.id,
        "campaign": campaign.id,
        "partner": world.a_id,
        "location": location.id,
        "other_version": other.id,
        "tier": session.execute(select(Tier.id).where(Tier.name == "Gold")).scalar_one(),
    }


def _field_tag(page: str, field_id: str) -> str:
    found = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    assert found, f"no field {field_id}"
    return found.group()


def _is_chosen(page: str, name: str, value: str) -> bool:
    """Whether the choice NAME shows VALUE as chosen: a checked radio, or a selected option of
    the select NAME."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return re.search(r"\schecked\b", tag) is not None
    select_ = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', page, re.S)
    return bool(select_) and bool(
        re.search(rf'<option value="{re.escape(value)}"\s+selected', select_.group())
    )


@pytest.mark.parametrize("name", CASES)
def test_a_refused_form_keeps_what_was_typed_and_marks_the_wrong_field(app, world, login_as, name):
    case = CASES[name]
    with app.app_context():
        ids = _ids(world)
    client = login_as(case.who)
    data = {key: value.format(**ids) for key, value in case.data.items()}
    for key, (content, filename) in case.files.items():
        data[key] = (io.BytesIO(content), filename)
    response = client.post(case.url.format(**ids), data=data, content_type="multipart/form-data")
    assert response.status_code == 400, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    text = html.unescape(page)
    for value in case.kept:
        assert value in text, f"{name}: {value!r} was not kept"
    for name_, value in case.chosen.items():
        assert _is_chosen(page, name_, value.format(**ids)), f"{name}: {name_} was not kept"
    # marked at the field, the message beside it
    wrong = case.wrong.format(**ids)
    tag = _field_tag(page, wrong)
    assert 'aria-invalid="true"' in tag, page[
        page.find("error-summary") : page.find("error-summary") + 800
    ]
    error_id = "e-" + wrong.removeprefix("f-")
    assert re.search(rf'aria-describedby="[^"]*\b{re.escape(error_id)}\b', tag), tag
    assert f'<p class="error" id="{error_id}">' in page
    # the summary at the top names the field and links to it
    summary = page[page.index('id="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert 'role="alert"' in page[: page.index('id="error-summary"') + 20]
    assert f'href="#{wrong}"' in summary


def test_a_download_button_saves_the_typed_values_first(app, world, login_as):
    """Without JavaScript too: the Download buttons submit the form; what was typed is saved,
    then the browser goes on to the file, made with it."""
    from campaigns.models import Customization, EngagementEvent, EventKind

    with app.app_context():
        asset_id = _ids(world)["asset"]
    client = login_as(PARTNER_ADMIN)
    page = client.get(f"/portal/assets/{asset_id}").get_data(as_text=True)
    assert re.search(r'<button[^>]*name="download" value="pdf"', page)
    response = client.post(
        f"/portal/assets/{asset_id}", data={"field_headline": "Fresh headline", "download": "pdf"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/portal/assets/{asset_id}/download/pdf")
    with app.app_context():
        saved = session.execute(select(Customization)).scalar_one().values
        assert saved["headline"] == "Fresh headline"

        def customized() -> int:
            kind = EventKind.CUSTOMIZE.value
            return len(
                session.execute(select(EngagementEvent).where(EngagementEvent.kind == kind)).all()
            )

        before = customized()
    file = client.get(response.headers["Location"])
    assert file.status_code == 200 and file.data.startswith(b"%PDF")
    # the same values again: nothing to save, straight on to the file
    again = client.post(
        f"/portal/assets/{asset_id}", data={"field_headline": "Fresh headline", "download": "png"}
    )
    assert again.status_code == 303 and again.headers["Location"].endswith("/download/png")
    with app.app_context():
        assert customized() == before
    # a refused value: the page again with the error, no file
    refused = client.post(
        f"/portal/assets/{asset_id}",
        data={"field_headline": "Newer", "field_cta_url": "not a url at all", "download": "pdf"},
    )
    assert refused.status_code == 400
    assert "Newer" in refused.get_data(as_text=True)
    # a format the asset has not
    assert client.post(f"/portal/assets/{asset_id}", data={"download": "exe"}).status_code == 404


def test_the_favicon_is_served_and_linked(app, world, client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    from PIL import Image

    icon = Image.open(io.BytesIO(response.data))
    assert {(16, 16), (32, 32), (48, 48)} <= set(icon.info["sizes"])
    assert client.get("/static/favicon.svg").status_code == 200
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in page
    assert 'href="/favicon.ico"' in page


def test_the_campaign_status_filter_is_a_form_with_a_button(app, world, login_as):
    """The CSP blocks inline handlers: the filter submits with its own Filter button."""
    with app.app_context():
        _ids(world)
        lifecycle.create_campaign({"name": "Still a draft"}, "test")
        session.commit()
    client = login_as(MARKETER)
    page = client.get("/admin/campaigns").get_data(as_text=True)
    assert "onchange" not in page and "<button>Filter</button>" in page
    live = client.get("/admin/campaigns?status=live").get_data(as_text=True)
    assert "Flyer promo" in live and "Still a draft" not in live
    drafts = client.get("/admin/campaigns?status=draft").get_data(as_text=True)
    assert "Still a draft" in drafts and "Flyer promo" not in drafts
