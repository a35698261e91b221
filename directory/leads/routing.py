"""Which partner gets a lead, and why, in words kept on the lead.

Direct: the customer chose a partner, who gets it if it is active, listed and takes leads.
Automatic: eligible partners are active, listed, take leads, cover the customer's place (a
service radius around a location, or a postcode, region or country they list), handle the
product asked about and hold fewer open leads than the cap. They are ranked by distance less
the program's tier weighting; partners within the band of equals of the best take turns
(the one sent a lead longest ago first). Distances come from the locator's spatial search.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, func, select, text
from sqlalchemy.orm import selectinload

from app.db import get_engine, session
from directory.leads import declines
from directory.leads import rules as lead_rules
from directory.leads.models import OPEN_STATUSES, Lead, LeadEvent, LeadStatus, PartnerLeadSettings
from directory.locator.search import haversine_km, nearest_locations, within_radius
from directory.models import Location, Partner, PartnerStatus, Tier

# the most locations looked at around a customer's place for radius coverage (ids only)
MAX_NEARBY = 2000


@dataclass
class Candidate:
    partner: Partner
    distance_km: float | None
    location_id: int | None
    location_label: str
    coverage: str  # how the partner covers the place, in words
    tier_step: int
    score: float
    open_leads: int
    last_sent_at: datetime | None


@dataclass
class Decision:
    candidate: Candidate | None
    explanation: str
    eligible: int = 0

    @property
    def partner(self) -> Partner | None:
        return self.candidate.partner if self.candidate else None


def _norm_postcode(code: str) -> str:
    return (code or "").upper().replace(" ", "")


def _tier_steps() -> dict[int, int]:
    ids = session.execute(select(Tier.id).order_by(Tier.rank)).scalars().all()
    return {tier_id: step for step, tier_id in enumerate(ids)}


def open_lead_counts(partner_ids) -> dict[int, int]:
    rows = session.execute(
        select(Lead.partner_id, func.count())
        .where(
            Lead.partner_id.in_(list(partner_ids)),
            Lead.status.in_([s.value for s in OPEN_STATUSES if s != LeadStatus.QUEUED]),
        )
        .group_by(Lead.partner_id)
    ).all()
    return {pid: n for pid, n in rows}


def _last_sent(partner_ids) -> dict[int, datetime]:
    rows = session.execute(
        select(LeadEvent.partner_id, func.max(LeadEvent.at))
        .where(LeadEvent.kind == "sent", LeadEvent.partner_id.in_(list(partner_ids)))
        .group_by(LeadEvent.partner_id)
    ).all()
    return {pid: at for pid, at in rows}


def _location_label(location) -> str:
    return location.label or location.city or "its location"


def area_coverage(lead: Lead, settings: PartnerLeadSettings) -> str | None:
    """How the partner of SETTINGS covers LEAD's place by a postcode, region or country it
    lists, in words (None: it lists none of them)."""
    code = _norm_postcode(lead.postcode)
    if code:
        for prefix in settings.postcodes or ():
            if code.startswith(_norm_postcode(prefix)):
                return f"covers postcodes starting {prefix}"
    if lead.region and lead.region.lower() in {r.lower() for r in settings.regions or ()}:
        return f"covers the region {lead.region}"
    if lead.country_code and lead.country_code.upper() in {
        c.upper() for c in settings.countries or ()
    }:
        return f"covers the country {lead.country_code.upper()}"
    return None


def _handles(settings: PartnerLeadSettings, product: str) -> bool:
    if not product or not settings.products:
        return True
    return product.lower() in {p.lower() for p in settings.products}


def service_radius(settings: PartnerLeadSettings, location_id: int, default_km: float) -> float:
    """The radius (km) around the location LOCATION_ID within which the partner of SETTINGS
    takes leads: the location's own, else the partner's, else the program's DEFAULT_KM."""
    own = (settings.location_radii or {}).get(str(location_id))
    return float(own or settings.service_radius_km or default_km)


