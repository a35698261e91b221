"""Journey engine benchmark: N enrollments on PostgreSQL run by two processes ticking.

Run from the repository root (PostgreSQL on loopback, as for the test suite):

    .venv/bin/python tests/benchmarks/bench_journeys.py [--enrollments 100000] [--spread 80]

In a fresh PostgreSQL schema it makes N active partners and a live journey of two steps (an
email to the partner, then a goal check), and enrolls every partner with its first step due
at a time spread evenly over SPREAD seconds from the start: work arrives as it would in
production, and lateness (from a step's ``next_run_at`` to its execution) says whether the
engine keeps up. Two processes run the engine's tick loop (``store.tick``: a batch claimed
with FOR UPDATE SKIP LOCKED by one statement, executed and moved on in the same
transaction) until every
enrollment is done. Then the same in this run with the naive baseline — the same engine
taking due rows one by one (a batch of one) — on a smaller sample all due at once.

Prints steps per second, lateness p50/p95/max and duplicates (emails with the same key or
the same recipient and subject; must be 0), and writes them into docs/PERFORMANCE.md between
``<!-- journeys:start -->`` and ``<!-- journeys:end -->`` (not with ``--no-write``). Not
collected by pytest. The schema is dropped at the end, even on failure.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text, update  # noqa: E402

from tests.benchmarks.machine import describe  # noqa: E402

DOC = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- journeys:start -->", "<!-- journeys:end -->"
COMMAND = ".venv/bin/python tests/benchmarks/bench_journeys.py"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
# the spawned tick processes import this module again: they read the parent's schema name
SCHEMA = os.environ.setdefault("BENCH_JOURNEYS_SCHEMA", f"tandem_bench_journeys_{os.getpid()}")
# seconds from the end of the setup to the first due step
LEAD = 5.0
FLOW = {
    "audience": {"kind": "partners", "rules": {}},
    "goal": None,
    "steps": [
        {"id": "hello", "type": "email", "subject": "Hello {{ name }}", "body": "Hi.", "next": "g"},
        {"id": "g", "type": "goal", "if": {"fact": "has_logo"}, "next": None},
    ],
}


def _url() -> str:
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}?options=-csearch_path%3D{SCHEMA}"


def _env(instance: str) -> dict:
    return {
        "TANDEM_INSTANCE": instance,
        "DATABASE_URL": _url(),
        "SECRET_KEY": "bench",
        "BASE_URL": "http://localhost",
        "JOURNEY_CAP_EMAILS": "0",
    }


def _init(instance: str) -> None:
    from app import runtime
    from app.config import load_settings

    runtime.init_runtime(load_settings(_env(instance)))


def _tick_loop(instance: str, batch: int, journey_id: int, out) -> None:
    """A process running the engine's tick until nothing is left of the journey."""
    _init(instance)
    from app.db import session
    from campaigns.journeys import store
    from campaigns.journeys.models import Enrollment

    ran = 0
    while True:
        done = store.tick(batch)
        ran += done
        if done == 0:
            left = session.execute(
                select(func.count())
                .select_from(Enrollment)
                .where(Enrollment.journey_id == journey_id, Enrollment.state != "done")
            ).scalar_one()
            session.commit()
            if not left:
                break
            time.sleep(0.05)
    out.put(ran)


def _setup(instance: str, count: int, spread: float, prefix: str) -> int:
    """N partners, the journey, the enrollments due over SPREAD seconds; the journey's id."""
    _init(instance)
    from app import clock
    from app.db import session
    from campaigns.journeys import enrollments, lifecycle
    from campaigns.journeys.models import Enrollment
    from tests.factories.journeys import bulk_partners

    ids = bulk_partners(count, prefix=prefix)
    journey = lifecycle.create_journey({"name": prefix, "definition": FLOW}, "bench")
    lifecycle.publish(journey, "bench")
    enrollments.bulk_enroll(journey, ids)
    session.commit()
    # the first step is due once the tick processes have started (they import the app first)
    start = clock.now() + timedelta(seconds=LEAD)
    if spread > 0:
        # the i-th enrollment (by id) is due at start + i * spread / N
        first = session.execute(
            select(func.min(Enrollment.id)).where(Enrollment.journey_id == journey.id)
        ).scalar_one()
        due = start + (Enrollment.id - first) * timedelta(seconds=spread / count)
    else:
        due = start
    # its first step starts when it is due: a step's lateness counts from its start
    session.execute(
        update(Enrollment)
        .where(Enrollment.journey_id == journey.id)
        .values(next_run_at=due, step_started_at=due)
    )
    session.commit()
    return journey.id


def _run(instance: str, journey_id: int, processes: int, batch: int) -> float:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_tick_loop, args=(instance, batch, journey_id, out))
        for _ in range(processes)
    ]
    started = time.monotonic()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    return time.monotonic() - started


