"""A partner's answers to its leads: accept or decline a new one within the SLA, then mark it
contacted, won or lost (with a reason). Each answer is one conditional change: a lead that
moved on meanwhile (the SLA ran out, another answer came first) is refused, never changed."""

from __future__ import annotations

from sqlalchemy import update

from app import validation as v
from app.db import session, utcnow
from app.tenancy import unscoped
from directory import activity
from directory.leads import lifecycle
from directory.leads.models import Lead, LeadStatus, SlaState

MOVED_ON = "This lead is no longer waiting for your answer: it has moved on."
NEXT = {
    "contacted": (LeadStatus.ACCEPTED,),
    "won": (LeadStatus.ACCEPTED, LeadStatus.CONTACTED),
    "lost": (LeadStatus.ACCEPTED, LeadStatus.CONTACTED),
}


def _field(name: str, clean):
    """CLEAN(), with a refusal named after field NAME."""
    try:
        return clean()
    except v.Invalid as exc:
        raise v.ValidationFailed({name: str(exc)}) from exc


def _take(lead: Lead, **values) -> None:
    """Change LEAD from new (waiting for this partner) with VALUES, or refuse."""
    done = session.execute(
        update(Lead)
        .where(
            Lead.id == lead.id,
            Lead.partner_id == lead.partner_id,
            Lead.status == LeadStatus.NEW.value,
            Lead.sla_state == SlaState.WAITING.value,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise v.ValidationFailed({"lead": MOVED_ON})
    session.refresh(lead)


def accept(lead: Lead, actor) -> None:
    now = utcnow()
    _take(lead, status=LeadStatus.ACCEPTED.value, accepted_at=now, sla_state=SlaState.DONE.value)
    hours = (now - (lead.assigned_at or lead.created_at)).total_seconds() / 3600
    lifecycle.event(lead, "accepted", partner_id=lead.partner_id, actor=actor, at=now)
    activity.record(
        lead.partner_id,
        activity.LEAD_ACCEPTED,
        at=now,
        value=round(hours, 3),
        ref=("lead", lead.id),
    )


def decline(lead: Lead, actor, reason: str = "") -> None:
    """The partner passes: the lead goes to the next eligible partner (or the queue)."""
    reason = _field("reason", lambda: v.text(reason, max_length=300, label="The reason"))
    _take(lead, sla_state=SlaState.REASSIGNING.value, sla_claimed_at=utcnow())
    # the next partner is found among all partners, not within the decliner's scope
    with unscoped(session):
        lifecycle.move_on(lead, "declined", actor=actor, note=reason)


def progress(lead: Lead, to: str, actor, *, reason: str = "", value=None) -> None:
    """Mark an accepted lead contacted, won or lost (a reason is required for lost)."""
    if to not in NEXT:
        raise v.ValidationFailed({"status": "Choose contacted, won or lost."})
    if lead.status not in {s.value for s in NEXT[to]}:
        raise v.ValidationFailed(
            {"status": f"A lead that is {lead.status_label.lower()} cannot become {to}."}
        )
    now = utcnow()
    if to == "contacted":
        lead.status, lead.contacted_at = LeadStatus.CONTACTED.value, now
    elif to == "won":
        amount = _field("value", lambda: v.float_in(value, 0, 1e12, label="The deal amount"))
        lead.status, lead.closed_at, lead.deal_value = LeadStatus.WON.value, now, amount
        activity.record(
            lead.partner_id, activity.LEAD_WON, at=now, value=amount or 1, ref=("lead", lead.id)
        )
    else:
        reason = _field(
            "reason",
            lambda: v.text(reason, max_length=300, required=True, label="The reason it was lost"),
        )
        lead.status, lead.closed_at, lead.lost_reason = LeadStatus.LOST.value, now, reason
        activity.record(lead.partner_id, activity.LEAD_LOST, at=now, ref=("lead", lead.id))
    lifecycle.event(lead, to, partner_id=lead.partner_id, actor=actor, note=reason, at=now)
