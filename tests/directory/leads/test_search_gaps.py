"""The map of searches with no result, on SQLite and PostgreSQL: counted in cells, never one
by one; what was typed only where several typed it; old and found searches left out."""

from __future__ import annotations

from datetime import timedelta

from app.db import session, utcnow
from directory.leads import search_gaps
from directory.leads.models import LocatorSearch


def searched(query, lat, lon, results=0, days_ago=1):
    session.add(
        LocatorSearch(
            query=query,
            latitude=lat,
            longitude=lon,
            results=results,
            at=utcnow() - timedelta(days=days_ago),
        )
    )


def test_empty_searches_are_counted_by_area(ctx):
    # three in Leipzig (two typed the same), one street-level point in Dresden
    searched("Leipzig", 51.3397, 12.3731)
    searched("leipzig ", 51.35, 12.40, days_ago=3)
    searched("04109", 51.34, 12.37)
    searched("Dresden Neustadt 5", 51.0651, 13.7498)
    searched("Berlin", 52.52, 13.40, results=4)  # found partners
    searched("Leipzig", 51.34, 12.37, days_ago=200)  # too old
    searched("Nowhere", None, None)  # no point
    session.commit()
    gaps = search_gaps.unmet_demand(days=90)
    assert [(g.place, g.searches) for g in gaps] == [("Leipzig", 3), ("", 1)]
    leipzig, dresden = gaps
    # the centre of a 0.25° cell, not where anyone searched
    assert (leipzig.latitude, leipzig.longitude) == (51.375, 12.375)
    assert (dresden.latitude, dresden.longitude) == (51.125, 13.625)
    assert dresden.label == "near 51.12, 13.62: 1 search"
    assert leipzig.as_point() == {
        "lat": 51.375,
        "lon": 12.375,
        "count": 3,
        "label": "Leipzig: 3 searches",
    }
    assert leipzig.last_at.date() == (utcnow() - timedelta(days=1)).date()


def test_a_postcode_typed_twice_is_shown_as_typed(ctx):
    searched("sw1a 1aa", 51.501, -0.1416)
    searched("SW1A 1AA", 51.502, -0.1410)
    session.commit()
    assert [g.place for g in search_gaps.unmet_demand()] == ["SW1A 1AA"]
