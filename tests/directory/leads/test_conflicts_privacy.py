"""Channel conflicts and the customer's data, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import session, utcnow
from directory.leads import conflicts, inbox, privacy, rules
from directory.leads.models import Lead
from tests.factories.leads import new_lead, partner_at


@pytest.fixture
def two(app):
    with app.app_context():
        a = partner_at("Alpha Berlin", "berlin")
        b = partner_at("Bravo Munich", "munich")
        session.commit()
        yield a, b
        session.remove()


def test_the_same_email_or_phone_with_an_open_lead_is_flagged(two):
    first = new_lead()
    second = new_lead(email="other@x.example")  # the same phone
    assert second.conflict_open and second.conflict_with_id == first.id
    assert "still open with Alpha Berlin" in second.conflict_reason
    third = new_lead(email="fresh@x.example", phone="+49 89 999")
    assert not third.conflict_open
    assert conflicts.open_conflicts() == [second]
    conflicts.resolve(second, "cm@vendor.example")
    session.commit()
    assert conflicts.open_conflicts() == []


def test_a_customer_handled_by_another_partner_is_flagged(two):
    a, b = two
    first = new_lead()
    inbox.accept(first, "p")
    inbox.progress(first, "won", "p")
    first.created_at = utcnow() - timedelta(days=90)  # out of the open-lead window
    session.commit()
    second = new_lead("munich", partner=b.slug)
    assert second.partner_id == b.id
    assert second.conflict_with_id == first.id
    assert "Alpha Berlin already handles this customer" in second.conflict_reason


def test_export_and_erase_a_customer(two):
    lead = new_lead()
    data = privacy.export_customer(" Carla@Customer.example ")
    assert [row["id"] for row in data["leads"]] == [lead.id]
    assert data["leads"][0]["consent_text"] == lead.consent_text
    assert privacy.erase_customer("carla@customer.example") == 1
    session.commit()
    session.expire_all()
    erased = session.get(Lead, lead.id)
    assert erased.name == "Anonymized" and erased.email == "" and erased.anonymized_at
    assert privacy.export_customer("carla@customer.example")["leads"] == []


@pytest.mark.parametrize("action", ["anonymize", "delete"])
def test_retention(two, action):
    old, recent = new_lead(), new_lead(email="r@x.example", phone="")
    old_id, recent_id = old.id, recent.id
    old.created_at = utcnow() - timedelta(days=400)
    row = rules.current()
    row.retention_days, row.retention_action = 365, action
    session.add(row)
    session.commit()
    assert privacy.apply_retention() == 1
    session.commit()
    session.expire_all()
    left = {lead.id: lead for lead in session.execute(select(Lead)).scalars()}
    assert recent_id in left and left[recent_id].name == "Carla Customer"
    if action == "delete":
        assert old_id not in left
    else:
        assert left[old_id].email == "" and left[old_id].anonymized_at is not None
    assert privacy.apply_retention() == 0
