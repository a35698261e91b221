"""API: leads. Vendor users see and create every lead; partner users see their own partner's
(the partner scope) and answer them."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from app import validation as v
from app.db import session
from app.web.access import ALL_ROLES, PARTNER, VENDOR_MANAGERS, acting_user, roles
from app.web.api import bp
from app.web.api.schemas.leads import LEAD, LEAD_ANSWER, LEAD_CREATE, LEADS, LEADS_QUERY
from app.web.api.spec import operation
from app.web.common import get_or_404
from app.web.theme import theme_context
from directory.leads import capture, declines, inbox, reports
from directory.leads.models import Lead, LeadStatus


def _when(value):
    return value.isoformat() if value else None


def lead_json(lead: Lead, *, contact: bool = True, declined=None) -> dict:
    """A lead; a partner sees the customer's contact details once it accepted the lead, the
    vendor also which partners declined it and why (DECLINED: those, else looked up)."""
    if declined is None:
        declined = declines.of_leads([lead.id]).get(lead.id, [])
    return {
        "id": lead.id,
        "created_at": lead.created_at.isoformat(),
        "status": lead.status,
        "partner_id": lead.partner_id,
        "partner": lead.partner.name if lead.partner else None,
        "routing": lead.routing,
        "explanation": lead.explanation,
        "name": lead.name if contact else None,
        "email": lead.email if contact else None,
        "phone": lead.phone if contact else None,
        "postcode": lead.postcode,
        "place": lead.place,
        "country_code": lead.country_code,
        "product_interest": lead.product_interest,
        "message": lead.message,
        "consent_text": lead.consent_text,
        "distance_km": lead.distance_km,
        "sla_due_at": _when(lead.sla_due_at),
        "accepted_at": _when(lead.accepted_at),
        "closed_at": _when(lead.closed_at),
        "lost_reason": lead.lost_reason,
        "deal_value": lead.deal_value,
        "conflict": lead.conflict_reason if lead.conflict_open else None,
        "declines": [d.as_json() for d in declined],
    }


def _visible(lead: Lead, declined=None) -> dict:
    """LEAD as the acting user may see it: a partner neither the contact of a lead it has not
    accepted nor the other partners that declined it."""
    user = acting_user()
    hidden = user.is_partner_user and lead.status == LeadStatus.NEW.value
    if user.is_partner_user:
        declined = []
    return lead_json(lead, contact=not hidden, declined=declined)


@bp.get("/leads")
@roles(ALL_ROLES)
@operation(
    "Leads, newest first (a partner user: its own partner's)",
    response=LEADS,
    query=LEADS_QUERY,
    tag="leads",
)
def leads_index():
    f = reports.LeadFilters.of(request.args)
    if f.errors:
        raise v.ValidationFailed({"since": " ".join(f.errors)})
    page = int(request.args["page"]) if request.args.get("page", "").isdigit() else 1
    rows, total = reports.page_of(f, min(max(page, 1), 100_000))
    declined = declines.of_leads(lead.id for lead in rows)
    items = [_visible(lead, declined.get(lead.id, [])) for lead in rows]
    return {"items": items, "total": total, "page": page}


@bp.post("/leads")
@roles(VENDOR_MANAGERS)
@operation(
    "Add a customer's request (from another form or system); it is routed as on the website",
    body=LEAD_CREATE,
    response=LEAD,
    status=201,
    tag="leads",
)
def leads_create():
    data = {k: ("" if val is None else val) for k, val in g.api_body.items()}
    data["consent"] = "yes" if g.api_body.get("consent") else ""
    program = theme_context()["program"]
    lead = capture.capture(data, source="api", program_name=program.program_name)
    session.commit()
    return lead_json(lead), 201


@bp.get("/leads/<int:lead_id>")
@roles(ALL_ROLES)
@operation("One lead", response=LEAD, tag="leads")
def lead_show(lead_id: int):
    return _visible(get_or_404(Lead, lead_id))


def _found_first(view):
    """404 for a lead the user cannot see, before its body is checked (that would tell)."""

    @wraps(view)
    def wrapped(lead_id: int, **kwargs):
        get_or_404(Lead, lead_id)
        return view(lead_id=lead_id, **kwargs)

    return wrapped


@bp.post("/leads/<int:lead_id>/answer")
@roles(PARTNER)
@_found_first
@operation(
    "Answer a lead: accept or decline a new one, then contacted, won or lost (with a reason)",
    body=LEAD_ANSWER,
    response=LEAD,
    tag="leads",
)
def lead_answer(lead_id: int):
    lead = get_or_404(Lead, lead_id)
    body, user = g.api_body, acting_user()
    action = body["action"]
    if action == "accept":
        inbox.accept(lead, user)
    elif action == "decline":
        inbox.decline(lead, user, body.get("reason", ""))
    else:
        inbox.progress(lead, action, user, reason=body.get("reason", ""), value=body.get("value"))
    session.commit()
    if action == "decline":
        return {
            **lead_json(lead, contact=False, declined=[]),
            "partner_id": None,
            "partner": None,
        }
    return _visible(lead)
