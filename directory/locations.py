"""Partner locations (addresses with coordinates)."""

from __future__ import annotations

from functools import partial

from app import audit
from app import validation as v
from app.db import session
from directory import activity
from directory.locator import geocoding
from directory.models import Location, Partner

CLEANERS = {
    "label": partial(v.text, max_length=120, label="The label"),
    "street": partial(v.text, max_length=200, label="The street"),
    "city": partial(v.text, max_length=120, required=True, label="The city"),
    "postal_code": partial(v.text, max_length=20, label="The postal code"),
    "region": partial(v.text, max_length=120, label="The region"),
    "country_code": partial(v.country_code, required=True),
    "latitude": partial(v.float_in, low=-90, high=90, label="The latitude"),
    "longitude": partial(v.float_in, low=-180, high=180, label="The longitude"),
    "public": v.boolean,
    "opening_hours": partial(v.text, max_length=1000, label="The opening hours"),
}


def _check_pair(clean: dict, location: Location | None = None) -> None:
    lat = clean.get("latitude", location.latitude if location else None)
    lon = clean.get("longitude", location.longitude if location else None)
    if (lat is None) != (lon is None):
        raise v.ValidationFailed({"latitude": "Give both latitude and longitude, or neither."})


def add_location(partner: Partner, data, actor) -> Location:
    clean = v.collect(CLEANERS, {"city": "", "country_code": "", **data})
    _check_pair(clean)
    location = Location(partner_id=partner.id, **clean)
    session.add(location)
    session.flush()
    if location.has_point:
        geocoding.mark_placed_by_hand(location)
    else:
        geocoding.schedule(location)
    audit.record(
        actor, "location.create", location, partner_id=partner.id, changes=audit.diff({}, clean)
    )
    activity.record(partner.id, activity.LOCATION_ADDED, ref=("location", location.id))
    return location


def update_location(location: Location, data, actor) -> Location:
    clean = v.collect(CLEANERS, data)
    _check_pair(clean, location)
    before = {k: getattr(location, k) for k in clean}
    for key, value in clean.items():
        setattr(location, key, value)
    changed = {k for k in clean if before[k] != clean[k]}
    if {"latitude", "longitude"} & changed and location.has_point:
        geocoding.mark_placed_by_hand(location)
    elif geocoding.needs_geocoding(location, changed):
        geocoding.schedule(location)
    audit.record(
        actor,
        "location.update",
        location,
        partner_id=location.partner_id,
        changes=audit.diff(before, clean),
    )
    return location


def delete_location(location: Location, actor) -> None:
    audit.record(
        actor,
        "location.delete",
        location,
        partner_id=location.partner_id,
        changes={"city": [location.city, None]},
    )
    session.delete(location)
