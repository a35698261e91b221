"""Geocoding partner locations: the offline gazetteer by default, an online geocoder (geopy's
Nominatim) when ``GEOCODER`` is set, its answers cached in the database.

A location is geocoded when it is saved or imported, by a worker (``tandem.locator.geocode``,
handed over after commit); until then it is ``pending`` and appears nowhere. It ends ``exact``
(the online geocoder found the address), ``city`` (only the city or the postcode's centre was
found), or ``failed`` (nothing: the vendor and the partner see it in their lists of failures
to fix). A pin placed by hand is ``manual`` and never geocoded again until its address changes.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from app import jobs, runtime
from app.db import session, utcnow
from directory.locator import gazetteer
from directory.locator.models import GeocodeCache
from directory.models import GeocodeState, Location

log = logging.getLogger(__name__)

TASK = "tandem.locator.geocode"
ADDRESS_FIELDS = ("street", "city", "postal_code", "region", "country_code")
BATCH = 100
# a pending location this old was missed (its message lost): the beat's sweep hands it over
STALE_AFTER = timedelta(minutes=5)


class GeocoderUnavailable(Exception):
    """The online geocoder did not answer (network, quota): try again later."""


def _online():
    """The configured online geocoder (a geopy geocoder), or None."""
    settings = runtime.settings()
    if settings.geocoder != "nominatim":
        return None
    from geopy.geocoders import Nominatim

    return Nominatim(
        user_agent=settings.geocoder_user_agent, domain=settings.geocoder_domain, timeout=10
    )


def _provider() -> str:
    settings = runtime.settings()
    return f"{settings.geocoder}:{settings.geocoder_domain}"


def online_geocode(query: str) -> GeocodeCache | None:
    """The online geocoder's answer to QUERY, asked once and kept (a miss too); None when no
    online geocoder is set."""
    geocoder = _online()
    if geocoder is None:
        return None
    query = " ".join(query.split())[:400]
    provider = _provider()
    cached = session.execute(
        select(GeocodeCache).where(GeocodeCache.provider == provider, GeocodeCache.query == query)
    ).scalar_one_or_none()
    if cached is not None:
        return cached
    from geopy.exc import GeopyError

    try:
        found = geocoder.geocode(query, addressdetails=False)
    except GeopyError as exc:
        raise GeocoderUnavailable(str(exc)) from exc
    entry = GeocodeCache(provider=provider, query=query, label="", precision="")
    if found is not None:
        raw = found.raw or {}
        kind = raw.get("addresstype") or raw.get("type") or ""
        entry.latitude, entry.longitude = float(found.latitude), float(found.longitude)
        entry.label = (found.address or "")[:400]
        entry.precision = (
            GeocodeState.CITY.value
            if kind in ("city", "town", "village", "municipality", "postcode", "state", "country")
            else GeocodeState.EXACT.value
        )
    session.add(entry)
    session.flush()
    return entry


def address_of(location: Location) -> str:
    parts = [
        location.street,
        " ".join(p for p in (location.postal_code, location.city) if p),
        location.region,
        location.country_code,
    ]
    return ", ".join(p.strip() for p in parts if p and p.strip())


def _offline(location: Location) -> tuple[float, float, str] | None:
    """(lat, lon, what was found) from the gazetteer: the postcode's or the city's centre."""
    country = (location.country_code or "").upper() or None
    if location.postal_code:
        places = gazetteer.lookup(location.postal_code, country_code=country)
        if places:
            return places[0].latitude, places[0].longitude, places[0].label
    if location.city:
        query = location.city
        if country == "US" and location.region:
            query = f"{location.city}, {location.region}"
        places = gazetteer.lookup(query, country_code=country) or gazetteer.lookup(
            location.city, country_code=country
        )
        if places:
            return places[0].latitude, places[0].longitude, places[0].label
    return None


def geocode_location(location: Location) -> str:
    """Find LOCATION's coordinates and set its state; returns the state."""
    if location.geocode_state == GeocodeState.MANUAL.value and location.has_point:
        return location.geocode_state
    state, point, note = GeocodeState.FAILED, None, ""
    online = online_geocode(address_of(location)) if location.city else None
    if online is not None and online.latitude is not None:
        state, point, note = GeocodeState(online.precision), (online.latitude, online.longitude), ""
    else:
        found = _offline(location)
        if found:
            state, point = GeocodeState.CITY, found[:2]
            note = f"Placed at the centre of {found[2]}."
        else:
            where = ", ".join(p for p in (location.postal_code, location.city) if p)
            note = f"No place called {where or 'that'} was found in {location.country_code}."
    location.latitude, location.longitude = point if point else (None, None)
    location.geocode_state = state.value
    location.geocode_note = note[:300]
    location.geocoded_at = utcnow()
    return state.value


def geocode_locations(location_ids) -> dict[str, str]:
    """The worker's entry: geocode each pending location of LOCATION_IDS, one commit each."""
    done = {}
    for location_id in location_ids:
        location = session.get(Location, int(location_id))
        if location is None or location.geocode_state != GeocodeState.PENDING.value:
            continue
        try:
            done[str(location_id)] = geocode_location(location)
            session.commit()
        except GeocoderUnavailable:
            session.rollback()
            log.warning("the geocoder is unavailable; location %s stays pending", location_id)
    return done


def needs_geocoding(location: Location, changed: set[str]) -> bool:
    """Whether a save of LOCATION that changed the fields CHANGED calls for the geocoder."""
    if {"latitude", "longitude"} & changed and location.has_point:
        return False  # coordinates given: placed by hand
    return bool(set(ADDRESS_FIELDS) & changed) or not location.has_point


def mark_placed_by_hand(location: Location) -> None:
    location.geocode_state = GeocodeState.MANUAL.value
    location.geocode_note = ""
    location.geocoded_at = utcnow()


def schedule(location: Location) -> None:
    """Take LOCATION off the map until the worker has geocoded it (after commit)."""
    location.latitude = location.longitude = None
    location.geocode_state = GeocodeState.PENDING.value
    location.geocode_note = ""
    session.flush()
    jobs.enqueue(TASK, [location.id])


def move_pin(location: Location, latitude: float, longitude: float) -> None:
    """Place LOCATION's pin by hand (the map's drag, or typed coordinates)."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("The pin must be within ±90° latitude and ±180° longitude.")
    location.latitude, location.longitude = float(latitude), float(longitude)
    mark_placed_by_hand(location)


def hand_over_stale() -> int:
    """The beat's sweep: hand pending locations whose message was lost to the workers again."""
    ids = (
        session.execute(
            select(Location.id)
            .where(
                Location.geocode_state == GeocodeState.PENDING.value,
                Location.updated_at < utcnow() - STALE_AFTER,
            )
            .order_by(Location.id)
            .limit(BATCH * 10)
        )
        .scalars()
        .all()
    )
    session.commit()  # the sweep only reads; what it hands over goes now
    for start in range(0, len(ids), BATCH):
        jobs.enqueue(TASK, ids[start : start + BATCH])
    return len(ids)


def failures(limit: int = 200) -> list[Location]:
    """Locations the geocoder could not place, to be fixed (the vendor's list, or a
    partner's under its scope)."""
    return (
        session.execute(
            select(Location)
            .where(Location.geocode_state == GeocodeState.FAILED.value)
            .order_by(Location.partner_id, Location.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
