"""The beat's lead tasks: scheduled, and each a thin call of the domain (run here in-process)."""

from __future__ import annotations

from datetime import timedelta

from app.db import session, utcnow
from directory.leads import rules
from directory.leads.models import Lead
from tests.factories.leads import new_lead, partner_at


def test_the_beat_moves_overdue_leads_and_applies_the_retention(app):
    import workers
    from workers import leads as lead_tasks

    schedule = workers.celery.conf.beat_schedule
    assert schedule["leads-sla"]["task"] == "tandem.leads.sla"
    assert schedule["leads-retention"]["task"] == "tandem.leads.retention"
    with app.app_context():
        first = partner_at("First Berlin", "berlin")
        second = partner_at("Second Potsdam", "potsdam")
        session.commit()
        lead = new_lead()
        assert lead.partner_id == first.id
        lead.sla_due_at = utcnow() - timedelta(minutes=1)
        old = new_lead(email="old@x.example", phone="")
        old.created_at = utcnow() - timedelta(days=1000)
        row = rules.current()
        row.retention_days = 365
        session.add(row)
        session.commit()
        lead_id, old_id = lead.id, old.id
        assert lead_tasks.reassign_overdue.run() == 1
        assert lead_tasks.retention.run() == 1
        session.expire_all()
        assert session.get(Lead, lead_id).partner_id == second.id
        assert session.get(Lead, old_id).email == ""
        session.remove()
