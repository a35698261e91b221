"""Lead routing on SQLite and PostgreSQL: direct and automatic, coverage, products, the cap,
the tier weighting, turns among equals, the queue, and the reasons kept on each lead."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from app.db import session
from directory.activity_models import PartnerActivity
from directory.leads import rules
from directory.leads.models import Lead, LeadRules
from tests.factories.leads import new_lead, partner_at, request_data


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        session.remove()


def set_rules(**values):
    row = rules.current()
    for k, v in values.items():
        setattr(row, k, v)
    session.add(row)
    session.commit()


def test_the_nearest_partner_gets_it_with_the_reasons(ctx):
    near = partner_at("Near Berlin", "berlin")
    partner_at("Far Potsdam", "potsdam")
    session.commit()
    lead = new_lead("berlin")
    assert lead.partner_id == near.id and lead.status == "new" and lead.routing == "auto"
    assert lead.explanation.startswith("Sent to Near Berlin because")
    assert "within its 50 km service radius" in lead.explanation
    assert lead.sla_state == "waiting" and lead.sla_due_at > lead.assigned_at
    assert lead.consent and "may contact me" in lead.consent_text
    kinds = session.execute(select(PartnerActivity.kind, PartnerActivity.ref_id)).all()
    assert kinds == [("lead_received", str(lead.id))]


def test_the_customer_may_choose_the_partner(ctx):
    partner_at("Near Berlin", "berlin")
    far = partner_at("Far Potsdam", "potsdam")
    session.commit()
    lead = new_lead("berlin", partner=far.slug)
    assert lead.partner_id == far.id and lead.routing == "direct"
    assert lead.requested_partner_id == far.id
    assert "the customer chose it" in lead.explanation


def test_coverage_products_and_leads_taken(ctx):
    partner_at("Small Radius", "potsdam", service_radius_km=10.0)
    partner_at("No Leads", "berlin", accepts_leads=False)
    partner_at("Only Pumps", "berlin", products=["Heat pumps"])
    by_postcode = partner_at("Postcodes", "munich", postcodes=["101"])
    session.commit()
    lead = new_lead("berlin", product_interest="Solar panels")
    # Potsdam is 27 km away (outside 10 km); the Berlin ones take no leads or no solar
    assert lead.partner_id == by_postcode.id
    assert "covers postcodes starting 101" in lead.explanation
    pumps = new_lead("berlin", product_interest="heat pumps", email="p@x.example", phone="")
    assert pumps.partner.name == "Only Pumps"


def test_no_partner_puts_it_in_the_queue(ctx):
    partner_at("Paris Only", "paris")
    session.commit()
    lead = new_lead("berlin")
    assert lead.partner_id is None and lead.status == "queued"
    assert lead.explanation.startswith("In the channel manager's queue because")


def test_tier_weighting_beats_a_little_distance(ctx):
    partner_at("Silver Berlin", "berlin", "Silver")
    gold = partner_at("Gold Potsdam", "potsdam", "Gold")
    session.commit()
    set_rules(tier_weight_km=0.0, equal_band_km=0.0)
    assert new_lead("berlin").partner.name == "Silver Berlin"
    set_rules(tier_weight_km=40.0)
    lead = new_lead("berlin", email="other@x.example", phone="")
    assert lead.partner_id == gold.id
    assert "its tier (Gold) counts 40 km nearer" in lead.explanation


def test_equals_take_turns_fairly(ctx):
    a = partner_at("Turn A", "berlin")
    b = partner_at("Turn B", "berlin")
    c = partner_at("Turn C", "berlin")
    session.commit()
    set_rules(open_lead_cap=0)
    got = Counter(
        new_lead("berlin", email=f"c{n}@x.example", phone="").partner_id for n in range(9)
    )
    assert got == {a.id: 3, b.id: 3, c.id: 3}
    last = session.execute(select(Lead).order_by(Lead.id.desc())).scalars().first()
    assert "next in turn among 3 partners" in last.explanation


def test_the_cap_of_open_leads(ctx):
    a = partner_at("Capped A", "berlin")
    b = partner_at("Capped B", "potsdam")
    session.commit()
    set_rules(open_lead_cap=2, equal_band_km=0.0, tier_weight_km=0.0)
    got = [new_lead("berlin", email=f"c{n}@x.example", phone="").partner_id for n in range(5)]
    assert got == [a.id, a.id, b.id, b.id, None]


def test_a_form_with_errors_saves_nothing(ctx):
    from app import validation as v

    partner_at("Near Berlin", "berlin")
    session.commit()
    from directory.leads import capture

    with pytest.raises(v.ValidationFailed) as failed:
        capture.capture(
            request_data(email="not an email", consent="", name=""),
            source="profile",
            program_name="P",
        )
    assert set(failed.value.errors) == {"email", "consent", "name"}
    session.rollback()
    assert session.execute(select(Lead)).first() is None
    assert session.execute(select(LeadRules)).first() is None
