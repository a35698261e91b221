"""The naive lead routing the lead benchmark compares with: for each lead, load every active,
listed partner with its locations, tier and lead settings, and measure the distance from the
customer's place to each of its public locations in Python (haversine). No spatial index, no
SQL prefilter: plainly correct, and slow on a large network, as the routing was before it
looked only at the partners near the place or listing it.

The rules are ``directory.leads.routing``'s own helpers (declines, service radius, area
coverage, refusals, ranking with the open-lead cap and tier weighting, the band of equals and
turns), so both routings choose by the same rules and differ only in how they find the
partners that may cover the place: the benchmark's "same partner chosen" checks the fast
search against this full scan. Not collected by pytest.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db import session
from directory.leads import routing
from directory.leads import rules as lead_rules
from directory.leads.models import Lead, PartnerLeadSettings
from directory.locator.search import haversine_km
from directory.models import Partner, PartnerStatus


def candidates(lead: Lead, *, exclude=()) -> tuple[list[routing.Candidate], list[str]]:
    """The partners eligible for LEAD, best first, and why others were left out, from the
    whole network."""
    rules = lead_rules.current()
    skip, left_out = routing.declined_by_customer(lead, rules.conflict_days, exclude)
    partners = session.execute(
        select(Partner)
        .where(
            Partner.status == PartnerStatus.ACTIVE.value,
            Partner.listed_in_locator.is_(True),
        )
        .options(selectinload(Partner.locations), selectinload(Partner.tier))
    ).scalars()
    saved = {s.partner_id: s for s in session.execute(select(PartnerLeadSettings)).scalars()}
    has_point = lead.latitude is not None and lead.longitude is not None
    found = []
    for partner in partners:
        if partner.id in skip:
            continue
        s = saved.get(partner.id) or lead_rules.default_settings(partner.id)
        # every public location with a point, nearest first
        placed = sorted(
            (haversine_km(lead.latitude, lead.longitude, loc.latitude, loc.longitude), loc.id, loc)
            for loc in partner.locations
            if has_point and loc.public and loc.has_point
        )
        within = [
            (distance, loc)
            for distance, _, loc in placed
            if distance <= routing.service_radius(s, loc.id, rules.default_radius_km)
        ]
        if within:  # radius coverage: the nearest location whose radius holds the place
            distance, location = within[0]
            radius = routing.service_radius(s, location.id, rules.default_radius_km)
            how = routing.coverage_by_radius(location, distance, radius)
        else:  # a postcode, region or country it lists; its nearest location, if any
            how = routing.area_coverage(lead, s)
            if how is None:
                continue
            distance, _, location = placed[0] if placed else (None, None, None)
        why_not = routing.refusal(partner, s, lead)
        if why_not:
            left_out.append(why_not)
            continue
        found.append((partner, distance, location, how))
    return routing.rank(found, left_out), left_out


def choose(lead: Lead, *, exclude=()) -> routing.Decision:
    """The partner for LEAD, picked as ``routing.choose`` picks, from the whole network."""
    found, left_out = candidates(lead, exclude=exclude)
    return routing.decide(lead, found, left_out)
