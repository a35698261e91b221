"""Locator benchmark: radius + filter searches (top 20) over many partner locations, through
each database's spatial index, against a naive full-scan haversine query in the same run.

Run from the repository root (PostgreSQL on loopback, as for the test suite):

    .venv/bin/python tests/benchmarks/bench_locator.py [--locations 100000] [--million]
        [--big 1000000] [--queries 200] [--naive-queries 30] [--only sqlite|postgres]
        [--no-write]

For each database it makes a fresh SQLite file or PostgreSQL schema, migrates it (the
R*Tree table and its triggers; the cube + earthdistance GiST index), and loads the
locations spread like real partner networks: clustered around the 2,000 largest cities of
the gazetteer, more around bigger cities, each partner with one to three locations, a type,
a tier, specialties, certifications and languages; 90 % of partners active and listed.
Then it times the spatial query ``directory.locator.search.query`` (ids, distances and the
count, up to 1,000, of the top 20) and ``search.search`` as the page and the API run it
(with the 20 hits' rows loaded as objects) for random cities, radii of 10, 25 and 50 km,
three searches in four filtered, and ``search.naive_query`` (no index, every location's
distance, all counted and sorted) for the first of those searches, checking that both
find the same rows and the same count. ``--million`` adds a run at 1,000,000 locations (``--big``).
Rows are loaded with the spatial index set aside (COPY on PostgreSQL, executemany on
SQLite) and the index is built once after them, so that the million run fits in about
a quarter of an hour on two cores (docs/PERFORMANCE.md has the measured times).

Prints a markdown table and writes it into docs/PERFORMANCE.md between the markers
``<!-- locator:start -->`` and ``<!-- locator:end -->`` (not with ``--no-write``). Not
collected by pytest; the schema and the files are removed at the end, even on failure.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from tests.benchmarks.machine import describe, markdown_table  # noqa: E402

DOC = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- locator:start -->", "<!-- locator:end -->"
COMMAND = ".venv/bin/python tests/benchmarks/bench_locator.py"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TYPES = ["reseller", "distributor", "msp", "installer", "integrator"]
SPECIALTIES = ["Solar", "Heat pumps", "Storage", "EV charging", "Security", "Cloud", "Networks"]
CERTS = ["Certified Installer", "Service Partner", "Expert"]
LANGS = ["en", "de", "fr", "es", "it", "nl"]
RADII = [10, 25, 50]
SEED = 20261201


def cities(count: int = 2000) -> list[tuple[float, float, int]]:
    from directory.locator import gazetteer

    index = gazetteer.index()
    rows = sorted(index.rows, key=lambda r: -r[5])[:count]
    return [(r[3], r[4], r[5]) for r in rows]


def generate(n_locations: int, rng: random.Random):
    """(partners, locations) rows as tuples, clustered around cities."""
    centres = cities()
    # the cumulative weights once: rng.choices would add up 2,000 weights per partner
    cumulative = list(itertools.accumulate(math.sqrt(p) for _, _, p in centres))
    partners, locations = [], []
    location_id = partner_id = 0
    while location_id < n_locations:
        partner_id += 1
        status = "active" if rng.random() < 0.9 else "inactive"
        partners.append(
            (
                partner_id,
                f"Partner {partner_id}",
                f"partner-{partner_id}",
                rng.choice(TYPES),
                rng.randint(1, 4),
                status,
                rng.random() < 0.95,
                rng.sample(SPECIALTIES, rng.randint(1, 3)),
                rng.sample(CERTS, rng.randint(0, 2)),
                rng.sample(LANGS, rng.randint(1, 2)),
            )
        )
        lat0, lon0, _ = rng.choices(centres, cum_weights=cumulative)[0]
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            location_id += 1
            lat = max(-89.9, min(89.9, rng.gauss(lat0, 0.15)))
            lon = (rng.gauss(lon0, 0.2) + 540) % 360 - 180
            locations.append((location_id, partner_id, round(lat, 6), round(lon, 6)))
            if location_id >= n_locations:
                break
    return partners, locations


TIERS_SQL = (
    "INSERT INTO tiers (id, name, rank, color) VALUES "
    "(1, 'Registered', 10, '#64748b'), (2, 'Silver', 20, '#64748b'), "
    "(3, 'Gold', 30, '#64748b'), (4, 'Platinum', 40, '#64748b')"
)
PARTNER_COLUMNS = (
    "id, name, slug, type, tier_id, status, status_changed_at, countries, regions, "
    "specialties, certifications, website, phone, email, description, "
    "listed_in_locator, created_at, updated_at, services, languages"
)
LOCATION_COLUMNS = (
    "id, partner_id, label, street, city, postal_code, region, country_code, "
    "latitude, longitude, public, opening_hours, updated_at, version, "
    "geocode_state, geocode_note"
)
RTREE_FILL = (
    "INSERT INTO location_rtree (id, min_lat, max_lat, min_lon, max_lon) "
    "SELECT id, latitude, latitude, longitude, longitude FROM locations "
    "WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
)


def _partner_row(p) -> tuple:
    return (
        p[0], p[1], p[2], p[3], p[4], p[5], "2026-01-01", "[]", "[]", json.dumps(p[7]),
        json.dumps(p[8]), "", "", "", "", p[6], "2026-01-01", "2026-01-01", "[]", json.dumps(p[9]),
    )  # fmt: skip


def _location_row(loc) -> tuple:
    return (
        loc[0], loc[1], "", "", "City", "", "", "DE", loc[2], loc[3], True, "",
        "2026-01-01", 1, "exact", "",
    )  # fmt: skip


def load(engine, partners, locations) -> tuple[float, float]:
    """Bulk-load the rows with the spatial index set aside, then build it: COPY and a GiST
    index built once on PostgreSQL; executemany without the R*Tree triggers, then one
    INSERT … SELECT into the R*Tree on SQLite. Returns (seconds for rows, for the index)."""
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(TIERS_SQL)
        if engine.dialect.name == "postgresql":
            cur.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_locations_earth' "
                "AND schemaname = current_schema()"
            )
            index_sql = cur.fetchone()[0]
            cur.execute("DROP INDEX ix_locations_earth")
            with cur.copy(f"COPY partners ({PARTNER_COLUMNS}) FROM STDIN") as copy:
                for p in partners:
                    copy.write_row(_partner_row(p))
            with cur.copy(f"COPY locations ({LOCATION_COLUMNS}) FROM STDIN") as copy:
                for loc in locations:
                    copy.write_row(_location_row(loc))
            raw.commit()
            rows_done = time.perf_counter()
            cur.execute("SET maintenance_work_mem = '256MB'")  # the index built in memory
            cur.execute(index_sql)
            raw.commit()
            # a table in service has been vacuumed: the autovacuum a million fresh rows call
            # for is done now, not while the searches are timed (VACUUM wants autocommit)
            raw.driver_connection.autocommit = True
            cur.execute("VACUUM ANALYZE partners")
            cur.execute("VACUUM ANALYZE locations")
            raw.driver_connection.autocommit = False
        else:
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'locations' AND name LIKE 'locations_rtree%'"
            )
            triggers = cur.fetchall()
            for name, _sql in triggers:
                cur.execute(f"DROP TRIGGER {name}")
            marks = ", ".join("?" * 20)
            cur.executemany(
                f"INSERT INTO partners ({PARTNER_COLUMNS}) VALUES ({marks})",
                (_partner_row(p) for p in partners),
            )
            marks = ", ".join("?" * 16)
            cur.executemany(
                f"INSERT INTO locations ({LOCATION_COLUMNS}) VALUES ({marks})",
                (_location_row(loc) for loc in locations),
            )
            raw.commit()
            rows_done = time.perf_counter()
            cur.execute(RTREE_FILL)
            for _name, sql in triggers:
                cur.execute(sql)
            cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return rows_done - started, time.perf_counter() - rows_done


def queries(count: int, rng: random.Random):
    centres = cities(500)
    weights = [math.sqrt(p) for _, _, p in centres]
    out = []
    for i in range(count):
        lat, lon, _ = rng.choices(centres, weights)[0]
        kind = i % 4
        filters = {}
        if kind == 1:
            filters["specialties"] = [rng.choice(SPECIALTIES)]
        elif kind == 2:
            filters["types"] = [rng.choice(TYPES)]
            filters["languages"] = [rng.choice(LANGS)]
        elif kind == 3:
            filters["tiers"] = ["Gold", "Platinum"]
        out.append((lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05),
                    rng.choice(RADII), filters))  # fmt: skip
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def in_a_request(session) -> None:
    """Where the search runs, in a page or an API request, the request has read the program's
    settings first: the connection is checked out (and pinged) and its transaction begun. So
    too before each timed search here; the page's own time (with all of that) is measured
    through the application (``page_request``)."""
    session.execute(text("SELECT 1"))


def run(label: str, url: str, n_locations: int, n_queries: int, n_naive: int) -> dict:
    from app import db, migrate
    from app.db import session
    from directory.locator import search

    rng = random.Random(SEED)
    row_begun = time.perf_counter()
    partners, locations = generate(n_locations, rng)
    generated = time.perf_counter() - row_begun
    engine = db.init_engine(url)
    migrate.upgrade(url)
    rows_s, index_s = load(engine, partners, locations)
    print(
        f"{label}: generated {len(locations):,} locations in {generated:.1f} s, loaded in "
        f"{rows_s:.1f} s, spatial index built in {index_s:.1f} s",
        flush=True,
    )
    asked = queries(n_queries, random.Random(SEED + 1))
    client = where_to_buy_client(url)
    # warm up: the connection, the statement cache, the pages of the index, the templates
    for lat, lon, radius, f in asked[:10]:
        search.search(lat, lon, radius_km=radius, filters=search.Filters.of(**f))
        session.rollback()
        page_request(client, lat, lon, radius, f)
    indexed, ids_only, naive, found, pages = [], [], [], [], []
    for lat, lon, radius, f in asked:
        filters = search.Filters.of(**f)
        in_a_request(session)
        started = time.perf_counter()
        search.query(lat, lon, radius, filters, limit=20)
        ids_only.append((time.perf_counter() - started) * 1000)
        session.rollback()
        in_a_request(session)
        started = time.perf_counter()
        results = search.search(lat, lon, radius_km=radius, filters=filters, per_page=20)
        indexed.append((time.perf_counter() - started) * 1000)
        found.append(results.total)
        session.rollback()
    # the pages in a loop of their own: each logs its search and commits (a WAL flush on
    # PostgreSQL), which is the page's time, not the next search's
    for lat, lon, radius, f in asked:
        pages.append(page_request(client, lat, lon, radius, f))
    checked = 0
    for lat, lon, radius, f in asked[:n_naive]:
        filters = search.Filters.of(**f)
        in_a_request(session)
        started = time.perf_counter()
        slow = search.naive_query(lat, lon, radius, filters, limit=20)
        naive.append((time.perf_counter() - started) * 1000)
        fast = search.query(lat, lon, radius, filters, limit=20)
        assert [r[0] for r in slow.rows] == [r[0] for r in fast.rows], "the index missed one"
        assert min(slow.total, search.COUNT_CAP) == fast.total, "the index counted otherwise"
        checked += 1
        session.rollback()
    session.remove()
    return {
        "label": label,
        "locations": len(locations),
        "partners": len(partners),
        "query_p50": percentile(ids_only, 0.5),
        "query_p95": percentile(ids_only, 0.95),
        "p50": percentile(indexed, 0.5),
        "p95": percentile(indexed, 0.95),
        "naive_p50": percentile(naive, 0.5) if naive else float("nan"),
        "naive_p95": percentile(naive, 0.95) if naive else float("nan"),
        "indexed_same_p50": percentile(ids_only[: len(naive)], 0.5) if naive else float("nan"),
        "page_p50": percentile(pages, 0.5),
        "page_p95": percentile(pages, 0.95),
        "page_extra_p50": percentile([p - i for p, i in zip(pages, indexed, strict=True)], 0.5),
        "page_extra_p95": percentile([p - i for p, i in zip(pages, indexed, strict=True)], 0.95),
        "queries": len(indexed),
        "naive_queries": len(naive),
        "median_found": statistics.median(found),
        "checked": checked,
        "generate_s": generated,
        "load_s": rows_s,
        "index_s": index_s,
        "wall_s": time.perf_counter() - row_begun,
    }


PARAMETERS = {"specialties": "specialty", "types": "type", "languages": "language", "tiers": "tier"}


def where_to_buy_client(url: str):
    """A test client of the whole application on the benchmark's database."""
    from app import create_app
    from app.config import load_settings

    settings = load_settings(
        {
            "TANDEM_INSTANCE": os.environ["TANDEM_INSTANCE"],
            "DATABASE_URL": url,
            "SECRET_KEY": "benchmark",
            "BASE_URL": "http://localhost",
            # the limiter is one per process (the test suite's too): a limit no run reaches,
            # not RATELIMIT_ENABLED=False, which would switch it off for every later app
            "PUBLIC_API_LIMIT": "1000000 per minute",
        }
    )
    return create_app(settings, TESTING=True).test_client()


