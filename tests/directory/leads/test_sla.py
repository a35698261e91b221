"""The SLA on SQLite and PostgreSQL: answers within it, declines and timeouts moving a lead on,
the channel manager's queue after N tries, and two workers racing on the same due leads."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import validation as v
from app.db import session, utcnow
from directory.activity_models import PartnerActivity
from directory.leads import inbox, rules, sla
from directory.leads.models import Lead, LeadEvent
from tests.factories.leads import new_lead, partner_at


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        session.remove()


@pytest.fixture
def three(ctx):
    partners = [
        partner_at("First Berlin", "berlin"),
        partner_at("Second Potsdam", "potsdam"),
        partner_at("Third Hamburg", "hamburg", service_radius_km=300.0),
    ]
    row = rules.current()
    row.tier_weight_km, row.equal_band_km, row.max_attempts = 0.0, 0.0, 2
    session.add(row)
    session.commit()
    return partners


def overdue(lead_ids):
    for lead in session.execute(select(Lead).where(Lead.id.in_(lead_ids))).scalars():
        lead.sla_due_at = utcnow() - timedelta(minutes=1)
    session.commit()


def test_accept_in_time_records_the_hours(three):
    lead = new_lead()
    inbox.accept(lead, "partner@first.example")
    session.commit()
    assert lead.status == "accepted" and lead.sla_state == "done"
    accepted = session.execute(
        select(PartnerActivity).where(PartnerActivity.kind == "lead_accepted")
    ).scalar_one()
    assert accepted.partner_id == three[0].id and 0 <= accepted.value < 0.1
    overdue([lead.id])
    assert sla.reassign_due() == 0  # answered: nothing to move
    inbox.progress(lead, "contacted", "p")
    inbox.progress(lead, "won", "p", value="1200")
    session.commit()
    kinds = {a.kind for a in session.execute(select(PartnerActivity)).scalars()}
    assert kinds == {"lead_received", "lead_accepted", "lead_won"}
    with pytest.raises(v.ValidationFailed):
        inbox.progress(lead, "lost", "p", reason="late")


def test_lost_needs_a_reason(three):
    lead = new_lead()
    inbox.accept(lead, "p")
    with pytest.raises(v.ValidationFailed):
        inbox.progress(lead, "lost", "p", reason="")
    inbox.progress(lead, "lost", "p", reason="Went with a competitor")
    session.commit()
    assert lead.lost_reason == "Went with a competitor"


def test_timeout_moves_on_then_the_queue(three):
    lead = new_lead()
    assert lead.partner_id == three[0].id
    overdue([lead.id])
    assert sla.reassign_due() == 1
    session.expire_all()
    lead = session.get(Lead, lead.id)
    assert lead.partner_id == three[1].id and lead.status == "new"
    assert lead.explanation.startswith("Not answered within 24 hours. Sent to Second Potsdam")
    assert lead.sla_due_at > utcnow()
    # the partner that timed out cannot accept it any more
    overdue([lead.id])
    assert sla.reassign_due() == 1
    session.expire_all()
    lead = session.get(Lead, lead.id)
    assert lead.status == "queued" and lead.partner_id is None
    assert "2 partners were tried" in lead.explanation
    kinds = [e.kind for e in session.execute(select(LeadEvent).order_by(LeadEvent.id)).scalars()]
    assert kinds == ["received", "sent", "timed_out", "sent", "timed_out", "queued"]


def test_decline_moves_on_and_a_late_accept_is_refused(three):
    lead = new_lead()
    stale = session.get(Lead, lead.id)
    inbox.decline(lead, "p", "Too busy")
    session.commit()
    assert lead.partner_id == three[1].id
    stale_copy = Lead(id=lead.id, partner_id=three[0].id)
    with pytest.raises(v.ValidationFailed):
        inbox._take(stale_copy, status="accepted")
    assert stale is lead


def test_two_workers_racing_move_each_lead_once(three):
    row = rules.current()
    row.open_lead_cap = 0
    session.commit()
    leads = [new_lead(email=f"c{n}@x.example", phone="").id for n in range(24)]
    overdue(leads)
    moved: list[int] = [0, 0]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(n: int) -> None:
        try:
            start.wait(timeout=30)
            moved[n] = sla.reassign_due(limit=5)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(moved) == len(leads)
    timeouts = Counter(
        session.execute(select(LeadEvent.lead_id).where(LeadEvent.kind == "timed_out")).scalars()
    )
    assert timeouts == {lead_id: 1 for lead_id in leads}, "a lead moved twice or never"
    for lead in session.execute(select(Lead)).scalars():
        assert lead.partner_id == three[1].id and len(lead.tried_partner_ids) == 2


def test_a_dead_workers_claim_is_taken_over(three):
    lead = new_lead()
    overdue([lead.id])
    from app import claims

    assert claims.claim(sla.SLA, lead.id) == 1  # a worker took it, then died
    assert sla.reassign_due() == 0  # its lease holds
    later = utcnow() + sla.LEASE + timedelta(seconds=1)
    assert sla.reassign_due(now=later) == 1
    session.expire_all()
    assert session.get(Lead, lead.id).partner_id == three[1].id
