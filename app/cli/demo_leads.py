"""Demo leads: customers' requests in every state for the demo partners — new ones waiting for
an answer, accepted, contacted, won, lost, moved on after a timeout, in the channel manager's
queue, and a possible channel conflict — plus searches of the where-to-buy page."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.db import session, utcnow
from directory.leads import capture, inbox, reports, rules, sla
from directory.leads.models import Lead, LeadEvent
from directory.models import Location, Partner, PartnerStatus

FIRST = ["Anna", "Ben", "Chloé", "David", "Emma", "Felix", "Grace", "Hugo", "Ines", "Jonas"]
LAST = ["Meyer", "Martin", "Smith", "Rossi", "Novak", "Berg", "Dubois", "Kim", "Silva", "Lund"]
PRODUCTS = ["Solar panels", "Heat pump", "Battery storage", "Wallbox", "Maintenance"]
EMPTY_PLACES = [("Reykjavik", 64.15, -21.94), ("Nairobi", -1.29, 36.82), ("Lima", -12.05, -77.04)]


DECLINE_REASONS = [
    "We do not install in that area any more",
    "Fully booked until next quarter",
    "We do not carry that product",
]


def _customer(rng: random.Random, n: int) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}{n}@customer.example",
        "phone": f"+49 30 {rng.randint(1000000, 9999999)}",
        "product_interest": rng.choice(PRODUCTS),
        "message": "Could you send me an offer? I am available in the afternoons.",
        "consent": "yes",
    }


def _near(location: Location, rng: random.Random) -> dict:
    return {
        "latitude": str(round(location.latitude + rng.uniform(-0.05, 0.05), 4)),
        "longitude": str(round(location.longitude + rng.uniform(-0.05, 0.05), 4)),
        "postcode": location.postal_code,
    }


def _age(lead: Lead, days: float) -> None:
    """Move LEAD and its history DAYS into the past."""
    shift = timedelta(days=days)
    for column in ("created_at", "assigned_at", "accepted_at", "contacted_at", "closed_at"):
        value = getattr(lead, column)
        if value is not None:
            setattr(lead, column, value - shift)
    if lead.sla_due_at is not None and lead.status != "new":
        lead.sla_due_at -= shift
    session.flush()
    for event in session.execute(select(LeadEvent).where(LeadEvent.lead_id == lead.id)).scalars():
        event.at -= shift


def load_leads(rng: random.Random, first: Partner, program_name: str) -> int:
    """Leads for the demo partners (commits); how many."""
    session.add(rules.current())
    first.listed_in_locator = True  # the demo partner users' partner is on the where-to-buy page
    active = list(
        session.execute(
            select(Partner)
            .where(Partner.status == PartnerStatus.ACTIVE.value, Partner.listed_in_locator)
            .order_by(Partner.id)
        ).scalars()
    )
    session.commit()
    made = 0

    def lead(partner: Partner | None, n: int, where: dict, **extra) -> Lead:
        nonlocal made
        data = {**_customer(rng, n), **where, **extra}
        data["partner"] = partner.slug if partner else "any"
        made += 1
        return capture.capture(
            data, source="profile" if partner else "locator", program_name=program_name
        )

    home = first.locations[0]
    # the demo partner's inbox: every state, over the last months
    plan = ["new", "new", "accepted", "contacted", "won", "won", "lost", "accepted", "won", "lost"]
    for n, state in enumerate(plan):
        row = lead(first, n, _near(home, rng))
        if state != "new":
            inbox.accept(row, "partner.admin@demo.example")
        if state in ("contacted", "won", "lost"):
            inbox.progress(row, "contacted", "partner.admin@demo.example")
        if state == "won":
            inbox.progress(row, "won", "demo", value=str(rng.randint(2, 40) * 500))
        if state == "lost":
            inbox.progress(row, "lost", "demo", reason=rng.choice(["Price", "Chose a competitor"]))
        session.flush()
        _age(row, 0.2 if state == "new" else rng.uniform(2, 120))
        session.commit()
    # leads routed automatically around the other partners
    for n, partner in enumerate(active[1:25], start=100):
        if not partner.locations or partner.locations[0].latitude is None:
            continue
        row = lead(None, n, _near(partner.locations[0], rng))
        if row.partner_id and n % 8 == 1:  # some partners pass, saying why: the next one has it
            inbox.decline(row, "demo", rng.choice(DECLINE_REASONS))
        elif row.partner_id and rng.random() < 0.7:
            inbox.accept(row, "demo")
            if rng.random() < 0.6:
                outcome = rng.choice(["won", "lost"])
                inbox.progress(row, outcome, "demo", reason="Budget", value="3000")
        session.flush()
        _age(row, rng.uniform(1, 150))
        session.commit()
    # one that was not answered in time and moved on
    late = lead(None, 300, _near(home, rng))
    late.sla_due_at = utcnow() - timedelta(minutes=5)
    session.commit()
    sla.reassign_due()
    # nobody near: the channel manager's queue
    for n, (city, lat, lon) in enumerate(EMPTY_PLACES, start=400):
        lead(None, n, {"latitude": str(lat), "longitude": str(lon), "postcode": city})
        # several customers searched around there and found nothing (the map of unmet demand)
        for _ in range(rng.randint(1, 5)):
            where = (lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05))
            reports.log_search(city, *where, 50, 0)
    # the same customer twice: a possible channel conflict
    twice = _customer(rng, 500)
    lead(first, 500, _near(home, rng), **{k: twice[k] for k in ("name", "email", "phone")})
    if len(active) > 1 and active[1].locations:
        lead(
            active[1],
            501,
            _near(active[1].locations[0], rng),
            **{k: twice[k] for k in ("name", "email", "phone")},
        )
    # what customers searched
    for partner in active[:30]:
        if partner.locations and partner.locations[0].latitude is not None:
            loc = partner.locations[0]
            for _ in range(rng.randint(1, 6)):
                reports.log_search(loc.city, loc.latitude, loc.longitude, 50, rng.randint(1, 8))
    session.commit()
    return made