def page_request(client, lat: float, lon: float, radius: int, filters: dict) -> float:
    """Milliseconds for the where-to-buy page of one search, as a customer's browser asks it
    (the HTML rendered, the search logged for the analytics)."""
    args = {"lat": f"{lat:.5f}", "lon": f"{lon:.5f}", "radius_km": radius}
    args.update({PARAMETERS[name]: ",".join(values) for name, values in filters.items()})
    started = time.perf_counter()
    response = client.get("/where-to-buy", query_string=args)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed


@contextlib.contextmanager
def pg_schema(name: str):
    """A fresh PostgreSQL schema's URL, dropped afterwards (even on failure)."""
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    try:
        yield f"{base}?options=-csearch_path%3D{name}"
    finally:
        from app import db
        from app.db import session

        session.remove()  # a run that failed may hold its transaction (and the DROP would wait)
        db.get_engine().dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        admin.dispose()


def table(results: list[dict]) -> str:
    columns = ["database", "locations", "spatial query p50", "p95", "with rows loaded p50",
               "p95", "naive p50", "naive p95", "naive ÷ query (p50, same searches)"]  # fmt: skip
    rows = []
    for r in results:
        ratio = r["naive_p50"] / r["indexed_same_p50"] if r["naive_queries"] else float("nan")
        rows.append(
            [r["label"], f"{r['locations']:,}", f"{r['query_p50']:.1f} ms",
             f"{r['query_p95']:.1f} ms", f"{r['p50']:.1f} ms", f"{r['p95']:.1f} ms",
             f"{r['naive_p50']:.0f} ms", f"{r['naive_p95']:.0f} ms", f"{ratio:.0f}×"]
        )  # fmt: skip
    return markdown_table(columns, rows)


