"""Declines on SQLite and PostgreSQL: the reason is kept on the declined event, read for the
vendor, and routing never sends the lead or the same customer's next request back to the
partner that declined. Routing looks only at partners near the place or listing it."""

from __future__ import annotations

import pytest

from app.db import session
from directory.leads import declines, inbox, routing, rules
from directory.leads.models import Lead, LeadEvent
from directory.models import Partner
from tests.factories.leads import new_lead, partner_at


@pytest.fixture
def two(ctx):
    first = partner_at("First Berlin", "berlin")
    second = partner_at("Second Potsdam", "potsdam")
    row = rules.current()
    row.tier_weight_km, row.equal_band_km, row.open_lead_cap = 0.0, 0.0, 0
    session.add(row)
    session.commit()
    return first, second


def test_the_reason_is_on_the_declined_event_and_read_back(two):
    first, second = two
    lead = new_lead()
    assert lead.partner_id == first.id
    inbox.decline(lead, "p@first.example", "We do not install in flats")
    session.commit()
    assert lead.partner_id == second.id
    event = session.query(LeadEvent).filter_by(lead_id=lead.id, kind="declined").one()
    assert event.note == "We do not install in flats" and event.partner_id == first.id
    found = declines.of_leads([lead.id])[lead.id]
    assert [(d.partner, d.reason) for d in found] == [
        ("First Berlin", "We do not install in flats")
    ]
    assert declines.of_leads([]) == {}


def test_an_older_lead_keeps_its_reason_from_the_note(two):
    first, _ = two
    lead = new_lead()
    session.add_all(
        [
            LeadEvent(lead_id=lead.id, kind="declined", partner_id=first.id, note=""),
            LeadEvent(lead_id=lead.id, kind="note", note="Declined: Too far"),
        ]
    )
    session.commit()
    assert [d.reason for d in declines.of_leads([lead.id])[lead.id]] == ["Too far"]


def test_the_same_customers_next_request_avoids_the_decliner(two):
    first, second = two
    lead = new_lead()
    inbox.decline(lead, "p@first.example", "Busy")
    session.commit()
    # the same customer asks again: the nearest partner declined them, so the next one
    again = new_lead()
    assert again.partner_id == second.id
    # even when the customer picks the partner that declined them
    chosen = new_lead(partner=first.slug)
    assert chosen.partner_id == second.id and chosen.routing == "auto"
    assert "First Berlin, whom the customer chose, declined this customer's request" in (
        chosen.explanation
    )
    # another customer still reaches the nearest partner
    other = new_lead(email="someone@else.example", phone="")
    assert other.partner_id == first.id


def test_when_only_decliners_cover_it_the_queue_says_why(two):
    first, second = two
    lead = new_lead()
    inbox.decline(lead, "p", "Busy")
    session.commit()
    inbox.decline(lead, "p", "")
    session.commit()
    again = new_lead()
    assert again.partner_id is None and again.status == "queued"
    assert "First Berlin declined this customer's request (Busy)" in again.explanation
    assert "Second Potsdam declined this customer's request" in again.explanation
    assert session.get(Lead, lead.id).tried_partner_ids == [first.id, second.id]


def test_area_coverage_by_region_and_country(ctx):
    by_region = partner_at("Region Partner", "paris", regions=["Brandenburg"])
    partner_at("Country Partner", "munich", countries=["FR"])
    session.commit()
    lead = new_lead(None, postcode="")
    lead.region, lead.country_code = "brandenburg", "DE"
    found, _ = routing.candidates(lead)
    assert [c.partner.id for c in found] == [by_region.id]
    assert found[0].coverage == "covers the region brandenburg"
    lead.region, lead.country_code = "", "fr"
    assert [c.partner.name for c in routing.candidates(lead)[0]] == ["Country Partner"]


def test_routing_loads_only_the_partners_that_may_cover_the_place(ctx):
    near = partner_at("Near Berlin", "berlin")
    for n in range(25):
        partner_at(f"Far Paris {n}", "paris")
    partner_at("Far Munich", "munich", service_radius_km=300.0, location_radii={})
    session.commit()
    lead = new_lead(email="first@x.example", phone="")
    assert lead.partner_id == near.id
    lead_id = lead.id
    session.expunge_all()
    lead = session.get(Lead, lead_id)
    found, _ = routing.candidates(lead)
    loaded = {o.name for o in session.identity_map.values() if isinstance(o, Partner)}
    # Munich is 504 km away: outside its 300 km radius, and no Paris partner was loaded at all
    assert [c.partner.name for c in found] == ["Near Berlin"]
    assert not any(name.startswith("Far Paris") for name in loaded)
