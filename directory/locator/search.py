"""Spatial search of partner locations: the one search behind the where-to-buy page, the public
API and lead routing.

Each database's own spatial index picks the candidates in a box around the point (SQLite's
R*Tree virtual table ``location_rtree``; PostgreSQL's GiST index over ``cube`` +
``earthdistance`` points), then the exact great-circle (haversine) distance filters the
radius and orders them. Only active partners listed in the locator appear, each public
location with coordinates as its own result; a location without coordinates never does.

What a search asks of the partner (listed, tier, type and lists) is kept on each location
by the database (``search_listed``, ``search_tier_id``, ``search_tags``: migration 0017), so
a candidate costs one row, not a partner lookup too. Results are counted up to COUNT_CAP: a
dense circle at a million locations holds ten thousand, and "more than 1,000" is what a
customer needs to know of them (``query``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import joinedload

from app.db import get_engine, session
from directory.models import Location, Partner, Tier

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
MAX_RADIUS_KM = 20_000.0  # half the Earth's circumference: everywhere
RADIUS_CHOICES_KM = (5, 10, 25, 50, 100, 250, 500)
DEFAULT_RADIUS_KM = 50.0
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
SORTS = ("distance", "tier")
# earthdistance measures on a sphere of 6378.168 km: its boxes are widened to hold every
# point whose haversine distance (on the mean radius) is within the radius
_EARTH_BOX_MARGIN = 6378.168 / EARTH_RADIUS_KM * 1.001


@dataclass(frozen=True)
class Filters:
    """What a result must match: every filter given (AND), any value within one (OR)."""

    types: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()  # tier names, any case
    specialties: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    partner_ids: tuple[int, ...] | None = None  # None: any partner

    @classmethod
    def of(cls, **values) -> Filters:
        """Filters from lists or comma-separated strings; blanks are dropped."""
        clean = {}
        for name, value in values.items():
            if name == "partner_ids":
                clean[name] = None if value is None else tuple(int(v) for v in value)
                continue
            if isinstance(value, str):
                value = value.split(",")
            clean[name] = tuple(
                dict.fromkeys(str(v).strip() for v in value or () if str(v).strip())
            )
        return cls(**clean)

    @property
    def active(self) -> bool:
        return any(
            (
                self.types,
                self.tiers,
                self.specialties,
                self.certifications,
                self.services,
                self.languages,
                self.partner_ids is not None,
            )
        )


@dataclass
class Hit:
    """One location found, with its partner and its distance from the point searched."""

    location: Location
    partner: Partner
    distance_km: float


@dataclass
class Results:
    hits: list[Hit]
    total: int  # results within the radius (all pages), counted up to COUNT_CAP
    page: int
    per_page: int
    radius_km: float
    sort: str
    # nothing within the radius: the hits are the nearest anyway, farther than radius_km
    nearest_instead: bool = False
    suggested_radius_km: float | None = None
    total_capped: bool = False  # more than COUNT_CAP within the radius: total is the cap

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, in km (mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _haversine_sql(lat: str, lon: str) -> str:
    """SQL for the haversine distance (km) from :lat/:lon to the columns LAT/LON."""
    return (
        f"(2 * {EARTH_RADIUS_KM} * asin(sqrt(least_one("
        f"power(sin(radians({lat} - :lat) / 2), 2) + cos(radians(:lat)) * cos(radians({lat}))"
        f" * power(sin(radians({lon} - :lon) / 2), 2)))))"
    )


def _dialect() -> str:
    return get_engine().dialect.name


def distance_sql(lat_col: str = "l.latitude", lon_col: str = "l.longitude") -> str:
    least = "min" if _dialect() == "sqlite" else "least"
    return _haversine_sql(lat_col, lon_col).replace("least_one(", f"{least}(1.0, ")


_ext_schema: dict[str, str] = {}


def _pg_extension_schema() -> str:
    engine = get_engine()
    key = str(engine.url)
    if key not in _ext_schema:
        with engine.connect() as conn:
            _ext_schema[key] = conn.execute(
                text(
                    "SELECT extnamespace::regnamespace::text FROM pg_extension "
                    "WHERE extname = 'cube'"
                )
            ).scalar_one()
    return _ext_schema[key]


def _box_sql(lat: float, lon: float, radius_km: float, params: dict) -> str:
    """The index condition: locations in a box that holds the circle of RADIUS_KM."""
    if _dialect() != "sqlite":
        params["box_m"] = radius_km * 1000 * _EARTH_BOX_MARGIN
        op = f"OPERATOR({_pg_extension_schema()}.@>)"
        return (
            f"l.latitude IS NOT NULL AND l.longitude IS NOT NULL AND "
            f"locator_box(:lat, :lon, :box_m) {op} locator_earth(l.latitude, l.longitude)"
        )
    dlat = radius_km / KM_PER_DEGREE * 1.001
    lat_lo, lat_hi = lat - dlat, lat + dlat
    params.update(lat_lo=lat_lo, lat_hi=lat_hi)
    where = "r.max_lat >= :lat_lo AND r.min_lat <= :lat_hi"
    widest = max(abs(lat_lo), abs(lat_hi))
    if widest >= 89.9:
        return where
    dlon = dlat / math.cos(math.radians(widest))
    if dlon >= 180:
        return where
    lon_lo, lon_hi = lon - dlon, lon + dlon
    ranges = [(lon_lo, lon_hi)]
    if lon_lo < -180:  # across the antimeridian: two boxes
        ranges = [(-180.0, lon_hi), (lon_lo + 360, 180.0)]
    elif lon_hi > 180:
        ranges = [(lon_lo, 180.0), (-180.0, lon_hi - 360)]
    parts = []
    for i, (lo, hi) in enumerate(ranges):
        params[f"lon_lo{i}"], params[f"lon_hi{i}"] = lo, hi
        parts.append(f"(r.max_lon >= :lon_lo{i} AND r.min_lon <= :lon_hi{i})")
    return f"{where} AND ({' OR '.join(parts)})"


# each filter's prefix in a location's ``search_tags`` ("|t:reseller|s:solar|l:de|"), the text
# the database keeps from its partner (migration 0017_locator_search)
TAG_PREFIXES = {
    "types": "t",
    "specialties": "s",
    "certifications": "c",
    "services": "v",
    "languages": "l",
}


def _filter_sql(filters: Filters, params: dict, expanding: list[str]) -> list[str]:
    """The filters as conditions on the location row alone: its partner's searched fields are
    on it (``search_tier_id``, ``search_tags``), so no partner row is read per candidate."""
    find = "instr" if _dialect() == "sqlite" else "strpos"
    where = []
    for name, prefix in TAG_PREFIXES.items():
        anyof = []
        for i, value in enumerate(getattr(filters, name)):
            key = f"f_{prefix}{i}"
            params[key] = value
            # lower() and the "|" rule of the database's own tags, on both sides
            anyof.append(
                f"{find}(l.search_tags, '|{prefix}:' || replace(lower(:{key}), '|', '/') "
                f"|| '|') > 0"
            )
        if anyof:
            where.append(f"({' OR '.join(anyof)})")
    if filters.tiers:
        params["f_tiers"] = [t.lower() for t in filters.tiers]
        expanding.append("f_tiers")
        where.append(
            "l.search_tier_id IN (SELECT t.id FROM tiers t WHERE lower(t.name) IN :f_tiers)"
        )
    if filters.partner_ids is not None:
        params["f_partner_ids"] = list(filters.partner_ids or [0])
        expanding.append("f_partner_ids")
        where.append("l.partner_id IN :f_partner_ids")
    return where


def _tier_steps() -> dict[int, int]:
    """Each tier's step on the ladder (0 for the lowest), for the tier boost."""
    ids = session.execute(select(Tier.id).order_by(Tier.rank)).scalars().all()
    return {tier_id: step for step, tier_id in enumerate(ids)}


