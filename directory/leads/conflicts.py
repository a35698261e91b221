"""Possible channel conflicts: the same customer (email or phone) with an open lead of the last
days, or already handled by another partner. Flagged for the channel manager, not blocked."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select

from app.db import session, utcnow
from directory.leads import rules as lead_rules
from directory.leads.models import OPEN_STATUSES, Lead, LeadStatus

HANDLED = (LeadStatus.ACCEPTED, LeadStatus.CONTACTED, LeadStatus.WON)


def _same_customer(lead: Lead):
    same = [Lead.email == lead.email]
    if lead.phone:
        same.append(Lead.phone == lead.phone)
    return or_(*same)


def flag(lead: Lead) -> Lead | None:
    """Mark LEAD as a possible conflict with an earlier lead; that lead, or None."""
    days = lead_rules.current().conflict_days
    since = utcnow() - timedelta(days=days)
    earlier = select(Lead).where(
        Lead.id != lead.id, Lead.anonymized_at.is_(None), _same_customer(lead)
    )
    recent = (
        session.execute(
            earlier.where(
                Lead.created_at >= since, Lead.status.in_([s.value for s in OPEN_STATUSES])
            ).order_by(Lead.created_at.desc())
        )
        .scalars()
        .first()
    )
    if recent is not None:
        lead.conflict_with_id = recent.id
        lead.conflict_reason = (
            f"The same customer sent lead #{recent.id} within the last {days} days "
            f"and it is still open"
            + (f" with {recent.partner.name}" if recent.partner else "")
            + "."
        )
        lead.conflict_open = True
        return recent
    handled = (
        session.execute(
            earlier.where(
                Lead.status.in_([s.value for s in HANDLED]),
                Lead.partner_id.is_not(None),
                Lead.partner_id != (lead.partner_id or 0),
            ).order_by(Lead.created_at.desc())
        )
        .scalars()
        .first()
    )
    if handled is not None:
        lead.conflict_with_id = handled.id
        lead.conflict_reason = (
            f"{handled.partner.name} already handles this customer (lead #{handled.id})."
        )
        lead.conflict_open = True
        return handled
    return None


def resolve(lead: Lead, actor, note: str = "") -> None:
    from directory.leads.lifecycle import event

    lead.conflict_open = False
    event(lead, "conflict_closed", actor=actor, note=note or "Looked at: no conflict to act on.")


def open_conflicts(limit: int = 200) -> list[Lead]:
    return list(
        session.execute(
            select(Lead).where(Lead.conflict_open.is_(True)).order_by(Lead.id.desc()).limit(limit)
        ).scalars()
    )
