"""Partners that declined a lead, and why: shown to the vendor beside the lead, and kept out of
routing, so that neither the lead nor the same customer's next request goes back to them.

A decline is the lead's ``declined`` history event; its note is the reason the partner gave
(leads declined before the reason moved onto that event kept it in a ``note`` event reading
"Declined: …", which is read too)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from app.db import session, utcnow
from directory.leads.models import Lead, LeadEvent
from directory.models import Partner

OLD_PREFIX = "Declined: "


@dataclass(frozen=True)
class Decline:
    lead_id: int
    partner_id: int | None
    partner: str
    reason: str
    at: datetime

    def as_json(self) -> dict:
        return {
            "partner_id": self.partner_id,
            "partner": self.partner,
            "reason": self.reason,
            "at": self.at.isoformat(),
        }


def of_leads(lead_ids) -> dict[int, list[Decline]]:
    """The declines of each lead in LEAD_IDS, oldest first (leads without: absent)."""
    ids = list(lead_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(LeadEvent, Partner.name)
        .outerjoin(Partner, Partner.id == LeadEvent.partner_id)
        .where(LeadEvent.lead_id.in_(ids), LeadEvent.kind.in_(("declined", "note")))
        .order_by(LeadEvent.lead_id, LeadEvent.at, LeadEvent.id)
    ).all()
    found: dict[int, list[Decline]] = defaultdict(list)
    for event, name in rows:
        if event.kind == "declined":
            found[event.lead_id].append(
                Decline(event.lead_id, event.partner_id, name or "", event.note, event.at)
            )
        elif event.note.startswith(OLD_PREFIX) and found.get(event.lead_id):
            last = found[event.lead_id][-1]
            if not last.reason:  # an older lead: the reason came as a note after the decline
                found[event.lead_id][-1] = Decline(
                    last.lead_id, last.partner_id, last.partner,
                    event.note.removeprefix(OLD_PREFIX), last.at,
                )  # fmt: skip
    return dict(found)


def by_customer(lead: Lead, days: int) -> dict[int, Decline]:
    """Partners that declined this lead or a request of the same customer (email or phone)
    in the last DAYS days, by partner id: routing leaves them out."""
    same = [Lead.email == lead.email]
    if lead.phone:
        same.append(Lead.phone == lead.phone)
    since = utcnow() - timedelta(days=days)
    lead_ids = session.execute(
        select(Lead.id).where(
            or_(Lead.id == (lead.id or 0), (or_(*same)) & (Lead.created_at >= since))
        )
    ).scalars()
    found: dict[int, Decline] = {}
    for declines in of_leads(lead_ids).values():
        for decline in declines:
            if decline.partner_id is not None:
                found.setdefault(decline.partner_id, decline)
    return found
