"""A customer's request, from a partner's profile or a locator result: checked, saved with
the consent wording the customer saw, routed, flagged for conflicts and confirmed by email,
all in the caller's one transaction (nothing half-saved)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app import mail
from app import validation as v
from app.db import session, utcnow
from directory.leads import conflicts, lifecycle, place
from directory.leads import rules as lead_rules
from directory.leads.models import Lead
from directory.models import Partner, PartnerStatus

SOURCES = ("profile", "locator", "api")
ANY_PARTNER = "any"


def _consent(value) -> bool:
    try:
        agreed = v.boolean(value)
    except v.Invalid:
        agreed = False
    if not agreed:
        raise v.Invalid("Please agree to be contacted, or we cannot pass your request on.")
    return True


def _phone(value) -> str:
    typed = v.phone(value)
    # one form per number, so that the same number typed differently is recognised
    return re.sub(r"[ ()./-]", "", typed)


CLEANERS = {
    "name": lambda x: v.text(x, max_length=120, required=True, label="Your name"),
    "email": lambda x: v.email(x, required=True),
    "phone": _phone,
    "postcode": lambda x: v.text(x, max_length=20, label="The postcode or city"),
    "product_interest": lambda x: v.text(x, max_length=120, label="The product"),
    "message": lambda x: v.text(x, max_length=4000, label="The message"),
    "consent": _consent,
    "country_code": lambda x: v.country_code(x),
    "latitude": lambda x: v.float_in(x, -90, 90, label="The latitude"),
    "longitude": lambda x: v.float_in(x, -180, 180, label="The longitude"),
}


def chosen_partner(value) -> Partner | None:
    """The partner a form names (by slug or id), if it is active and listed; None for any."""
    value = (str(value) if value is not None else "").strip()
    if not value or value == ANY_PARTNER:
        return None
    query = select(Partner).where(
        Partner.status == PartnerStatus.ACTIVE.value, Partner.listed_in_locator.is_(True)
    )
    if value.isdigit() and v.is_row_id(int(value)):
        query = query.where(Partner.id == int(value))
    else:
        query = query.where(Partner.slug == value[:120])
    found = session.execute(query).scalar_one_or_none()
    if found is None:
        raise v.ValidationFailed({"partner": "That partner takes no requests here."})
    return found


def capture(data: dict, *, source: str, program_name: str) -> Lead:
    """Save, route and confirm the request in DATA; ValidationFailed naming every bad field."""
    data = {**data, "consent": data.get("consent", "")}
    errors: dict = {}
    try:
        clean = v.collect(CLEANERS, data)
    except v.ValidationFailed as exc:
        errors, clean = exc.errors, {}
    try:
        partner = chosen_partner(data.get("partner"))
    except v.ValidationFailed as exc:
        errors.update(exc.errors)
        partner = None
    if errors:
        raise v.ValidationFailed(errors)
    now = utcnow()
    lead = Lead(
        created_at=now,
        name=clean["name"],
        email=clean["email"],
        phone=clean.get("phone", ""),
        postcode=clean.get("postcode", ""),
        country_code=clean.get("country_code", ""),
        product_interest=clean.get("product_interest", ""),
        message=clean.get("message", ""),
        consent=True,
        consent_text=lead_rules.consent_wording(program_name),
        source=source if source in SOURCES else "profile",
        requested_partner_id=partner.id if partner else None,
        tried_partner_ids=[],
    )
    lat, lon = clean.get("latitude"), clean.get("longitude")
    if lat is not None and lon is not None:
        lead.latitude, lead.longitude = lat, lon
        lead.place = lead.postcode or "the customer's search"
    else:
        found = place.locate(lead.postcode, lead.country_code)
        if found is not None:
            lead.latitude, lead.longitude, lead.place = found.latitude, found.longitude, found.label
            lead.country_code = lead.country_code or found.country_code
            lead.region = found.region
    session.add(lead)
    session.flush()
    lifecycle.event(lead, "received", note=f"From the {lead.source} form.", at=now)
    lifecycle.route(lead, partner, now=now)
    conflicts.flag(lead)
    _confirm(lead, program_name, partner)
    return lead


def _confirm(lead: Lead, program_name: str, chosen: Partner | None) -> None:
    who = chosen.name if chosen else "a partner near you"
    text = (
        f"Hello {lead.name},\n\nThank you for your request"
        f"{' about ' + lead.product_interest if lead.product_interest else ''}. "
        f"We have passed it on to {who}, who will get in touch with you soon.\n\n"
        f"You agreed to this: {lead.consent_text}\n\n"
        f"To have your details removed, reply to this email.\n\n{program_name}\n"
    )
    mail.queue_mail(lead.email, f"Your request to {program_name}", text)
