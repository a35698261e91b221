"""Scorecard benchmark: one full scoring run of 10,000 partners over 5,000,000 activity
records on PostgreSQL, against a per-partner loop in the same run.

Run from the repository root (PostgreSQL on loopback, as for the test suite):

    .venv/bin/python tests/benchmarks/bench_scorecards.py [--partners 10000] [--records 5000000]

In a fresh PostgreSQL schema, migrated, it generates the data inside the database (one
``INSERT … SELECT generate_series`` per table, the activity table unlogged: building 5 M rows
in Python would take longer than everything measured): the partners (active, on the tier
ladder, with certifications and a description), the activity records spread over 400 days
and over the kinds (views most, then previews, sign-ins, downloads, customizations, leads),
and four quarters of imported revenue and pipeline per partner; then VACUUM ANALYZE. The
starter scorecard is scored:

- full run: ``directory.scorecards.runs.run`` as the worker runs it — the metric values of
  every partner from a few grouped SQL queries, normalization and weights over those
  columns, one bulk COPY of 10,000 snapshots, the tier recommendations;
- per-partner loop: the metric values the way a per-partner implementation gets them — for
  each partner, one query per metric of the scorecard (its activity counts, its distinct
  campaigns, its imported figures, its profile); nothing stored. Its cost grows with the
  partners one by one (the same queries for each), so it is timed on an evenly spread sample
  (``--sample``, default 1,000 partners: every tenth of 10,000) and scaled to all of them;
  ``--sample 0`` loops over every partner (about ten minutes more at full size).

Each sampled partner's values from the loop are checked against the values its stored
snapshot was scored on. The parts of the full run are then timed one by one on the same data
(``metrics.values``' grouped queries, the normalization, the storing), and with
``--explain`` the plans of the grouped queries are printed (EXPLAIN ANALYZE).

Prints a markdown table and writes it into docs/PERFORMANCE.md between
``<!-- scorecards:start -->`` and ``<!-- scorecards:end -->`` (not with ``--no-write``).
Not collected by pytest. The schema is dropped even on failure.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from tests.benchmarks.machine import describe  # noqa: E402

DOC = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- scorecards:start -->", "<!-- scorecards:end -->"
COMMAND = ".venv/bin/python tests/benchmarks/bench_scorecards.py"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "tandem_bench_scorecards"
TARGET_SECONDS = 30.0
TARGET_RATIO = 20.0
# (kind, share of the records): views dominate, as in the engagement events
KINDS = [
    ("asset_viewed", 40),
    ("asset_previewed", 20),
    ("portal_login", 15),
    ("asset_downloaded", 10),
    ("asset_customized", 8),
    ("lead_received", 4),
    ("lead_accepted", 2),
    ("lead_won", 1),
]


def _base_url() -> str:
    return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)


def _admin(statement: str) -> None:
    engine = create_engine(_base_url())
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def _kind_case() -> str:
    """A CASE over g % 100 that picks a kind by its share."""
    parts, upto = [], 0
    for kind, share in KINDS:
        upto += share
        parts.append(f"WHEN (g * 37) % 100 < {upto} THEN '{kind}'")
    return "CASE " + " ".join(parts) + " ELSE 'lead_lost' END"


def generate(conn, partners: int, records: int) -> dict[str, float]:
    """The data, inside the database; seconds per step."""
    took = {}
    started = time.perf_counter()
    conn.execute(
        text(
            "INSERT INTO tiers (name, rank, color) VALUES "
            "('Registered', 10, '#64748b'), ('Silver', 20, '#94a3b8'), "
            "('Gold', 30, '#ca8a04'), ('Platinum', 40, '#334155')"
        )
    )
    conn.execute(
        text(
            """
            INSERT INTO partners (name, slug, type, tier_id, status, status_changed_at,
                countries, regions, specialties, certifications, website, phone, email,
                description, listed_in_locator, services, languages, created_at, updated_at)
            SELECT 'Partner ' || g, 'partner-' || g, 'reseller', 1 + g % 4, 'active', now(),
                '["DE"]', '[]', '[]',
                (ARRAY['[]', '["Installer"]', '["Installer", "Design"]',
                       '["Installer", "Design", "Support"]'])[1 + (g * 7) % 4]::json,
                '', '', '', CASE WHEN g % 3 = 0 THEN '' ELSE 'We sell.' END, true, '[]', '[]',
                now() - (g % 1500) * interval '1 day', now()
            FROM generate_series(1, :n) AS g
            """
        ),
        {"n": partners},
    )
    took["partners"] = time.perf_counter() - started
    started = time.perf_counter()
    # partner activity: a partner from a hash of g (to the power 1.5: some partners are much
    # busier than others), a kind by share, some time in the last 400 days. The indexes are
    # built after the rows, and the rows skip the foreign-key trigger (the ids are valid by
    # construction): both as a bulk load does it
    conn.execute(text("DROP INDEX ix_partner_activity_partner_kind_at"))
    conn.execute(text("DROP INDEX ix_partner_activity_kind_at"))
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    # and unlogged: the 5 M rows are not written twice (the table and its log) on a busy
    # 2-core machine; what is measured reads them, and writes the snapshots to logged tables
    conn.execute(text("ALTER TABLE partner_activity SET UNLOGGED"))
    conn.execute(
        text(
            f"""
            INSERT INTO partner_activity (partner_id, kind, occurred_at, value, ref_type, ref_id)
            SELECT 1 + floor(:n * power(((g * 2654435761) % 4294967296) / 4294967296.0, 1.5))::int,
                {_kind_case()},
                now() - ((g * 7919) % (400 * 86400)) * interval '1 second',
                CASE WHEN (g * 37) % 100 BETWEEN 94 AND 95 THEN 1 + g % 72 ELSE 1 END,
                'campaign', (g % 40)::text
            FROM generate_series(1::bigint, :records) AS g
            """
        ),
        {"n": partners, "records": records},
    )
    conn.execute(text("SET LOCAL session_replication_role = origin"))
    # room to sort the index entries in memory rather than in temporary files
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    conn.execute(
        text(
            "CREATE INDEX ix_partner_activity_partner_kind_at "
            "ON partner_activity (partner_id, kind, occurred_at)"
        )
    )
    conn.execute(
        text(
            "CREATE INDEX ix_partner_activity_kind_at ON partner_activity "
            "(kind, occurred_at, partner_id) INCLUDE (value, ref_type, ref_id)"
        )
    )
    took["activity"] = time.perf_counter() - started
    started = time.perf_counter()
    today = date.today()
    for quarter in range(4):
        start = today - timedelta(days=90 * (quarter + 1))
        conn.execute(
            text(
                """
                INSERT INTO imported_metrics (partner_id, metric, period_start, period_end,
                    value, source, updated_at)
                SELECT g, m, :start, :end,
                    1000 * power(1.0 + (g * 31 % 997) / 50.0, 2) * (CASE m WHEN 'pipeline'
                    THEN 2 ELSE 1 END), 'bench', now()
                FROM generate_series(1, :n) AS g, unnest(ARRAY['revenue', 'pipeline']) AS m
                """
            ),
            {"n": partners, "start": start, "end": start + timedelta(days=89)},
        )
    took["imported"] = time.perf_counter() - started
    took["analyze"] = 0.0
    return took


def per_partner_values(card, start, end, partner_ids):
    """The baseline's values: one query per metric and partner."""
    from app.db import session
    from directory import activity
    from directory.activity_models import ImportedMetric, PartnerActivity
    from directory.models import BrandKit, Location, Partner
    from directory.scorecards import metrics

    counted = {
        "assets_downloaded": activity.ASSET_DOWNLOADED,
        "portal_logins": activity.PORTAL_LOGIN,
    }
    out = {}
    for pid in partner_ids:
        row = {}
        in_window = (
            PartnerActivity.partner_id == pid,
            PartnerActivity.occurred_at >= start,
            PartnerActivity.occurred_at < end,
        )
        for line in card.lines:
            key = line["metric"]
            if key in counted:
                row[key] = float(
                    session.execute(
                        select(func.count()).where(*in_window, PartnerActivity.kind == counted[key])
                    ).scalar_one()
                )
            elif key == "campaigns_used":
                row[key] = float(
                    session.execute(
                        select(func.count(func.distinct(PartnerActivity.ref_id))).where(
                            *in_window,
                            PartnerActivity.kind.in_(
                                [activity.ASSET_CUSTOMIZED, activity.ASSET_DOWNLOADED]
                            ),
                            PartnerActivity.ref_type == "campaign",
                        )
                    ).scalar_one()
                )
            elif key in metrics.IMPORTED:
                value = session.execute(
                    select(func.sum(ImportedMetric.value)).where(
                        ImportedMetric.partner_id == pid,
                        ImportedMetric.metric == key,
                        ImportedMetric.period_start >= start.date(),
                        ImportedMetric.period_start < end.date(),
                    )
                ).scalar_one()
                row[key] = None if value is None else float(value)
            elif key == "certifications":
                partner = session.get(Partner, pid)
                row[key] = float(len(partner.certifications or []))
            elif key == "profile_completeness":
                partner = session.get(Partner, pid)
                logo = session.execute(
                    select(BrandKit.id).where(
                        BrandKit.partner_id == pid, BrandKit.logo_key.is_not(None)
                    )
                ).first()
                located = session.execute(
                    select(Location.id).where(
                        Location.partner_id == pid, Location.latitude.is_not(None)
                    )
                ).first()
                parts = bool(logo) + bool(located) + bool(partner.description)
                row[key] = round(100.0 * parts / 3, 1)
        out[pid] = row
    return out


