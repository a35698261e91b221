"""Lead test data: listed partners at real places, and leads captured through the domain."""

from __future__ import annotations

from app.db import session
from directory.leads import capture
from directory.leads.models import PartnerLeadSettings
from directory.models import Location, Partner, Tier

PLACES = {
    "berlin": (52.52, 13.405),
    "potsdam": (52.3906, 13.0645),
    "hamburg": (53.5511, 9.9937),
    "munich": (48.1351, 11.582),
    "paris": (48.8566, 2.3522),
}


def tier(name: str) -> Tier:
    from sqlalchemy import select

    found = session.execute(select(Tier).where(Tier.name == name)).scalar_one_or_none()
    if found is None:
        rank = {"Registered": 10, "Silver": 20, "Gold": 30, "Platinum": 40}[name]
        found = Tier(name=name, rank=rank)
        session.add(found)
        session.flush()
    return found


def partner_at(name: str, city: str, tier_name: str = "Silver", *, listed=True, **settings):
    """An active partner with one location in CITY and, given SETTINGS, its lead settings."""
    lat, lon = PLACES[city]
    partner = Partner(
        name=name,
        slug=name.lower().replace(" ", "-"),
        type="reseller",
        tier=tier(tier_name),
        status="active",
        listed_in_locator=listed,
        email=f"info@{name.split()[0].lower()}.example",
    )
    session.add(partner)
    session.flush()
    session.add(
        Location(
            partner_id=partner.id,
            label=f"{name} {city.title()}",
            city=city.title(),
            latitude=lat,
            longitude=lon,
            geocode_state="manual",
        )
    )
    if settings:
        session.add(PartnerLeadSettings(partner_id=partner.id, **settings))
    session.flush()
    return partner


def request_data(city: str | None = "berlin", **extra) -> dict:
    data = {
        "name": "Carla Customer",
        "email": "carla@customer.example",
        "phone": "+49 30 1234567",
        "postcode": "10115",
        "product_interest": "",
        "message": "Please call me.",
        "consent": "yes",
        "partner": "any",
    }
    if city:
        data["latitude"], data["longitude"] = (str(x) for x in PLACES[city])
    data.update(extra)
    return data


def new_lead(city: str | None = "berlin", **extra):
    lead = capture.capture(request_data(city, **extra), source="locator", program_name="Program")
    session.commit()
    return lead


def assigned_lead(partner, *, email: str = "carla@customer.example"):
    """A lead given to PARTNER by hand (listed or not), flagged if the customer is known."""
    from directory.leads import conflicts, lifecycle
    from directory.leads.models import Lead

    lead = Lead(
        name="Carla Customer",
        email=email,
        phone="+49301234567",
        postcode="10115",
        product_interest="Solar panels",
        message="Please call me.",
        consent=True,
        consent_text="I agree to be contacted.",
        source="profile",
        tried_partner_ids=[],
    )
    session.add(lead)
    session.flush()
    lifecycle.assign_by_hand(lead, partner, "test")
    conflicts.flag(lead)
    session.commit()
    return lead