def coverage_by_radius(location, distance: float, radius_km: float) -> str:
    """How a partner covers the place by a service radius, in words."""
    return (
        f"{_location_label(location)} is {distance:.1f} km away, "
        f"within its {radius_km:g} km service radius"
    )


def refusal(partner: Partner, settings: PartnerLeadSettings, lead: Lead) -> str | None:
    """Why PARTNER, which covers LEAD's place, cannot take it (None: it can)."""
    if not settings.accepts_leads:
        return f"{partner.name} takes no leads"
    if not _handles(settings, lead.product_interest):
        return f"{partner.name} does not handle {lead.product_interest}"
    return None


def declined_by_customer(lead: Lead, days: int, exclude=()) -> tuple[set[int], list[str]]:
    """The partners routing leaves out for LEAD (EXCLUDE and those that declined this
    customer in the last DAYS days), and the declines in words."""
    declined = declines.by_customer(lead, days)
    left_out = [
        f"{d.partner} declined this customer's request" + (f" ({d.reason})" if d.reason else "")
        for pid, d in declined.items()
        if pid not in set(exclude)
    ]
    return set(exclude) | set(declined), left_out


def _widest_radius(default_km: float) -> float:
    """The widest service radius any partner set (or the program's default): how far around
    a customer's place the spatial index is asked for locations."""
    widest = session.execute(select(func.max(PartnerLeadSettings.service_radius_km))).scalar()
    own = session.execute(
        select(PartnerLeadSettings.location_radii).where(
            cast(PartnerLeadSettings.location_radii, String).not_in(("{}", "null"))
        )
    ).scalars()
    radii = [float(r) for radii in own for r in (radii or {}).values()]
    return max([default_km, widest or 0.0, *radii])


def _json_has(column: str, test: str) -> str:
    """SQL: some element of the JSON list COLUMN passes TEST (the element is ``{e}``)."""
    if get_engine().dialect.name == "sqlite":
        return f"EXISTS (SELECT 1 FROM json_each({column}) j WHERE {test.format(e='j.value')})"
    return (
        f"EXISTS (SELECT 1 FROM json_array_elements_text({column}) j(v) "
        f"WHERE {test.format(e='j.v')})"
    )


def _area_partner_ids(lead: Lead) -> set[int]:
    """Partners that list the customer's postcode (by prefix), region or country."""
    tests, params = [], {}
    code = _norm_postcode(lead.postcode)
    if code:
        params["code"] = code
        tests.append(_json_has("s.postcodes", ":code LIKE upper(replace({e}, ' ', '')) || '%'"))
    if lead.region:
        params["region"] = lead.region.lower()
        tests.append(_json_has("s.regions", "lower({e}) = :region"))
    if lead.country_code:
        params["country"] = lead.country_code.upper()
        tests.append(_json_has("s.countries", "upper({e}) = :country"))
    if not tests:
        return set()
    # the cheap test first: most partners list no area at all
    listed = " OR ".join(
        f"CAST(s.{name} AS TEXT) <> '[]'" for name in ("postcodes", "regions", "countries")
    )
    rows = session.execute(
        text(
            f"SELECT s.partner_id FROM partner_lead_settings s "
            f"WHERE ({listed}) AND ({' OR '.join(tests)})"
        ),
        params,
    ).scalars()
    return set(rows)


