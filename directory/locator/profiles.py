"""Public partner profiles: which partners have one, what it shows, and the partner's edits of
it (applied at once, or kept for the vendor's approval when the program says so)."""

from __future__ import annotations

import re
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import audit
from app import validation as v
from app.db import session, utcnow
from app.models import ProgramSettings
from directory.locator import geocoding
from directory.locator.models import ProfileChange
from directory.models import Location, Partner, PartnerStatus

# what a partner edits of its public profile, and how each is cleaned
PROFILE_CLEANERS = {
    "description": partial(v.text, max_length=2000, label="The description"),
    "services": v.word_list,
    "languages": v.word_list,
}
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"

DAYS = {"Mo": "Monday", "Tu": "Tuesday", "We": "Wednesday", "Th": "Thursday"}
DAYS |= {"Fr": "Friday", "Sa": "Saturday", "Su": "Sunday"}
_DAY_KEYS = list(DAYS)
_HOURS_LINE = re.compile(
    r"^(?P<days>(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
    r"(?:,(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?)*)"
    r"\s+(?P<opens>[0-2]\d:[0-5]\d)-(?P<closes>[0-2]\d:[0-5]\d)$"
)


def listed_partners():
    """Partners with a public profile: active and listed in the locator."""
    return select(Partner).where(
        Partner.status == PartnerStatus.ACTIVE.value, Partner.listed_in_locator
    )


def listed_partner(slug: str) -> Partner | None:
    if v.text_problem(slug):  # no such slug is ever stored
        return None
    return session.execute(
        listed_partners()
        .where(Partner.slug == slug[:120])
        .options(
            joinedload(Partner.tier),
            joinedload(Partner.brand_kit),
            selectinload(Partner.locations),
        )
    ).scalar_one_or_none()


def public_locations(partner: Partner) -> list[Location]:
    """The locations a profile shows: public ones with coordinates (never at 0,0)."""
    return [loc for loc in partner.locations if loc.public and loc.has_point]


def sitemap_entries() -> list[tuple[str, object]]:
    """(slug, last change) of every public profile."""
    rows = session.execute(
        listed_partners().with_only_columns(Partner.slug, Partner.updated_at).order_by(Partner.id)
    )
    return [(row.slug, row.updated_at) for row in rows]


def parse_hours(text: str) -> list[dict]:
    """Opening hours in schema.org notation ("Mo-Fr 09:00-18:00", a line each) as
    OpeningHoursSpecification dictionaries; lines in other words are left out."""
    specs = []
    for line in (text or "").splitlines():
        match = _HOURS_LINE.match(line.strip())
        if not match:
            continue
        days = []
        for part in match["days"].split(","):
            first, _, last = part.partition("-")
            start, end = _DAY_KEYS.index(first), _DAY_KEYS.index(last or first)
            days.extend(_DAY_KEYS[start : end + 1] if start <= end else [])
        specs.append(
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": [DAYS[d] for d in days],
                "opens": match["opens"],
                "closes": match["closes"],
            }
        )
    return specs


def clean_hours(value) -> str:
    """Opening hours as typed: each line either schema.org notation or plain words."""
    try:
        text = v.text(value, max_length=1000, label="The opening hours")
    except v.Invalid as exc:
        raise v.ValidationFailed({"opening_hours": str(exc)}) from exc
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def local_business(partner: Partner, location: Location, url: str, logo_url: str | None):
    """The JSON-LD ``LocalBusiness`` of one location of PARTNER."""
    data = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": partner.name if not location.label else f"{partner.name} ({location.label})",
        "url": url,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": location.street,
            "addressLocality": location.city,
            "postalCode": location.postal_code,
            "addressRegion": location.region,
            "addressCountry": location.country_code,
        },
        "geo": {
            "@type": "GeoCoordinates",
            "latitude": location.latitude,
            "longitude": location.longitude,
        },
    }
    if partner.phone:
        data["telephone"] = partner.phone
    if partner.email:
        data["email"] = partner.email
    if partner.description:
        data["description"] = partner.description[:500]
    if logo_url:
        data["image"] = logo_url
    hours = parse_hours(location.opening_hours)
    if hours:
        data["openingHoursSpecification"] = hours
    return data


