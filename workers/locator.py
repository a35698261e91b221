"""Locator tasks (``tandem.locator.<verb>``): thin, each takes ids and calls directory.locator."""

from __future__ import annotations

from app.db import session
from app.jobs import celery
from directory.locator import finder, geocoding

BEAT_SCHEDULE = {
    "locator-geocode-stale": {"task": "tandem.locator.geocode_stale", "schedule": 300.0},
    # the filters' choices follow partner edits made anywhere (API, imports) within minutes
    "locator-refresh-facets": {"task": finder.FACETS_TASK, "schedule": 300.0},
}


@celery.task(name=geocoding.TASK)
def geocode(*location_ids: int) -> dict[str, str]:
    return geocoding.geocode_locations(location_ids)


@celery.task(name="tandem.locator.geocode_stale")
def geocode_stale() -> int:
    return geocoding.hand_over_stale()


@celery.task(name=finder.FACETS_TASK)
def refresh_facets() -> int:
    count = finder.refresh_facets()
    session.commit()
    return count