def candidates(lead: Lead, *, exclude=()) -> tuple[list[Candidate], list[str]]:
    """The partners eligible for LEAD, best first, and why others near it were left out.

    Only partners that may cover the customer's place are looked at: the listed locations
    within the widest service radius (from the locator's spatial index) and the partners that
    list the place's postcode, region or country; never the whole network."""
    rules = lead_rules.current()
    has_point = lead.latitude is not None and lead.longitude is not None
    skip, left_out = declined_by_customer(lead, rules.conflict_days, exclude)
    hits = []
    if has_point:
        hits = within_radius(
            lead.latitude, lead.longitude, _widest_radius(rules.default_radius_km), MAX_NEARBY
        )
    area_ids = _area_partner_ids(lead)
    ids = ({pid for _, pid, _ in hits} | area_ids) - skip
    if not ids:
        return [], left_out
    partners = (
        session.execute(
            select(Partner)
            .where(
                Partner.id.in_(ids),
                Partner.status == PartnerStatus.ACTIVE.value,
                Partner.listed_in_locator.is_(True),
            )
            .options(selectinload(Partner.tier))
        )
        .scalars()
        .all()
    )
    by_id = {p.id: p for p in partners}
    saved = {
        s.partner_id: s
        for s in session.execute(
            select(PartnerLeadSettings).where(PartnerLeadSettings.partner_id.in_(list(by_id)))
        ).scalars()
    }
    settings = {pid: saved.get(pid) or lead_rules.default_settings(pid) for pid in by_id}

    def radius_of(pid: int, location_id: int) -> float:
        return service_radius(settings[pid], location_id, rules.default_radius_km)

    # radius coverage: the nearest location of each partner whose radius holds the place
    covered: dict[int, tuple[float, int]] = {}
    for location_id, pid, distance in hits:
        if pid in by_id and pid not in covered and distance <= radius_of(pid, location_id):
            covered[pid] = (distance, location_id)
    nearest_of = _nearest_locations(lead, [pid for pid in area_ids if pid in by_id])
    locations = {
        loc.id: loc
        for loc in session.execute(
            select(Location).where(
                Location.id.in_(
                    [loc_id for _, loc_id in covered.values()]
                    + [loc_id for _, loc_id in nearest_of.values()]
                )
            )
        ).scalars()
    }
    found: list[tuple[Partner, float | None, object, str]] = []
    for pid, partner in by_id.items():
        s = settings[pid]
        if pid in covered:
            distance, location_id = covered[pid]
            location = locations[location_id]
            how = coverage_by_radius(location, distance, radius_of(pid, location_id))
        else:
            how = area_coverage(lead, s)
            if how is None:
                continue
            distance, location_id = nearest_of.get(pid, (None, None))
            location = locations.get(location_id)
        why_not = refusal(partner, s, lead)
        if why_not:
            left_out.append(why_not)
            continue
        found.append((partner, distance, location, how))
    return rank(found, left_out), left_out


def rank(found, left_out: list[str]) -> list[Candidate]:
    """FOUND, (partner, distance, location, coverage in words) of each partner that covers
    the place and can take the lead, as candidates best first: distance less the tier
    weighting, then partner id. Partners at the open-lead cap are left out (said in
    LEFT_OUT)."""
    if not found:
        return []
    rules = lead_rules.current()
    steps = _tier_steps()
    counts = open_lead_counts([p.id for p, *_ in found])
    last = _last_sent([p.id for p, *_ in found])
    result = []
    for partner, distance, location, how in found:
        open_now = counts.get(partner.id, 0)
        if rules.open_lead_cap and open_now >= rules.open_lead_cap:
            left_out.append(
                f"{partner.name} already holds {open_now} open leads (the cap is "
                f"{rules.open_lead_cap})"
            )
            continue
        step = steps.get(partner.tier_id, 0) if partner.tier_id else 0
        score = (distance or 0.0) - rules.tier_weight_km * step
        result.append(
            Candidate(
                partner=partner,
                distance_km=None if distance is None else round(distance, 3),
                location_id=location.id if location is not None else None,
                location_label=_location_label(location) if location is not None else "",
                coverage=how,
                tier_step=step,
                score=score,
                open_leads=open_now,
                last_sent_at=last.get(partner.id),
            )
        )
    result.sort(key=lambda c: (c.score, c.partner.id))
    return result


