"""Lead routing benchmark: routing leads over 10,000 and 100,000 partners, the routing of
``directory.leads.routing`` (only the partners the spatial index finds around the customer's
place, plus those listing its postcode, region or country) against the naive routing that
loads every listed partner with its locations and settings for each lead, in the same run.

Run from the repository root (PostgreSQL on loopback, as for the test suite):

    .venv/bin/python tests/benchmarks/bench_leads.py [--partners 10000 100000]
        [--leads 50] [--old-leads 3] [--only sqlite|postgres] [--no-write]

The partner network is the locator benchmark's (``bench_locator.generate``: partners clustered
around the gazetteer's 2,000 largest cities, one to three locations each, 90 % active, 95 %
listed), loaded the same way. One partner in five has its own lead settings (a service radius
of 25, 50 or 100 km); one in a hundred also lists a country it covers. Each lead is a customer
at a random large city (any product, a country of the same five), routed with a fresh session
as a request would be. The naive routing (``tests/benchmarks/naive_routing.py``) measures the
distance to every location in Python and picks by the routing module's own rule helpers, as
the routing did before it looked only at the partners near the place, so both run the same
rules on the same data; the table says how often both chose the same partner.

Prints a markdown table and writes it into docs/PERFORMANCE.md between the markers
``<!-- leads:start -->`` and ``<!-- leads:end -->`` (not with ``--no-write``). Not collected
by pytest; the schema and the files are removed at the end, even on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from tests.benchmarks import bench_locator as network  # noqa: E402
from tests.benchmarks import naive_routing  # noqa: E402
from tests.benchmarks.machine import describe, markdown_table  # noqa: E402

DOC = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- leads:start -->", "<!-- leads:end -->"
COMMAND = ".venv/bin/python tests/benchmarks/bench_leads.py"
COUNTRIES = ["DE", "FR", "US", "GB", "IT"]
LOCATIONS_PER_PARTNER = 1.6  # bench_locator.generate's mean
SEED = 20261202


def add_lead_settings(engine, partners, rng: random.Random) -> int:
    """Lead settings for one partner in five; returns how many rows."""
    rows = []
    for p in partners:
        if rng.random() >= 0.2:
            continue
        countries = [rng.choice(COUNTRIES)] if rng.random() < 0.05 else []
        rows.append(
            {
                "pid": p[0],
                "radius": float(rng.choice((25, 50, 100))),
                "countries": json.dumps(countries),
            }
        )
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO partner_lead_settings (partner_id, accepts_leads, "
                "service_radius_km, location_radii, postcodes, regions, countries, products, "
                "updated_at) VALUES (:pid, :yes, :radius, '{}', '[]', '[]', :countries, '[]', "
                "'2026-01-01')"
            ),
            [{**r, "yes": True} for r in rows],
        )
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE partner_lead_settings"))
    return len(rows)


def leads(count: int, rng: random.Random):
    from directory.leads.models import Lead

    centres = network.cities(500)
    out = []
    for i in range(count):
        lat, lon, _ = rng.choice(centres)
        out.append(
            dict(
                name="Bench",
                email=f"bench{i}@customer.example",
                phone="",
                postcode="",
                region="",
                country_code=rng.choice(COUNTRIES),
                product_interest="",
                latitude=lat + rng.uniform(-0.05, 0.05),
                longitude=lon + rng.uniform(-0.05, 0.05),
            )
        )
    return [Lead(**values) for values in out]


def route_all(choose, asked) -> tuple[list[float], list[int | None]]:
    """Milliseconds per lead and the partner chosen, each lead in a fresh session."""
    from app.db import session

    times, chosen = [], []
    for lead in asked:
        started = time.perf_counter()
        decision = choose(lead)
        times.append((time.perf_counter() - started) * 1000)
        chosen.append(decision.partner.id if decision.partner else None)
        session.remove()
    return times, chosen


def run(label: str, url: str, n_partners: int, n_leads: int, n_old: int) -> dict:
    from app import db, migrate
    from directory.leads import routing

    rng = random.Random(SEED)
    partners, locations = network.generate(int(n_partners * LOCATIONS_PER_PARTNER), rng)
    engine = db.init_engine(url)
    migrate.upgrade(url)
    network.load(engine, partners, locations)
    settings = add_lead_settings(engine, partners, rng)
    print(
        f"{label}: {len(partners):,} partners, {len(locations):,} locations, "
        f"{settings:,} with lead settings",
        flush=True,
    )
    asked = leads(n_leads, random.Random(SEED + 1))
    route_all(routing.choose, asked[:3])  # warm up: connections, statement caches, pages
    new_ms, new_chosen = route_all(routing.choose, asked)
    old_failed = ""
    try:
        old_ms, old_chosen = route_all(naive_routing.choose, asked[:n_old])
    except Exception as error:  # noqa: BLE001 - the naive routing's own limit, reported
        from app.db import session

        session.remove()
        old_ms, old_chosen = [], []
        old_failed = str(getattr(error, "orig", error)).splitlines()[0][:120]
        print(f"{label}: the naive routing failed: {old_failed}", flush=True)
    return {
        "label": label,
        "partners": len(partners),
        "locations": len(locations),
        "leads": len(new_ms),
        "old_leads": len(old_ms),
        "p50": network.percentile(new_ms, 0.5),
        "p95": network.percentile(new_ms, 0.95),
        "same_p50": network.percentile(new_ms[:n_old], 0.5),
        "old_p50": network.percentile(old_ms, 0.5) if old_ms else float("nan"),
        "old_p95": network.percentile(old_ms, 0.95) if old_ms else float("nan"),
        "old_failed": old_failed,
        "same": sum(a == b for a, b in zip(new_chosen, old_chosen, strict=False)),
        "queued": sum(c is None for c in new_chosen),
    }


def table(results: list[dict]) -> str:
    columns = ["database", "partners", "routing p50", "p95", "old routing p50", "p95",
               "old ÷ new (p50, same leads)", "same partner chosen"]  # fmt: skip
    rows = []
    for r in results:
        new = [r["label"], f"{r['partners']:,}", f"{r['p50']:.1f} ms", f"{r['p95']:.1f} ms"]
        if r["old_failed"]:
            rows.append(new + [f"fails: {r['old_failed']}", "", "", ""])
            continue
        rows.append(
            new + [f"{r['old_p50']:.0f} ms", f"{r['old_p95']:.0f} ms",
                   f"{r['old_p50'] / r['same_p50']:.0f}×", f"{r['same']} of {r['old_leads']}"]
        )  # fmt: skip
    return markdown_table(columns, rows)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partners", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--leads", type=int, default=50)
    parser.add_argument("--old-leads", type=int, default=3)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-leads-") as folder:
        os.environ["TANDEM_INSTANCE"] = folder
        for size in args.partners:
            # the naive routing takes minutes per lead at 100,000 partners: fewer of them there
            n_old = min(args.old_leads if size < 50_000 else 1, args.leads)
            if args.only in (None, "sqlite"):
                url = f"sqlite:///{Path(folder) / f'leads-{size}.sqlite'}"
                results.append(run("SQLite", url, size, args.leads, n_old))
                print(table(results[-1:]), flush=True)
            if args.only in (None, "postgres"):
                with network.pg_schema(f"bench_leads_{os.getpid()}") as url:
                    results.append(run("PostgreSQL", url, size, args.leads, n_old))
                    print(table(results[-1:]), flush=True)
    import sqlite3

    report = (
        f"Measured {date.today().isoformat()} on {describe(f'SQLite {sqlite3.sqlite_version}')}"
        f", {args.leads} leads per row routed automatically (a customer at a random large "
        f"city; one partner in five with its own service radius, one in a hundred of those "
        f"listing a country), each in a fresh session; the old routing (every listed partner "
        f"loaded per lead, distances measured in Python: `tests/benchmarks/naive_routing.py`, "
        f"by the same rule helpers) for the first {args.old_leads} of them (one at 50,000 "
        f"partners and more).\n\n" + table(results)
    )
    print()
    print(report)
    if not args.no_write:
        network.write_block(DOC, (START, END), "Lead routing", f"{report}\n\nCommand: `{COMMAND}`")
    return results


if __name__ == "__main__":
    main()
