"""What a customer asks the locator, as the page, the widget and the public API ask it: a
place typed (or a point), a radius, filters, a page; answered with the search's results."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, select, text

from app import jobs
from app import validation as v
from app.db import session
from app.models import ProgramSettings
from directory.locator import gazetteer, search
from directory.locator.models import LocatorFacet
from directory.models import PARTNER_TYPE_LABELS, Partner, PartnerStatus, PartnerType, Tier

FILTER_NAMES = ("type", "tier", "specialty", "certification", "service", "language")
# the query parameter of each filter, and the field of search.Filters it fills
FILTER_FIELDS = {
    "type": "types",
    "tier": "tiers",
    "specialty": "specialties",
    "certification": "certifications",
    "service": "services",
    "language": "languages",
}


class BadQuery(ValueError):
    """A question the locator cannot take (its message says why, for the customer)."""


@dataclass
class Answer:
    query: str = ""
    point: tuple[float, float] | None = None
    place: gazetteer.Place | None = None
    others: list[gazetteer.Place] = field(default_factory=list)
    not_found: bool = False
    radius_km: float = search.DEFAULT_RADIUS_KM
    filters: dict[str, list[str]] = field(default_factory=dict)
    results: search.Results | None = None
    took_ms: float = 0.0

    @property
    def place_label(self) -> str:
        if self.place:
            return self.place.label
        if self.point:
            return "your location"
        return ""


def _number(value, name: str, low: float, high: float) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadQuery(f"The {name} must be a number.") from None
    if math.isnan(number) or not low <= number <= high:
        raise BadQuery(f"The {name} must be between {low:g} and {high:g}.")
    return number


def _raw(args: Mapping, name: str) -> list[str]:
    getlist = getattr(args, "getlist", None)
    return [str(x) for x in (getlist(name) if getlist else [args.get(name) or ""])]


def _values(args: Mapping, name: str) -> list[str]:
    values = []
    for item in _raw(args, name):
        values.extend(v.strip()[:60] for v in str(item).split(",") if v.strip())
    return list(dict.fromkeys(values))[:20]


def ask(args: Mapping, *, per_page: int = search.DEFAULT_PER_PAGE) -> Answer:
    """Answer the locator's query parameters ARGS (q, lat, lon, radius_km, the filters,
    page); BadQuery for parameters that are not valid."""
    program = ProgramSettings.saved() or ProgramSettings.with_defaults()
    for name in ("q", *FILTER_NAMES):
        for value in _raw(args, name):
            problem = v.text_problem(value)
            if problem:
                raise BadQuery(f"The search {problem}; remove it and try again.")
    answer = Answer(query=" ".join(str(args.get("q") or "").split())[:200])
    lat = _number(args.get("lat"), "latitude", -90, 90)
    lon = _number(args.get("lon"), "longitude", -180, 180)
    radius = _number(args.get("radius_km"), "radius", 1, search.MAX_RADIUS_KM)
    answer.radius_km = radius or float(program.locator_radius_km or search.DEFAULT_RADIUS_KM)
    page = _number(args.get("page"), "page", 1, 10_000)
    answer.filters = {name: _values(args, name) for name in FILTER_NAMES}
    answer.filters = {k: v for k, v in answer.filters.items() if v}
    if (lat is None) != (lon is None):
        raise BadQuery("Give both the latitude and the longitude.")
    if lat is not None:
        answer.point = (lat, lon)
    elif answer.query:
        resolution = gazetteer.resolve(answer.query)
        if resolution.place is None:
            answer.not_found = True
            return answer
        answer.place, answer.others = resolution.place, resolution.others
        answer.point = (resolution.place.latitude, resolution.place.longitude)
    if answer.point is None:
        return answer
    filters = search.Filters.of(
        **{FILTER_FIELDS[name]: values for name, values in answer.filters.items()}
    )
    started = time.perf_counter()
    answer.results = search.search(
        *answer.point,
        radius_km=answer.radius_km,
        filters=filters,
        sort=program.locator_sort,
        tier_boost_km=program.locator_tier_boost_km,
        page=int(page or 1),
        per_page=per_page,
    )
    answer.took_ms = (time.perf_counter() - started) * 1000
    return answer


_facets: tuple[float, dict] | None = None
FACETS_TTL = 60.0
FACETS_TASK = "tandem.locator.refresh_facets"


def facets() -> dict[str, list[tuple[str, str]]]:
    """The choices of each filter: (value, label) of what listed partners have, as the
    facets task last counted them (kept a minute in the process). On the first run, before
    the task, they are counted here once."""
    global _facets
    now = time.monotonic()
    if _facets and now - _facets[0] < FACETS_TTL:
        return _facets[1]
    rows = session.execute(select(LocatorFacet.filter, LocatorFacet.value)).all()
    if not rows and session.execute(select(_listed_partner().exists())).scalar():
        refresh_facets()
        session.commit()
        rows = session.execute(select(LocatorFacet.filter, LocatorFacet.value)).all()
    found: dict[str, set[str]] = {name: set() for name in FILTER_NAMES}
    for name, value in rows:
        found[name].add(value)
    result = {
        "type": [(t.value, PARTNER_TYPE_LABELS[t]) for t in PartnerType if t in found["type"]],
        "tier": [
            (name, name)
            for name in session.execute(select(Tier.name).order_by(Tier.rank)).scalars()
        ],
    }
    for name in ("specialty", "certification", "service", "language"):
        result[name] = [
            (v, language_name(v) if name == "language" else v)
            for v in sorted(found[name], key=str.lower)
        ]
    _facets = (now, result)
    return result


def _listed_partner():
    return select(Partner.id).where(
        Partner.status == PartnerStatus.ACTIVE.value, Partner.listed_in_locator
    )


def refresh_facets() -> int:
    """Count the filters' choices again: the distinct values of listed partners, unnested
    and deduplicated by the database in one statement (at a million locations, reading the
    partners into Python took ten seconds, and one page a minute waited for it). Returns how
    many choices there are; the caller commits."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    listed = "p.status = :active AND p.listed_in_locator = :yes"
    parts = [f"SELECT 'type' AS f, p.type AS v FROM partners p WHERE {listed}"]
    for name, column in (
        ("specialty", "specialties"),
        ("certification", "certifications"),
        ("service", "services"),
        ("language", "languages"),
    ):
        values = f"json_each(p.{column}) j" if sqlite else f"json_array_elements_text(p.{column}) j"
        value = "j.value" if sqlite else "j"
        parts.append(f"SELECT '{name}', {value} FROM partners p CROSS JOIN {values} WHERE {listed}")
    session.execute(delete(LocatorFacet))
    inserted = session.execute(
        text(
            f"INSERT INTO locator_facets (filter, value) SELECT f, v FROM "
            f"({' UNION '.join(parts)}) x WHERE v IS NOT NULL AND v <> ''"
        ),
        {"active": PartnerStatus.ACTIVE.value, "yes": True},
    )
    forget_facets()
    return inserted.rowcount


def facets_changed() -> None:
    """A listed partner's profile changed: count the choices again (a task, after commit)."""
    forget_facets()
    jobs.enqueue(FACETS_TASK, [])


def forget_facets() -> None:
    global _facets
    _facets = None


def language_name(code: str) -> str:
    """The name of a two-letter language code ("de": German); other values as typed."""
    import pycountry

    found = pycountry.languages.get(alpha_2=code.lower()) if len(code) == 2 else None
    return found.name if found else code