def _nearest_locations(lead: Lead, partner_ids: list[int]) -> dict[int, tuple[float, int]]:
    """(distance, location id) of each partner's public location nearest to the customer."""
    if not partner_ids or lead.latitude is None or lead.longitude is None:
        return {}
    nearest: dict[int, tuple[float, int]] = {}
    rows = session.execute(
        select(Location.id, Location.partner_id, Location.latitude, Location.longitude).where(
            Location.partner_id.in_(partner_ids),
            Location.public.is_(True),
            Location.latitude.is_not(None),
            Location.longitude.is_not(None),
        )
    ).all()
    for loc_id, pid, lat, lon in rows:
        distance = haversine_km(lead.latitude, lead.longitude, lat, lon)
        if pid not in nearest or distance < nearest[pid][0]:
            nearest[pid] = (distance, loc_id)
    return nearest


def _in_turn(equals: list[Candidate]) -> Candidate:
    """Among partners ranked equal, the one sent a lead longest ago (never: first)."""
    return min(
        equals,
        key=lambda c: (c.last_sent_at is not None, c.last_sent_at or datetime.min, c.partner.id),
    )


def choose(lead: Lead, *, exclude=()) -> Decision:
    """The partner for LEAD by the automatic rules (none: the channel manager's queue)."""
    found, left_out = candidates(lead, exclude=exclude)
    return decide(lead, found, left_out)


def decide(lead: Lead, found: list[Candidate], left_out: list[str]) -> Decision:
    """The decision among FOUND, LEAD's eligible candidates best first: the next in turn
    within the band of equals of the best, with the reasons in words (none found: the
    channel manager's queue, with LEFT_OUT as the reasons)."""
    rules = lead_rules.current()
    if not found:
        why = "no partner covers the customer's place"
        if left_out:
            why += " and can take it (" + "; ".join(left_out[:5]) + ")"
        return Decision(None, f"In the channel manager's queue because {why}.")
    best = found[0]
    equals = [c for c in found if c.score <= best.score + rules.equal_band_km]
    chosen = _in_turn(equals)
    reasons = [
        "it is active, listed and takes leads",
        chosen.coverage,
    ]
    if lead.product_interest:
        reasons.append(f"it handles {lead.product_interest}")
    if rules.open_lead_cap:
        reasons.append(f"it holds {chosen.open_leads} of at most {rules.open_lead_cap} open leads")
    tier = chosen.partner.tier.name if chosen.partner.tier else "no tier"
    if rules.tier_weight_km and chosen.tier_step:
        reasons.append(
            f"its tier ({tier}) counts {rules.tier_weight_km * chosen.tier_step:g} km nearer"
        )
    if len(equals) > 1:
        reasons.append(
            f"it was next in turn among {len(equals)} partners ranked within "
            f"{rules.equal_band_km:g} km of each other"
        )
    else:
        reasons.append(f"it ranked first of {len(found)} eligible partners")
    text = f"Sent to {chosen.partner.name} because " + "; ".join(reasons) + "."
    return Decision(chosen, text, eligible=len(found))


def direct(lead: Lead, partner: Partner) -> Decision | None:
    """LEAD to the partner the customer chose, if that partner can take it."""
    settings = lead_rules.effective_settings(partner.id)
    if (
        partner.status != PartnerStatus.ACTIVE.value
        or not partner.listed_in_locator
        or not settings.accepts_leads
    ):
        return None
    location_id, distance, label = None, None, ""
    if lead.latitude is not None and lead.longitude is not None:
        hits = nearest_locations(lead.latitude, lead.longitude, [partner.id], 1)
        if hits:
            location_id, distance = hits[0].location.id, hits[0].distance_km
            label = _location_label(hits[0].location)
    candidate = Candidate(
        partner=partner,
        distance_km=distance,
        location_id=location_id,
        location_label=label,
        coverage="the customer chose it",
        tier_step=0,
        score=distance or 0.0,
        open_leads=0,
        last_sent_at=None,
    )
    return Decision(candidate, f"Sent to {partner.name} because the customer chose it.", 1)