COUNT_CAP = 1000  # results are counted exactly up to this many; beyond it, "more than 1,000"


@dataclass(frozen=True)
class Found:
    """One page of a search as ids: (location id, partner id, distance) rows, and the count."""

    rows: list[tuple[int, int, float]]
    total: int  # within the radius, counted up to COUNT_CAP
    capped: bool  # more than COUNT_CAP


def _source(
    lat: float,
    lon: float,
    radius_km: float,
    filters: Filters,
    params: dict,
    expanding: list,
    *,
    indexed: bool = True,
) -> str:
    """FROM … WHERE for the listed, public locations matching FILTERS in the spatial index's
    box around the circle of RADIUS_KM (its corners still to be cut off by the distance);
    not INDEXED, every location with a point (the naive full scan)."""
    box = "l.latitude IS NOT NULL AND l.longitude IS NOT NULL"
    conditions = [
        _box_sql(lat, lon, radius_km, params) if indexed else box,
        # the partner active and listed in the locator (kept on the location)
        "l.search_listed = :yes",
        "l.public = :yes",
        *_filter_sql(filters, params, expanding),
    ]
    params["yes"] = True
    source = "locations l"
    if _dialect() == "sqlite" and indexed:
        # CROSS JOIN fixes SQLite's loop order: the R*Tree's box first, then rows by id
        source = "location_rtree r CROSS JOIN locations l ON l.id = r.id"
    return f"FROM {source} WHERE {' AND '.join(conditions)}"