def needs_approval() -> bool:
    program = ProgramSettings.saved()
    return bool(program and program.profile_changes_need_approval)


def pending_change(partner: Partner) -> ProfileChange | None:
    return session.execute(
        select(ProfileChange)
        .where(ProfileChange.partner_id == partner.id, ProfileChange.state == PENDING)
        .order_by(ProfileChange.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _apply(partner: Partner, changes: dict, actor) -> None:
    before = {k: getattr(partner, k) for k in changes}
    for key, value in changes.items():
        setattr(partner, key, value)
    audit.record(
        actor,
        "partner.profile",
        partner,
        partner_id=partner.id,
        changes=audit.diff(before, changes),
    )


def submit_profile(partner: Partner, data, actor) -> ProfileChange | None:
    """A partner's edit of its public profile: applied now, or (when the program wants to
    approve such changes) kept as the one pending change, returned."""
    clean = v.collect(PROFILE_CLEANERS, data)
    changes = {k: val for k, val in clean.items() if getattr(partner, k) != val}
    if not needs_approval():
        _apply(partner, changes, actor)
        return None
    change = pending_change(partner)
    if not changes:
        if change is not None:
            change.state, change.decided_at, change.note = REJECTED, utcnow(), "Withdrawn."
        return None
    if change is None:
        change = ProfileChange(partner_id=partner.id, state=PENDING, note="")
        session.add(change)
    change.changes = changes
    change.submitted_at = utcnow()
    change.submitted_by_id = getattr(actor, "id", None)
    session.flush()
    audit.record(actor, "partner.profile_submitted", partner, partner_id=partner.id)
    return change


def decide(change: ProfileChange, approve: bool, actor, note: str = "") -> None:
    """The vendor approves (applies) or rejects a pending profile change."""
    if change.state != PENDING:
        raise v.ValidationFailed({"state": "This change was already decided."})
    change.state = APPROVED if approve else REJECTED
    change.decided_at = utcnow()
    change.decided_by_id = getattr(actor, "id", None)
    change.note = (note or "").strip()[:500]
    if approve:
        _apply(change.partner, dict(change.changes), actor)


def pending_changes() -> list[ProfileChange]:
    return (
        session.execute(
            select(ProfileChange)
            .where(ProfileChange.state == PENDING)
            .options(joinedload(ProfileChange.partner))
            .order_by(ProfileChange.submitted_at)
        )
        .scalars()
        .all()
    )


def update_location_public(location: Location, data, actor) -> None:
    """A partner's edit of a location's public side: its opening hours and its pin."""
    before = {"opening_hours": location.opening_hours}
    location.opening_hours = clean_hours(data.get("opening_hours", location.opening_hours))
    lat, lon = data.get("latitude"), data.get("longitude")
    if lat not in (None, "") or lon not in (None, ""):
        errors = {}
        try:
            lat_value = v.float_in(lat, low=-90, high=90, label="The latitude")
            lon_value = v.float_in(lon, low=-180, high=180, label="The longitude")
        except v.Invalid as exc:
            errors["latitude"] = str(exc)
        if errors or lat_value is None or lon_value is None:
            raise v.ValidationFailed(
                errors or {"latitude": "Give both latitude and longitude, or neither."}
            )
        if (lat_value, lon_value) != (location.latitude, location.longitude):
            geocoding.move_pin(location, lat_value, lon_value)
    audit.record(
        actor,
        "location.public",
        location,
        partner_id=location.partner_id,
        changes=audit.diff(before, {"opening_hours": location.opening_hours}),
    )


def set_listed(partner: Partner, listed: bool, actor) -> None:
    """The vendor lists a partner in the locator, or takes it off."""
    if partner.listed_in_locator != listed:
        audit.record(
            actor,
            "partner.listed",
            partner,
            partner_id=partner.id,
            changes={"listed_in_locator": [partner.listed_in_locator, listed]},
        )
        partner.listed_in_locator = listed