def baseline(card, now, sample: int):
    """The loop's values of an evenly spread SAMPLE of the partners (0: all); the seconds it
    took, and the seconds scaled to every partner."""
    from directory.scorecards import scoring

    ids = [pid for pid, _tier in scoring.scored_partners()]
    step = max(1, len(ids) // sample) if sample else 1
    chosen = ids[::step]
    start, end = scoring.window(card, now)
    started = time.perf_counter()
    table = per_partner_values(card, start, end, chosen)
    took = time.perf_counter() - started
    return table, took, took * len(ids) / len(chosen)


def parts(card, now, explain: bool) -> dict[str, float]:
    """The full run's parts, timed one by one on the same data (seconds)."""
    from app.db import session
    from directory.scorecards import metrics, scoring

    start, end = scoring.window(card, now)
    keys = [line["metric"] for line in card.lines]
    wanted = metrics._needed(keys)
    took = {}
    for name, part in [
        ("activity counts (one grouped query)", metrics._activity_values),
        ("distinct campaigns used", metrics._distinct_ref_values),
        ("imported figures", metrics._imported_values),
    ]:
        metrics.tune_session()
        started = time.perf_counter()
        part(wanted, start, end)
        took[name] = time.perf_counter() - started
        session.commit()
    started = time.perf_counter()
    metrics._profile_values(wanted, end, None)
    took["profile (logo, locations, description)"] = time.perf_counter() - started
    session.commit()
    started = time.perf_counter()
    scoring.compute(card, now)
    took["whole compute (values + normalization + weights)"] = time.perf_counter() - started
    session.commit()
    if explain:
        _explain(wanted, start, end)
    return took


def _explain(wanted, start, end) -> None:
    """EXPLAIN ANALYZE of the grouped activity queries, as the run sends them."""
    from sqlalchemy.dialects import postgresql

    from app.db import session
    from directory.scorecards import metrics

    captured = []
    real_execute = session.execute

    def capture(statement, *args, **kwargs):
        captured.append(statement)
        return real_execute(statement, *args, **kwargs)

    session.execute = capture
    try:
        metrics._activity_values(wanted, start, end)
        metrics._distinct_ref_values(wanted, start, end)
    finally:
        del session.execute
    for statement in captured:
        compiled = statement.compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
        metrics.tune_session()
        plan = session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")).scalars()
        print("\n".join(plan), "\n", flush=True)
        session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--sample", type=int, default=1000, help="partners looped (0: all)")
    parser.add_argument("--explain", action="store_true", help="print the plans")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    from app import db, migrate
    from app.db import session, utcnow
    from app.model_registry import import_all_models

    import_all_models()
    _admin(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    _admin(f"CREATE SCHEMA {SCHEMA}")
    url = f"{_base_url()}?options=-csearch_path%3D{SCHEMA}"
    try:
        engine = db.init_engine(url)
        migrate.upgrade(url)
        with engine.begin() as conn:
            took = generate(conn, args.partners, args.records)
        # VACUUM (not in a transaction): the statistics, and the visibility map that lets an
        # index-only scan skip the table, as autovacuum leaves a table at rest
        started = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("partner_activity", "imported_metrics", "partners", "tiers"):
                conn.execute(text(f"VACUUM ANALYZE {table}"))
        took["analyze"] = time.perf_counter() - started
        print(f"generated in {sum(took.values()):.0f} s: {took}", flush=True)

        from app import jobs
        from directory.scorecards import cards, runs
        from directory.scorecards.models import ScoreSnapshot

        jobs.send = lambda *a, **k: None  # no worker: this process runs the run
        card = cards.ensure_starter("bench")
        session.commit()
        now = utcnow()

        run = runs.request_run(card, "bench")
        session.commit()
        started = time.perf_counter()
        scored = runs.run(run.id, now=now)
        full = time.perf_counter() - started
        print(f"full run: {scored} partners in {full:.2f} s", flush=True)

        card = cards.default_scorecard()
        looped, sampled, loop = baseline(card, now, args.sample)
        session.commit()
        print(
            f"per-partner loop: {len(looped)} partners in {sampled:.2f} s, "
            f"{loop:.1f} s for all {scored}",
            flush=True,
        )
        stored = dict(
            session.execute(
                select(ScoreSnapshot.partner_id, ScoreSnapshot.lines).where(
                    ScoreSnapshot.run_id == run.id
                )
            ).all()
        )
        differ = [
            pid
            for pid, row in looped.items()
            for key, value in row.items()
            if abs((value or 0) - (stored[pid][key][0] or 0)) > 0.05
        ]
        assert not differ, f"{len(differ)} values differ, e.g. partner {differ[:5]}"
        breakdown = parts(card, now, args.explain)
        # a second run, its data now read before: what the storing takes beside the compute
        again = runs.request_run(card, "bench")
        session.commit()
        started = time.perf_counter()
        runs.run(again.id, now=now)
        warm = time.perf_counter() - started
        breakdown["a second full run (the data in memory)"] = warm
        breakdown["of which: snapshots stored, recommendations, crossings"] = max(
            0.0, warm - breakdown["whole compute (values + normalization + weights)"]
        )
        for name, seconds in breakdown.items():
            print(f"  {name}: {seconds:.2f} s", flush=True)
        records = session.execute(text("SELECT count(*) FROM partner_activity")).scalar_one()
        session.commit()
        version = session.execute(text("SHOW server_version")).scalar_one()
        session.remove()
    finally:
        db.get_engine().dispose()
        _admin(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")

    ratio = loop / full
    looped_how = (
        f"timed on {len(looped):,} partners spread evenly ({sampled:.1f} s) and scaled to "
        f"all {scored:,}"
        if len(looped) < scored
        else "timed on every partner"
    )
    table = "\n".join(
        [
            "## Partner scorecards",
            "",
            f"Measured {date.today()} with `{COMMAND} --partners {args.partners} --records "
            f"{args.records}` on {describe(f'PostgreSQL {version} on loopback')}.",
            f"{args.partners:,} active partners, {records:,} activity records over 400 days, "
            f"{args.partners * 8:,} imported figures; generated inside PostgreSQL with one "
            "`INSERT … SELECT generate_series` per table (the activity table unlogged, its "
            f"indexes built after the rows, then VACUUM ANALYZE) in {sum(took.values()):.0f} s "
            "(building them in Python would take far longer than what is measured). The "
            "starter scorecard (7 metrics: revenue, pipeline, downloads, campaigns used, "
            "certifications, sign-ins, profile completeness) over the last 365 days. The "
            f"loop was {looped_how}; its values equal those the run scored (checked).",
            "",
            "| task | ours | time | baseline | time | result |",
            "| --- | --- | ---: | --- | ---: | --- |",
            f"| score every partner | `runs.run`: grouped SQL aggregates, the snapshots in "
            f"one bulk COPY, recommendations | {full:.1f} s | a per-partner loop: one query "
            f"per metric and partner, nothing stored | {loop:.1f} s | {ratio:.0f}× faster; "
            f"{full:.1f} s (targets ≤ {TARGET_SECONDS:.0f} s, ≥ {TARGET_RATIO:.0f}×) |",
            "",
            "The run's parts, timed one by one afterwards on the same data:",
            "",
            "| part | time |",
            "| --- | ---: |",
            *(f"| {name} | {seconds:.2f} s |" for name, seconds in breakdown.items()),
        ]
    )
    print(table)
    if not args.no_write:
        doc = DOC.read_text()
        block = f"{START}\n{table}\n{END}"
        if START in doc:
            head, rest = doc.split(START, 1)
            doc = head + block + rest.split(END, 1)[1]
        else:
            doc = doc.rstrip() + "\n\n" + block + "\n"
        DOC.write_text(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