def _execute(sql: str, params: dict, expanding: list[str]):
    statement = text(sql).bindparams(*(bindparam(n, expanding=True) for n in expanding))
    return session.execute(statement, params)


@dataclass(frozen=True)
class Ranking:
    """How results rank: SQL over a row's distance ``c.d`` and ``c.tier_id`` (less is better),
    its parameters, and the most it can take off a distance (the top tier's boost)."""

    sql: str = "c.d"
    params: tuple[tuple[str, float], ...] = ()
    most: float = 0.0

    @classmethod
    def of(cls, sort: str, tier_boost_km: float) -> Ranking:
        """By distance, or with ``sort="tier"`` less TIER_BOOST_KM per step up the tier
        ladder (the ladder read once per search)."""
        if sort != "tier" or not tier_boost_km:
            return cls()
        steps = _tier_steps()
        if not steps:
            return cls()
        cases = " ".join(f"WHEN {int(k)} THEN {int(v)}" for k, v in steps.items())
        return cls(
            f"c.d - :boost * (CASE c.tier_id {cases} ELSE 0 END)",
            (("boost", float(tier_boost_km)),),
            float(tier_boost_km) * max(steps.values()),
        )


BY_DISTANCE = Ranking()


def _in_circle(
    lat: float,
    lon: float,
    radius_km: float,
    filters: Filters,
    *,
    limit: int,
    ranking: Ranking = BY_DISTANCE,
    ranked: bool = True,
) -> list:
    """Up to LIMIT (id, partner_id, d, tier_id, score) rows within RADIUS_KM, the best by
    RANKING first (or in no order unless RANKED)."""
    params: dict = {"lat": lat, "lon": lon, "radius": radius_km, "limit": limit}
    params.update(ranking.params)
    expanding: list[str] = []
    sql = f"""
        SELECT c.id, c.partner_id, c.d, c.tier_id, {ranking.sql} AS score FROM (
            SELECT l.id, l.partner_id, l.search_tier_id AS tier_id, {distance_sql()} AS d
            {_source(lat, lon, radius_km, filters, params, expanding)}
        ) c
        WHERE c.d <= :radius
        {"ORDER BY score, c.id" if ranked else ""}
        LIMIT :limit
    """
    return _execute(sql, params, expanding).all()


