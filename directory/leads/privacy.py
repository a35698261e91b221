"""The customer's data: kept no longer than the retention setting (anonymized or deleted by the
beat), and exported or erased on request."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from app.db import session, utcnow
from directory.leads import rules as lead_rules
from directory.leads.models import Lead, LeadEvent

ANONYMOUS = "Anonymized"
PERSONAL = {
    "name": ANONYMOUS,
    "email": "",
    "phone": "",
    "postcode": "",
    "place": "",
    "message": "",
    "latitude": None,
    "longitude": None,
}


def _anonymize(where) -> int:
    ids = list(session.execute(select(Lead.id).where(*where)).scalars())
    if not ids:
        return 0
    session.execute(
        update(Lead)
        .where(Lead.id.in_(ids))
        .values(**PERSONAL, anonymized_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(LeadEvent)
        .where(LeadEvent.lead_id.in_(ids), LeadEvent.kind == "note")
        .values(note="")
        .execution_options(synchronize_session=False)
    )
    return len(ids)


def apply_retention(now: datetime | None = None) -> int:
    """Anonymize or delete the leads older than the retention; how many. The caller commits."""
    rules = lead_rules.current()
    if not rules.retention_days:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=rules.retention_days)
    if rules.retention_action == "delete":
        ids = list(session.execute(select(Lead.id).where(Lead.created_at < cutoff)).scalars())
        if ids:
            session.execute(
                update(Lead)
                .where(Lead.conflict_with_id.in_(ids))
                .values(conflict_with_id=None)
                .execution_options(synchronize_session=False)
            )
            session.execute(delete(LeadEvent).where(LeadEvent.lead_id.in_(ids)))
            session.execute(
                delete(Lead).where(Lead.id.in_(ids)).execution_options(synchronize_session=False)
            )
        return len(ids)
    return _anonymize([Lead.created_at < cutoff, Lead.anonymized_at.is_(None)])


def _of(email: str):
    return Lead.email == (email or "").strip().lower()


def export_customer(email: str) -> dict:
    """Everything kept about the customer with EMAIL, as JSON-ready data."""
    leads = session.execute(select(Lead).where(_of(email)).order_by(Lead.id)).scalars().all()
    return {
        "email": (email or "").strip().lower(),
        "exported_at": utcnow().isoformat(),
        "leads": [
            {
                "id": lead.id,
                "created_at": lead.created_at.isoformat(),
                "name": lead.name,
                "email": lead.email,
                "phone": lead.phone,
                "postcode": lead.postcode,
                "place": lead.place,
                "product_interest": lead.product_interest,
                "message": lead.message,
                "consent": lead.consent,
                "consent_text": lead.consent_text,
                "partner": lead.partner.name if lead.partner else None,
                "status": lead.status,
            }
            for lead in leads
        ],
    }


def erase_customer(email: str) -> int:
    """Anonymize every lead of the customer with EMAIL; how many. The caller commits."""
    if not (email or "").strip():
        return 0
    return _anonymize([_of(email), Lead.anonymized_at.is_(None)])