def _measure(journey_id: int, wall: float) -> dict:
    """The run's figures; its rate counts from the first step's due time to the last step's
    execution (the processes' start-up before the first step was due is not counted)."""
    from app.db import session
    from app.models import MailMessage
    from campaigns.journeys.models import JourneySend, StepRun

    lateness = sorted(
        (ran - due).total_seconds()
        for due, ran in session.execute(
            select(StepRun.due_at, StepRun.ran_at).where(StepRun.journey_id == journey_id)
        ).all()
    )
    steps = len(lateness)
    first_due, last_ran = session.execute(
        select(func.min(StepRun.due_at), func.max(StepRun.ran_at)).where(
            StepRun.journey_id == journey_id
        )
    ).one()
    seconds = (last_ran - first_due).total_seconds() if steps else 0.0
    sends = session.execute(
        select(func.count()).select_from(JourneySend).where(JourneySend.journey_id == journey_id)
    ).scalar_one()
    duplicates = session.execute(
        select(func.count()).select_from(
            select(MailMessage.to_address, MailMessage.subject)
            .group_by(MailMessage.to_address, MailMessage.subject)
            .having(func.count() > 1)
            .subquery()
        )
    ).scalar_one()
    session.commit()
    return {
        "steps": steps,
        "sends": sends,
        "seconds": seconds,
        "wall": wall,
        "rate": steps / seconds if seconds else 0.0,
        "p50": statistics.median(lateness) if lateness else 0.0,
        "p95": lateness[int(0.95 * (steps - 1))] if lateness else 0.0,
        "max": lateness[-1] if lateness else 0.0,
        "duplicates": duplicates,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enrollments", type=int, default=100_000)
    parser.add_argument("--spread", type=float, default=80.0)
    parser.add_argument("--baseline", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    instance = tempfile.mkdtemp(prefix="tandem-bench-journeys-")
    try:
        from app import db, migrate
        from app.model_registry import import_all_models

        import_all_models()
        db.init_engine(_url())
        migrate.upgrade(_url())
        print(f"setting up {args.enrollments} enrollments ...", flush=True)
        engine_id = _setup(instance, args.enrollments, args.spread, "Bench")
        engine = _measure(engine_id, _run(instance, engine_id, 2, args.batch))
        print(f"engine: {engine}", flush=True)
        print(f"baseline: {args.baseline} enrollments one by one ...", flush=True)
        naive_id = _setup(instance, args.baseline, 0, "Naive")
        naive = _measure(naive_id, _run(instance, naive_id, 2, 1))
        print(f"baseline: {naive}", flush=True)
    finally:
        from app import db

        if db._engine is not None:
            db.get_engine().dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()
    table = _table(args, engine, naive)
    print(table)
    if not args.no_write:
        _write(table)


def _table(args, engine: dict, naive: dict) -> str:
    import sqlalchemy

    rows = [
        "| run | enrollments | steps | emails | first due to last step | steps/s | lateness p50 "
        "| p95 | max | duplicates |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, figures, count in (
        (f"engine, batches of {args.batch}, due over {args.spread:g} s", engine, args.enrollments),
        ("naive baseline: due rows one by one, all due at once", naive, args.baseline),
    ):
        rows.append(
            f"| {name} | {count} | {figures['steps']} | {figures['sends']} "
            f"| {figures['seconds']:.1f} s | {figures['rate']:.0f} | {figures['p50']:.2f} s "
            f"| {figures['p95']:.2f} s | {figures['max']:.2f} s | {figures['duplicates']} |"
        )
    ratio = engine["rate"] / naive["rate"] if naive["rate"] else 0
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = ["?"] * 3
    machine = describe(f"SQLAlchemy {sqlalchemy.__version__}", "PostgreSQL on loopback")
    return "\n".join(
        [
            f"Measured {date.today().isoformat()} with `{COMMAND} --enrollments "
            f"{args.enrollments} --spread {args.spread:g}` on {machine}; two processes run the "
            "tick loop.",
            "",
            *rows,
            "",
            f"The batched engine runs {ratio:.1f}x the steps per second of the one-by-one "
            "baseline in the same run. The time counts from the first step's due time to the "
            "last step's execution, so it includes the spread: steps cannot run before they are "
            "due, so with work arriving over the spread the rate is bounded by the arrival rate "
            f"({2 * args.enrollments / max(args.spread, 1e-9):.0f} steps/s here); the baseline's "
            "rows are all due at once, so its rate is its maximum.",
            "",
            f"Load average of the machine at the end of the run: {' / '.join(load)} (1 / 5 / 15 "
            "minutes; other processes share its cores).",
        ]
    )


def _write(table: str) -> None:
    doc = DOC.read_text()
    block = f"{START}\n{table}\n{END}"
    if START in doc:
        before, rest = doc.split(START, 1)
        after = rest.split(END, 1)[1]
        doc = before + block + after
    else:
        doc = doc.rstrip() + "\n\n## Journeys\n\n" + block + "\n"
    DOC.write_text(doc)


if __name__ == "__main__":
    main()
