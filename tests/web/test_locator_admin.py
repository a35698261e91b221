"""The locator in the portal and the admin area: a partner's public profile (with and without
approval), opening hours and pin, geocode states and failures, listing, and the settings."""

from __future__ import annotations

from app.db import session
from app.models import ProgramSettings
from directory.locator.models import ProfileChange
from directory.models import Location, Partner


def _approval(app, on: bool) -> None:
    with app.app_context():
        program = ProgramSettings.saved() or ProgramSettings.with_defaults()
        program.profile_changes_need_approval = on
        session.add(program)
        session.commit()


def _partner(app, world) -> Partner:
    with app.app_context():
        return session.get(Partner, world.a_id)


def test_profile_changes_apply_at_once_without_approval(app, world, login_as):
    client = login_as("partner_admin@a.example")
    page = client.post(
        "/portal/public-profile",
        data={"description": "We install heat pumps.", "services": "Installation, Repairs",
              "languages": "de, en"},
    )  # fmt: skip
    assert page.status_code == 302
    partner = _partner(app, world)
    assert partner.description == "We install heat pumps."
    assert partner.services == ["Installation", "Repairs"] and partner.languages == ["de", "en"]


def test_profile_changes_wait_for_the_vendor_when_the_program_says_so(app, world, login_as):
    _approval(app, True)
    client = login_as("partner_admin@a.example")
    client.post(
        "/portal/public-profile",
        data={"description": "Pending words", "services": "Consulting", "languages": "fr"},
    )
    assert "Pending words" not in (_partner(app, world).description or "")
    page = client.get("/portal/public-profile").get_data(as_text=True)
    assert "wait for" in page and "Pending words" in page
    # the company profile no longer takes the description around the approval
    client.post("/portal/profile", data={"name": "Alpha Secret Partner", "description": "Sneaky"})
    assert _partner(app, world).description != "Sneaky"

    manager = login_as("cm@vendor.example")
    listing = manager.get("/admin/locator").get_data(as_text=True)
    assert "Profile changes to approve" in listing and "Pending words" in listing
    with app.app_context():
        change = session.query(ProfileChange).one()
    assert (
        manager.post(
            f"/admin/locator/changes/{change.id}", data={"decision": "approve"}
        ).status_code
        == 302
    )
    partner = _partner(app, world)
    assert partner.description == "Pending words" and partner.services == ["Consulting"]
    # deciding twice is refused with a message, nothing changes
    again = manager.post(f"/admin/locator/changes/{change.id}", data={"decision": "reject"})
    assert again.status_code == 302
    with app.app_context():
        assert session.get(ProfileChange, change.id).state == "approved"


def test_partner_sets_hours_and_moves_the_pin(app, world, login_as):
    with app.app_context():
        location_id = session.get(Partner, world.a_id).locations[0].id
    client = login_as("partner_admin@a.example")
    url = f"/portal/public-profile/locations/{location_id}"
    assert client.get(url).status_code == 200
    saved = client.post(
        url,
        data={"opening_hours": "Mo-Fr 09:00-18:00\nSa 10:00-14:00", "latitude": "52.51",
              "longitude": "13.39"},
    )  # fmt: skip
    assert saved.status_code == 302
    with app.app_context():
        location = session.get(Location, location_id)
        assert (location.latitude, location.longitude) == (52.51, 13.39)
        assert location.geocode_state == "manual"
        assert location.opening_hours == "Mo-Fr 09:00-18:00\nSa 10:00-14:00"
    bad = client.post(url, data={"opening_hours": "", "latitude": "95", "longitude": "13"})
    assert bad.status_code == 400 and "latitude" in bad.get_data(as_text=True).lower()
    # partner B cannot reach A's location
    other = login_as("partner_admin@b.example")
    assert other.get(url).status_code == 404


def test_vendor_sees_failures_and_states_and_lists_partners(app, world, login_as):
    with app.app_context():
        partner = session.get(Partner, world.a_id)
        session.add(
            Location(
                partner_id=partner.id, city="Qwzxville", country_code="DE",
                geocode_state="failed", geocode_note="No place called Qwzxville was found in DE.",
            )
        )  # fmt: skip
        session.commit()
    admin = login_as("admin@vendor.example")
    page = admin.get("/admin/locator").get_data(as_text=True)
    assert "Qwzxville" in page and "Not found" in page and "Pin placed by hand" in page
    admin.post(f"/admin/locator/partners/{world.a_id}/listed", data={"listed": "yes"})
    assert _partner(app, world).listed_in_locator is True
    assert admin.get("/partners/alpha-secret-partner").status_code == 200
    admin.post(f"/admin/locator/partners/{world.a_id}/listed", data={"listed": "no"})
    assert _partner(app, world).listed_in_locator is False
    # the partner sees the state of its locations too
    portal = login_as("partner_admin@a.example").get("/portal/locations").get_data(as_text=True)
    assert "Not found" in portal and "No place called Qwzxville" in portal


def test_locator_settings(app, world, login_as):
    admin = login_as("admin@vendor.example")
    admin.post(
        "/admin/locator/settings",
        data={"locator_sort": "tier", "locator_tier_boost_km": "12.5", "locator_radius_km": "25",
              "profile_changes_need_approval": "yes"},
    )  # fmt: skip
    with app.app_context():
        program = ProgramSettings.saved()
        assert program.locator_sort == "tier" and program.locator_tier_boost_km == 12.5
        assert program.locator_radius_km == 25 and program.profile_changes_need_approval
    refused = admin.post(
        "/admin/locator/settings", data={"locator_sort": "random", "locator_radius_km": "30"}
    )
    assert refused.status_code == 400  # the page again: the order marked, the radius kept
    page = refused.get_data(as_text=True)
    assert 'id="f-locator_sort"' in page and 'aria-invalid="true"' in page
    assert 'name="locator_radius_km" type="number" value="30"' in page
    with app.app_context():
        assert ProgramSettings.saved().locator_sort == "tier"
