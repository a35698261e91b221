"""A lead's moves between partners: sent to one, moved on after a decline or a timeout, put in
the channel manager's queue, taken from it by hand. Each move is a history event, and what a
partner receives counts in its activity record."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app import mail, runtime
from app.db import session, utcnow
from app.models import User
from directory import activity
from directory.leads import declines, routing
from directory.leads import rules as lead_rules
from directory.leads.models import Lead, LeadEvent, LeadStatus, SlaState
from directory.models import Partner


def event(lead: Lead, kind: str, *, partner_id=None, actor="system", note="", at=None) -> None:
    session.add(
        LeadEvent(
            lead_id=lead.id,
            kind=kind,
            partner_id=partner_id,
            actor=getattr(actor, "email", None) or str(actor),
            note=note,
            at=at or utcnow(),
        )
    )


def send_to(lead: Lead, decision: routing.Decision, *, now: datetime | None = None) -> None:
    """Give LEAD to the decision's partner (none: the queue), with its SLA and the reasons."""
    now = now or utcnow()
    candidate = decision.candidate
    lead.explanation = decision.explanation
    if candidate is None:
        lead.partner_id = None
        lead.status = LeadStatus.QUEUED.value
        lead.sla_state = SlaState.DONE.value
        lead.sla_due_at = None
        lead.assigned_at = None
        event(lead, "queued", note=decision.explanation, at=now)
        return
    partner = candidate.partner
    lead.partner_id = partner.id
    lead.location_id = candidate.location_id
    lead.distance_km = candidate.distance_km
    lead.status = LeadStatus.NEW.value
    lead.assigned_at = now
    lead.sla_state = SlaState.WAITING.value
    lead.sla_due_at = now + timedelta(hours=lead_rules.current().sla_hours)
    lead.sla_claimed_at = None
    lead.tried_partner_ids = [*(lead.tried_partner_ids or []), partner.id]
    event(lead, "sent", partner_id=partner.id, note=decision.explanation, at=now)
    activity.record(partner.id, activity.LEAD_RECEIVED, at=now, ref=("lead", lead.id))
    _tell_partner(lead, partner)


def _tell_partner(lead: Lead, partner: Partner) -> None:
    settings = runtime.settings()
    users = session.execute(
        select(User).where(User.partner_id == partner.id, User.active.is_(True))
    ).scalars()
    hours = lead_rules.current().sla_hours
    link = f"{settings.base_url}/portal/leads/{lead.id}"
    text = (
        f"Hello,\n\nA customer near you asked for an offer"
        f"{' about ' + lead.product_interest if lead.product_interest else ''}.\n\n"
        f"Please accept or decline it within {hours:g} hours, or it moves on to another "
        f"partner:\n{link}\n"
    )
    for user in users:
        mail.queue_mail(user.email, "A new lead is waiting for you", text)


def move_on(
    lead: Lead, why: str, *, actor="system", note: str = "", now: datetime | None = None
) -> None:
    """LEAD leaves its partner (declined, timed out; NOTE: the reason it gave): to the next
    eligible partner, or to the channel manager's queue once the program's number of
    partners were tried."""
    now = now or utcnow()
    rules = lead_rules.current()
    previous = lead.partner_id
    event(lead, why, partner_id=previous, actor=actor, note=note, at=now)
    tried = list(lead.tried_partner_ids or [])
    if len(tried) >= rules.max_attempts:
        decision = routing.Decision(
            None,
            f"In the channel manager's queue because {len(tried)} partners were tried "
            f"(the program tries {rules.max_attempts}) and none took it.",
        )
    else:
        decision = routing.choose(lead, exclude=tried)
    send_to(lead, decision, now=now)


def route(lead: Lead, chosen: Partner | None, *, now: datetime | None = None) -> None:
    """First routing of a new lead: to the partner the customer chose, or automatically."""
    decision = None
    if chosen is not None:
        declined = declines.by_customer(lead, lead_rules.current().conflict_days).get(chosen.id)
        decision = None if declined else routing.direct(lead, chosen)
        lead.routing = "direct"
        if decision is None:
            lead.routing = "auto"
            decision = routing.choose(lead)
            why = "declined this customer's request lately" if declined else "takes no leads now"
            decision.explanation = (
                f"{chosen.name}, whom the customer chose, {why}. " + decision.explanation
            )
    else:
        lead.routing = "auto"
        decision = routing.choose(lead)
    send_to(lead, decision, now=now)


def assign_by_hand(lead: Lead, partner: Partner, actor) -> None:
    """A channel manager gives a lead (from the queue, or any open one) to a partner."""
    decision = routing.Decision(
        routing.Candidate(
            partner=partner,
            distance_km=None,
            location_id=None,
            location_label="",
            coverage="chosen by hand",
            tier_step=0,
            score=0,
            open_leads=0,
            last_sent_at=None,
        ),
        f"Sent to {partner.name} by {getattr(actor, 'email', actor)}.",
    )
    if lead.partner_id and lead.partner_id != partner.id:
        event(lead, "taken_back", partner_id=lead.partner_id, actor=actor)
    send_to(lead, decision)