def page_table(results: list[dict]) -> str:
    """The where-to-buy page's server time against the search it runs (same searches)."""
    columns = ["database", "locations", "search, rows loaded p50", "page p50", "page p95",
               "page − search p50", "p95"]  # fmt: skip
    rows = [
        [r["label"], f"{r['locations']:,}", f"{r['p50']:.1f} ms", f"{r['page_p50']:.1f} ms",
         f"{r['page_p95']:.1f} ms", f"{r['page_extra_p50']:.1f} ms",
         f"{r['page_extra_p95']:.1f} ms"]
        for r in results
    ]  # fmt: skip
    return markdown_table(columns, rows)


def setup_table(results: list[dict]) -> str:
    """What it took to make each row's data: generating, loading, building the index."""
    columns = ["database", "locations", "generate", "load rows", "build spatial index",
               "whole row"]  # fmt: skip
    rows = [
        [r["label"], f"{r['locations']:,}", f"{r['generate_s']:.1f} s", f"{r['load_s']:.1f} s",
         f"{r['index_s']:.1f} s", f"{r['wall_s']:.0f} s"]
        for r in results
    ]  # fmt: skip
    return markdown_table(columns, rows)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--locations", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also run at 1,000,000")
    parser.add_argument(
        "--big", type=int, default=1_000_000, help="the size --million runs (tests: smaller)"
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--naive-queries", type=int, default=30)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    sizes = [args.locations] + ([args.big] if args.million else [])
    begun = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-locator-") as folder:
        os.environ["TANDEM_INSTANCE"] = folder
        for size in sizes:
            naive = args.naive_queries if size <= 100_000 else max(5, args.naive_queries // 3)
            if args.only in (None, "sqlite"):
                url = f"sqlite:///{Path(folder) / f'locator-{size}.sqlite'}"
                results.append(run("SQLite (R*Tree)", url, size, args.queries, naive))
                print(table(results[-1:]), flush=True)
            if args.only in (None, "postgres"):
                with pg_schema(f"bench_locator_{os.getpid()}") as url:
                    label = "PostgreSQL (cube + earthdistance GiST)"
                    results.append(run(label, url, size, args.queries, naive))
                    print(table(results[-1:]), flush=True)
    import sqlite3

    import psycopg

    report = (
        f"Measured {date.today().isoformat()} on {describe(f'SQLite {sqlite3.sqlite_version}')}, "
        f"psycopg {psycopg.__version__}, {args.queries} searches per row (random large cities, "
        f"radius 10/25/50 km, one search in four unfiltered, the others filtered by "
        f"specialty, by type and language, or by tier; top 20, rows loaded), naive: the "
        f"first {results[0]['naive_queries'] if results else 0} of them as a full-scan "
        f"haversine query (same filters, same answers checked).\n\n"
        + table(results)
        + "\n\nThe where-to-buy page of each of those searches (`GET /where-to-buy?lat=…&lon=…`"
        " through the whole application: the search, the HTML rendered, the search logged for"
        " the analytics), against the search with rows loaded of the same query:\n\n"
        + page_table(results)
        + "\n\nSetting the data up (generation in Python, rows by COPY on PostgreSQL and "
        "executemany on SQLite with the spatial index set aside, then the index built once):"
        f"\n\n{setup_table(results)}\n\nThe whole run took "
        f"{(time.perf_counter() - begun) / 60:.1f} minutes."
    )
    print()
    print(report)
    if not args.no_write:
        command = COMMAND + (" --million" if args.million else "")
        write_block(
            DOC, (START, END), "Partner locator search", f"{report}\n\nCommand: `{command}`"
        )
    return results


def write_block(doc: Path, markers: tuple[str, str], heading: str, report: str) -> None:
    """Put REPORT between the MARKERS of DOC, or at its end under HEADING the first time."""
    start, end = markers
    text_now = doc.read_text() if doc.exists() else "# Performance\n"
    block = f"{start}\n{report}\n{end}"
    if start in text_now:
        before, _, rest = text_now.partition(start)
        _, _, after = rest.partition(end)
        text_now = before + block + after
    else:
        text_now = text_now.rstrip() + f"\n\n## {heading}\n\n" + block + "\n"
    doc.write_text(text_now)


if __name__ == "__main__":
    main()