def _page(
    lat: float,
    lon: float,
    radius_km: float,
    filters: Filters,
    *,
    ranking: Ranking = BY_DISTANCE,
    limit: int,
    offset: int = 0,
    start_km: float | None = None,
) -> list[tuple[int, int, float]]:
    """(location id, partner id, distance) of one page of the results within RADIUS_KM.

    Ranking every result of a dense circle costs as many rows as it holds (thousands at a
    million locations); the page needs only its best OFFSET + LIMIT. So the search starts
    with the circle of START_KM (default: the whole radius) and doubles it until the best
    rows inside cannot be passed by any row outside: with a distance sort, when it holds
    that many; with a tier boost, when the last of them ranks ahead of the nearest distance
    outside less the biggest boost. Exact: the same rows as ranking the whole circle."""
    want = offset + limit
    r = radius_km if start_km is None else min(max(start_km, 0.1), radius_km)
    while True:
        rows = _in_circle(lat, lon, r, filters, limit=want, ranking=ranking)
        if r >= radius_km or (len(rows) == want and rows[-1].score <= r - ranking.most):
            break
        r = min(r * 2, radius_km)
    return [(row.id, row.partner_id, float(row.d)) for row in rows[offset:]]


def query(
    lat: float,
    lon: float,
    radius_km: float,
    filters: Filters,
    *,
    sort: str = "distance",
    tier_boost_km: float = 0.0,
    limit: int = DEFAULT_PER_PAGE,
    offset: int = 0,
) -> Found:
    """The spatial query of one search, as ids: one page and the count within the radius
    (up to COUNT_CAP).

    One reading fetches the results in the circle, COUNT_CAP + 1 at most: with no more than
    COUNT_CAP that is all of them, counted and ranked here. A denser circle is "more than
    COUNT_CAP", and its page comes from a smaller circle that should hold about twice the
    rows the page needs, grown until it is exact (``_page``)."""
    # every result in the circle, in no order, if there are at most COUNT_CAP; one more if
    # there are more (the reading stops: a dense circle at a million holds ten thousand)
    ranking = Ranking.of(sort, tier_boost_km)
    within = _in_circle(
        lat, lon, radius_km, filters, limit=COUNT_CAP + 1, ranking=ranking, ranked=False
    )
    if len(within) <= COUNT_CAP:
        ranked = sorted(within, key=lambda r: (r.score, r.id))
        rows = [(r.id, r.partner_id, float(r.d)) for r in ranked[offset : offset + limit]]
        return Found(rows, len(within), False)
    if offset >= COUNT_CAP:
        return Found([], COUNT_CAP, True)
    # the points spread evenly: the area, and so the radius squared, goes with the count
    start = radius_km * math.sqrt(2 * (offset + limit) / len(within))
    page = _page(
        lat, lon, radius_km, filters, ranking=ranking, limit=limit, offset=offset, start_km=start
    )
    return Found(page, COUNT_CAP, True)


def naive_query(
    lat: float, lon: float, radius_km: float, filters: Filters, *, limit: int, offset: int = 0
) -> Found:
    """The same search without the spatial index: every location's distance computed, all
    of them counted and sorted. The reference the tests and the benchmark compare with."""
    params: dict = {"lat": lat, "lon": lon, "radius": radius_km, "limit": limit, "offset": offset}
    expanding: list[str] = []
    sql = f"""
        SELECT c.id, c.partner_id, c.d, count(*) OVER () AS total FROM (
            SELECT l.id, l.partner_id, {distance_sql()} AS d
            {_source(lat, lon, radius_km, filters, params, expanding, indexed=False)}
        ) c
        WHERE c.d <= :radius
        ORDER BY c.d, c.id
        LIMIT :limit OFFSET :offset
    """
    rows = _execute(sql, params, expanding).all()
    total = rows[0].total if rows else 0
    return Found([(r.id, r.partner_id, float(r.d)) for r in rows], total, False)


def _load(found: list[tuple[int, int, float]]) -> list[Hit]:
    if not found:
        return []
    locations = {
        loc.id: loc
        for loc in session.execute(
            select(Location)
            .where(Location.id.in_([f[0] for f in found]))
            .options(
                joinedload(Location.partner).joinedload(Partner.tier),
                joinedload(Location.partner).joinedload(Partner.brand_kit),
            )
        )
        .unique()
        .scalars()
    }
    return [
        Hit(locations[loc_id], locations[loc_id].partner, round(d, 3))
        for loc_id, _partner_id, d in found
        if loc_id in locations
    ]


