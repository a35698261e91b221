"""Where a customer is: the point of the locator search they came from, else their postcode or
city through the locator's gazetteer, else a partner location with that postcode."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from sqlalchemy import select

from app.db import session
from directory.models import Location


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float
    label: str
    country_code: str = ""
    region: str = ""


def _gazetteer():
    try:  # the locator's offline gazetteer, where installed
        return importlib.import_module("directory.locator.gazetteer")
    except ImportError:
        return None


def locate(postcode: str, country_code: str = "") -> Point | None:
    """The point of a postcode or place name, or None when nothing knows it."""
    typed = (postcode or "").strip()
    if not typed:
        return None
    gazetteer = _gazetteer()
    if gazetteer is not None:
        try:
            found = gazetteer.resolve(typed, country_code=country_code or None).place
        except Exception:  # noqa: BLE001 - a gazetteer problem leaves the lead unplaced
            found = None
        if found is not None:
            return Point(
                found.latitude, found.longitude, found.label, found.country_code, found.region
            )
    known = session.execute(
        select(Location)
        .where(
            Location.postal_code == typed,
            Location.latitude.is_not(None),
            Location.longitude.is_not(None),
        )
        .limit(1)
    ).scalar_one_or_none()
    if known is not None:
        return Point(
            known.latitude,
            known.longitude,
            f"{known.postal_code} {known.city}".strip(),
            known.country_code,
            known.region,
        )
    return None
