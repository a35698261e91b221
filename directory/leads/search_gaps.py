"""Where customers searched the where-to-buy page and found nothing: the vendor's map of
unmet demand. Searches are counted in cells of about 25 km, never shown one by one: a cell
gives its centre, how many searches found nothing there and when the last one was; what was
typed is shown only when several searches in the cell typed the same."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.db import session, utcnow
from directory.leads.models import LocatorSearch

CELL_DEGREES = 0.25  # about 28 km north to south: a town, never a street
NAMED_FROM = 2  # searches in a cell that must have typed the same words to show them
MAX_SEARCHES = 50_000  # the most recent empty searches looked at


@dataclass(frozen=True)
class Gap:
    latitude: float  # the cell's centre
    longitude: float
    searches: int
    last_at: datetime
    place: str  # what several of them typed, or ""

    @property
    def label(self) -> str:
        where = self.place or f"near {self.latitude:.2f}, {self.longitude:.2f}"
        return f"{where}: {self.searches} search{'es' if self.searches != 1 else ''}"

    def as_point(self) -> dict:
        return {
            "lat": self.latitude,
            "lon": self.longitude,
            "count": self.searches,
            "label": self.label,
        }


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor((lat + 90) / CELL_DEGREES), math.floor((lon + 180) / CELL_DEGREES)


def _centre(cell: tuple[int, int]) -> tuple[float, float]:
    row, column = cell
    return (
        round((row + 0.5) * CELL_DEGREES - 90, 3),
        round((column + 0.5) * CELL_DEGREES - 180, 3),
    )


def unmet_demand(days: int = 90, limit: int = 300) -> list[Gap]:
    """The cells where searches of the last DAYS days found nothing, most searches first."""
    since = utcnow() - timedelta(days=days)
    rows = session.execute(
        select(
            LocatorSearch.latitude, LocatorSearch.longitude, LocatorSearch.query, LocatorSearch.at
        )
        .where(
            LocatorSearch.results == 0,
            LocatorSearch.at >= since,
            LocatorSearch.latitude.is_not(None),
            LocatorSearch.longitude.is_not(None),
        )
        .order_by(LocatorSearch.at.desc())
        .limit(MAX_SEARCHES)
    ).all()
    counts: Counter = Counter()
    typed: dict[tuple[int, int], Counter] = {}
    last: dict[tuple[int, int], datetime] = {}
    for lat, lon, query, at in rows:
        cell = _cell(lat, lon)
        counts[cell] += 1
        words = " ".join((query or "").split())
        if words:
            typed.setdefault(cell, Counter())[words.lower()] += 1
        last[cell] = max(last.get(cell, at), at)
    gaps = []
    for cell, n in counts.most_common(limit):
        place = ""
        if cell in typed:
            words, times = typed[cell].most_common(1)[0]
            if times >= NAMED_FROM:
                place = words.title() if not any(c.isdigit() for c in words) else words.upper()
        lat, lon = _centre(cell)
        gaps.append(Gap(lat, lon, n, last[cell], place))
    return gaps