def _check_point(lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
        raise ValueError("The latitude must be within ±90 and the longitude within ±180.")


def search(
    lat: float,
    lon: float,
    *,
    radius_km: float = DEFAULT_RADIUS_KM,
    filters: Filters | None = None,
    sort: str = "distance",
    tier_boost_km: float = 0.0,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    nearest_if_empty: int = 5,
) -> Results:
    """Listed locations within RADIUS_KM of (LAT, LON) that match FILTERS, one page of them.

    Ordered by distance, or with ``sort="tier"`` by distance less TIER_BOOST_KM per step up
    the tier ladder. With nothing within the radius, the NEAREST_IF_EMPTY nearest matching
    locations come back anyway (``nearest_instead``) with a radius that would hold them.
    """
    _check_point(lat, lon)
    filters = filters or Filters()
    radius_km = min(max(float(radius_km), 0.1), MAX_RADIUS_KM)
    per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
    page = max(int(page), 1)
    sort = sort if sort in SORTS else "distance"
    found = query(
        lat,
        lon,
        radius_km,
        filters,
        sort=sort,
        tier_boost_km=tier_boost_km,
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    results = Results(
        hits=_load(found.rows),
        total=found.total,
        page=page,
        per_page=per_page,
        radius_km=radius_km,
        sort=sort,
        total_capped=found.capped,
    )
    if results.total == 0 and nearest_if_empty:
        nearest = _nearest(lat, lon, filters, nearest_if_empty, start_km=radius_km)
        if nearest:
            results.hits = _load(nearest)
            results.nearest_instead = True
            farthest = max(d for _, _, d in nearest)
            results.suggested_radius_km = next(
                (float(c) for c in RADIUS_CHOICES_KM if c >= farthest), math.ceil(farthest)
            )
    return results


def _nearest(
    lat: float, lon: float, filters: Filters, limit: int, *, start_km: float
) -> list[tuple[int, int, float]]:
    """The LIMIT nearest matching locations at any distance: a circle from START_KM that
    doubles until it holds them (or the whole Earth)."""
    return _page(lat, lon, MAX_RADIUS_KM, filters, limit=limit, start_km=max(start_km, 1.0))


def within_radius(
    lat: float, lon: float, radius_km: float, limit: int
) -> list[tuple[int, int, float]]:
    """(location id, partner id, distance) of the LIMIT listed locations nearest to (LAT,
    LON) within RADIUS_KM, nearest first: ids only, no rows loaded (lead routing)."""
    _check_point(lat, lon)
    return _page(lat, lon, min(max(float(radius_km), 0.1), MAX_RADIUS_KM), Filters(), limit=limit)


def nearest_locations(
    lat: float,
    lon: float,
    partner_ids=None,
    limit: int = 5,
    *,
    filters: Filters | None = None,
    max_km: float | None = None,
) -> list[Hit]:
    """The LIMIT listed locations nearest to (LAT, LON), at any distance (or within MAX_KM),
    of the PARTNER_IDS given (None: any listed partner), nearest first."""
    _check_point(lat, lon)
    filters = filters or Filters()
    if partner_ids is not None:
        filters = Filters(**{**filters.__dict__, "partner_ids": tuple(partner_ids)})
    if max_km is not None:
        found = _page(lat, lon, min(max_km, MAX_RADIUS_KM), filters, limit=limit)
    else:
        found = _nearest(lat, lon, filters, limit, start_km=DEFAULT_RADIUS_KM)
    return _load(found)


__all__ = [
    "COUNT_CAP",
    "DEFAULT_RADIUS_KM",
    "RADIUS_CHOICES_KM",
    "Filters",
    "Hit",
    "Results",
    "haversine_km",
    "nearest_locations",
    "search",
    "within_radius",
]
