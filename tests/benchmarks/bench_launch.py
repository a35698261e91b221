"""Launch benchmark: a campaign rendered by 1 and by 2 worker processes, and cached downloads.

Run from the repository root (PostgreSQL and Redis on loopback, as for the test suite):

    .venv/bin/python tests/benchmarks/bench_launch.py [--partners N] [--assets 3]

In one run it makes a fresh PostgreSQL schema and instance folder, N active partners with
brand kits and logos, publishes the starter templates and builds a campaign of the assets
targeting every partner. It times one render of each asset in this process, then:

- run A: launches the campaign with one ``tandem worker -c 1`` process and waits until the
  database says every render is done;
- run B: bumps every brand kit's version (so every render key is new and nothing stored is
  reused), launches a second, identical campaign with two ``tandem worker -c 1`` processes;
- downloads: a logged-in partner user fetches each already-rendered asset through the
  portal (Flask test client, in-process WSGI: server time) many times, plain and with
  If-None-Match (304), against reading the stored file and against a bare Flask view
  serving the same bytes.

Where the CPU went during each launch (the workers, PostgreSQL, Redis, this process, and
everything else on the machine) is read from /proc, as other load on a small machine moves
the scaling figure; ``--rounds`` alternates runs A and B to spread such load over both.

Prints a markdown table and writes it into docs/PERFORMANCE.md between the markers
``<!-- launch:start -->`` and ``<!-- launch:end -->`` (not with ``--no-write``). Not
collected by pytest. The schema, the instance folder, the worker processes and the Redis
database it uses (15 by default; flushed at start and end) are cleaned up even on failure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text, update  # noqa: E402

from tests.benchmarks.machine import describe  # noqa: E402

DOC = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- launch:start -->", "<!-- launch:end -->"
COMMAND = ".venv/bin/python tests/benchmarks/bench_launch.py"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
# images first, then a PDF; more with --assets (the rest of the starter library)
ASSET_SLUGS = [
    "social-landscape",
    "social-square",
    "product-flyer",
    "datasheet",
    "brochure-stamp",
    "event-invitation",
    "monthly-newsletter",
]
# One partner's three default assets take 0.6-0.8 s to render with their previews here (the
# PDF flyer most of it), and one worker made 750 renders in 180-210 s: 1000 partners would keep
# it busy for 12-14 minutes, and the whole run would take about 25. 250 take about 7.
TARGET_PARTNERS = 1000
DEFAULT_PARTNERS = TARGET_PARTNERS  # the size; about 15 minutes on 2 cores
DISTINCT_LOGOS = 25  # generated once each, cycled over the partners
PASSWORD = "bench-launch-password"
WORKER_READY_TIMEOUT = 90.0
STALL_TIMEOUT = 180.0  # no render finished for this long: the run is stuck
POLL_INTERVAL = 0.25


class BenchFailed(RuntimeError):
    pass


# --- timing helpers ---------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _ms(seconds: float) -> str:
    if seconds < 0.001:
        return f"{seconds * 1000:.3f} ms"
    return f"{seconds * 1000:.2f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


# --- CPU accounting from /proc ---------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")
CPU_KINDS = ("workers", "PostgreSQL", "Redis", "this process")


def cpu_seconds(worker_groups: set[int]) -> dict[str, float]:
    """CPU seconds used so far by the worker processes (every process in WORKER_GROUPS),
    PostgreSQL, Redis and this process, and by the whole machine ("machine", "capacity").

    Reaped children count with their parent: a worker's pool child reaps the forked render
    children, the postmaster its backends. This process counts without its children (the
    workers it reaps on stopping them).
    """
    seconds = dict.fromkeys(CPU_KINDS, 0.0)
    me = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue  # gone meanwhile
        fields, name, pid = tail.split(), head.split("(", 1)[1], int(stat.parent.name)
        own, children = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
        if int(fields[2]) in worker_groups:  # the process group
            seconds["workers"] += (own + children) / TICKS
        elif name == "postgres":
            seconds["PostgreSQL"] += (own + children) / TICKS
        elif name.startswith("redis-server"):
            seconds["Redis"] += (own + children) / TICKS
        elif pid == me:
            seconds["this process"] += own / TICKS
    jiffies = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    seconds["capacity"] = sum(jiffies) / TICKS  # every CPU's time: user … steal
    seconds["machine"] = seconds["capacity"] - (jiffies[3] + jiffies[4]) / TICKS  # not idle
    return seconds


# --- the database, the instance folder and the worker processes -------------------------


def _base_url() -> str:
    return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)


def create_schema(schema: str) -> str:
    """A fresh schema; the URL whose search_path is that schema."""
    engine = create_engine(_base_url())
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in _base_url() else "?"
    return f"{_base_url()}{sep}options=-csearch_path%3D{schema}"


def drop_schema(schema: str) -> None:
    engine = create_engine(_base_url())
    with engine.begin() as conn:
        conn.execute(text("SET lock_timeout = '30s'"))
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


class Worker:
    """A ``tandem worker -c 1`` process in its own process group (its pool child and the
    forked render children go with it), logging to a file in the instance folder."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker", "-c", "1", "--loglevel", "INFO"],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise BenchFailed(
                f"worker {self.proc.pid} exited ({self.proc.returncode}):\n{self.output()}"
            )

    def wait_ready(self, timeout: float = WORKER_READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if " ready." in self.output(200_000):
                return
            time.sleep(0.1)
        raise BenchFailed(
            f"worker {self.proc.pid} not ready after {timeout:.0f} s:\n{self.output()}"
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
            except ProcessLookupError:
                pass
        self._log.close()


def start_workers(
    count: int, env: dict[str, str], folder: Path, label: str, running: list[Worker]
) -> list[Worker]:
    started = []
    for n in range(count):
        worker = Worker(env, folder / f"worker-{label}-{n}.log")
        running.append(worker)  # registered at once: the caller's finally stops it
        started.append(worker)
    for worker in started:
        worker.wait_ready()
    return started


def stop_workers(workers: list[Worker]) -> None:
    for worker in workers:
        worker.stop()


# --- the data ---------------------------------------------------------------------------


def seed(partners: int, asset_slugs: list[str]):
    """Tiers, PARTNERS active partners with brand kits and logos, one partner user, the
    starter templates published, and a draft campaign of ASSET_SLUGS targeting all.

    Returns (campaign id, template version ids, first partner id, the user's email).
    """
    from app.db import session
    from app.models import Role
    from brand_templates import load_starter
    from brand_templates.versions import import_template, publish
    from directory import brand_kits, people
    from directory import partners as directory
    from directory.demo_logos import generate_logo
    from directory.models import Tier

    session.add_all(
        [
            Tier(name="Registered", rank=10),
            Tier(name="Silver", rank=20),
            Tier(name="Gold", rank=30),
            Tier(name="Platinum", rank=40),
        ]
    )
    session.flush()
    logos = [generate_logo(f"Bench Logo {n}", seed=n) for n in range(DISTINCT_LOGOS)]
    tiers = ["Registered", "Silver", "Gold", "Platinum"]
    first_id = None
    for n in range(partners):
        partner = directory.create_partner(
            {
                "name": f"Partner {n:04d} Networks",
                "tier": tiers[n % len(tiers)],
                "type": "reseller",
                "status": "active",
                "countries": "DE",
                "website": f"https://partner{n}.example",
                "email": f"info@partner{n}.example",
                "phone": f"+49 30 {1000000 + n}",
            },
            "bench",
        )
        kit = brand_kits.set_logo(partner, logos[n % len(logos)], "bench")
        if kit.logo_colors:
            kit.primary_color = kit.logo_colors[0]
        kit.tagline = "Your local experts"
        first_id = first_id or partner.id
        if n % 200 == 199:
            session.commit()
    email = "bench.partner@partner0.example"
    people.create_user(email, PASSWORD, Role.PARTNER_ADMIN, partner_id=first_id, actor="bench")
    version_ids = []
    for slug in asset_slugs:
        version = publish(session, import_template(session, load_starter(slug), slug=slug))
        version_ids.append(version.id)
    session.commit()
    return new_campaign("Launch benchmark A", version_ids), version_ids, first_id, email


def new_campaign(name: str, version_ids: list[int]) -> int:
    """A draft campaign of the template versions, targeting every active partner."""
    from app.db import session
    from campaigns import assets, lifecycle

    campaign = lifecycle.create_campaign({"name": name}, "bench")
    for version_id in version_ids:
        assets.add_asset(campaign, {"template_version_id": version_id}, "bench")
    session.commit()
    return campaign.id


def single_renders(campaign_id: int, partner_id: int, rounds: int = 3) -> list[tuple]:
    """(asset title, format, render seconds, preview seconds, bytes) of one render each, as a
    worker makes it (render, then the preview thumbnail), medians after a warm-up."""
    from app.db import session
    from brand_templates import preview
    from campaigns.lookup import get_campaign
    from campaigns.rendering import prepare, render_prepared
    from directory.models import Partner

    campaign = get_campaign(campaign_id)
    partner = session.get(Partner, partner_id)
    rows = []
    for asset in campaign.assets:
        prepared = prepare(asset, partner)
        rendered = render_prepared(prepared)
        preview(rendered)
        render_s, preview_s = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            rendered = render_prepared(prepared)
            middle = time.perf_counter()
            preview(rendered)
            render_s.append(middle - started)
            preview_s.append(time.perf_counter() - middle)
        rows.append(
            (
                asset.title,
                prepared.fmt,
                statistics.median(render_s),
                statistics.median(preview_s),
                len(rendered.data),
            )
        )
    session.commit()
    return rows


def bump_brand_kits() -> int:
    """A new version of every brand kit (as a logo or colour change would make): every
    render key changes, so the second run renders everything again."""
    from app.db import session
    from directory.models import BrandKit

    result = session.execute(
        update(BrandKit)
        .values(version=BrandKit.version + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount


# --- a launch, timed --------------------------------------------------------------------


def timed_launch(campaign_id: int, workers: list[Worker], timeout: float, redis_url: str) -> dict:
    """Launch the campaign and wait until the database says every render finished."""
    import redis

    from app.db import session
    from campaigns import lifecycle, progress

    broker = redis.Redis.from_url(redis_url)
    waiting = broker.llen("tandem")
    broker.close()
    if waiting:
        raise BenchFailed(
            f"{waiting} messages already wait in the queue: the run would not be fair"
        )
    load = os.getloadavg()[0]
    groups = {worker.proc.pid for worker in workers}
    cpu_before = cpu_seconds(groups)
    started = time.perf_counter()
    result = lifecycle.launch(campaign_id, "bench")
    queued = time.perf_counter() - started
    total = result.renders_queued
    deadline = time.monotonic() + timeout
    last_finished, last_change = -1, time.monotonic()
    while True:
        counts = progress.progress(campaign_id, max_failures=5)
        session.commit()  # a fresh snapshot at the next poll
        finished = counts["done"] + counts["failed"]
        if finished >= total:
            break
        now = time.monotonic()
        if finished != last_finished:
            last_finished, last_change = finished, now
        for worker in workers:
            worker.check_alive()
        if now > deadline or now - last_change > STALL_TIMEOUT:
            logs = "\n---\n".join(w.output() for w in workers)
            raise BenchFailed(f"renders not finished in time: {counts}\nworker output:\n{logs}")
        time.sleep(POLL_INTERVAL)
    wall = time.perf_counter() - started
    cpu = {kind: value - cpu_before[kind] for kind, value in cpu_seconds(groups).items()}
    cores = os.cpu_count() or 1
    if counts["failed"]:
        raise BenchFailed(f"{counts['failed']} renders failed: {counts['failures']}")
    return {
        "renders": total,
        "wall": wall,
        "queued": queued,
        "rate": total / wall,
        "load": load,
        # average cores busy over the run, by whom; "machine" is every process's
        "cores": {kind: cpu[kind] / cpu["capacity"] * cores for kind in (*CPU_KINDS, "machine")},
    }


# --- downloads --------------------------------------------------------------------------


def statements_per_request(fn: Callable[[], object]) -> tuple[int, int]:
    """(SQL statements, commits) that FN sends to the database."""
    from sqlalchemy import event

    from app.db import get_engine

    engine = get_engine()
    counts = [0, 0]

    def statement(*_args) -> None:
        counts[0] += 1

    def commit(*_args) -> None:
        counts[1] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    return counts[0], counts[1]


def download_timings(app, campaign_id: int, email: str, requests: int):
    """Per asset: its title, format, size and lists of seconds per kind of request, each
    request timed in turn with the others; and the SQL statements and commits of one
    portal download.

    The kinds: the portal download ("portal"), the same with If-None-Match ("304"),
    ``download_for`` alone in a fresh session ("domain"), computing the render key from the
    inputs in a fresh session ("prepare": what every download did before inputs stamps, and
    does when an input changed), ``storage.get`` of the file ("stored"), and a bare Flask
    view serving the same bytes ("bare").
    """
    from flask import Flask, Response

    from app.db import session
    from app.storage import get_storage
    from campaigns.downloads import download_for, formats_of
    from campaigns.lookup import get_campaign
    from campaigns.models import CampaignAsset
    from campaigns.rendering import prepare
    from directory.models import Partner

    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise BenchFailed(f"login failed: {response.status_code}")
    with app.app_context():
        partner_id = session.execute(
            text("SELECT partner_id FROM users WHERE email = :e"), {"e": email}
        ).scalar_one()
        partner = session.get(Partner, partner_id)
        assets = []
        for asset in get_campaign(campaign_id).assets:
            fmt = formats_of(asset)[0]
            item = download_for(asset, partner, fmt)
            assets.append((asset.id, asset.title, fmt, item.storage_key))
        session.commit()
    storage = get_storage()

    def domain_only(asset_id: int, fmt: str) -> None:
        session.remove()  # as a request starts: nothing loaded yet
        download_for(session.get(CampaignAsset, asset_id), session.get(Partner, partner_id), fmt)
        session.remove()

    def key_only(asset_id: int) -> None:
        """Computing the render key from the inputs: what the stamp saves."""
        session.remove()
        prepare(session.get(CampaignAsset, asset_id), session.get(Partner, partner_id))
        session.remove()

    bare = Flask("bare")

    @bare.get("/file/<path:key>")
    def bare_file(key: str):
        response = Response(storage.get(key), mimetype="application/octet-stream")
        response.set_etag(key)
        return response

    bare_client = bare.test_client()
    rows = []
    queries = (0, 0)
    for asset_id, title, fmt, storage_key in assets:
        url = f"/portal/assets/{asset_id}/download/{fmt}"
        first = client.get(url)
        if first.status_code != 200 or not first.headers.get("ETag"):
            raise BenchFailed(f"download of {title}: {first.status_code} {first.data[:300]!r}")
        etag = first.headers["ETag"]
        if client.get(url, headers={"If-None-Match": etag}).status_code != 304:
            raise BenchFailed(f"conditional download of {title} was not a 304")
        queries = statements_per_request(partial(client.get, url))
        kinds = {
            "portal": partial(client.get, url),
            "304": partial(client.get, url, headers={"If-None-Match": etag}),
            "domain": partial(domain_only, asset_id, fmt),
            "prepare": partial(key_only, asset_id),
            "stored": partial(storage.get, storage_key),
            "bare": partial(bare_client.get, f"/file/{storage_key}"),
        }
        for fn in kinds.values():
            fn()  # warm
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(requests):
            for kind, fn in kinds.items():
                times[kind].append(timed(fn))
        rows.append({"title": title, "fmt": fmt, "size": len(first.data), **times})
    return rows, queries


# --- the report -------------------------------------------------------------------------


def machine() -> str:
    import celery

    return describe(f"Celery {celery.__version__}", "PostgreSQL and Redis on loopback")


def command_line(args) -> str:
    """The command that repeats this run (the partner and asset counts always spelled out)."""
    words = [COMMAND, f"--partners {args.partners}", f"--assets {args.assets}"]
    if args.rounds != 1:
        words.append(f"--rounds {args.rounds}")
    if args.chunk_size:
        words.append(f"--chunk-size {args.chunk_size}")
    if args.requests != 200:
        words.append(f"--requests {args.requests}")
    return " ".join(words)


def report(
    args, renders, launches, run_a, run_b, downloads, queries, setup_s, chunk_size, note
) -> str:
    per_partner = sum(r[2] + r[3] for r in renders)
    efficiency = run_b["rate"] / (2 * run_a["rate"])
    per_core = (run_b["rate"] / run_b["cores"]["workers"]) / (
        run_a["rate"] / run_a["cores"]["workers"]
    )
    per_launch = launches[0]["renders"]
    chunks = -(-per_launch // chunk_size)
    rounds = (
        ""
        if args.rounds == 1
        else f"\nRuns A and B alternate, {args.rounds} times each; their totals count."
    )
    cores = os.cpu_count() or 1
    others_b = run_b["cores"]["machine"] - sum(run_b["cores"][k] for k in CPU_KINDS)
    statements, commits = queries
    lines = [
        START,
        "## Campaign launch and downloads",
        "",
        f"Measured {date.today().isoformat()} with `{command_line(args)}` on {machine()}.",
        f"{args.partners} partners × {args.assets} assets = {per_launch} renders per launch, "
        f"sent as {chunks} messages of up to {chunk_size} renders "
        f"(`campaigns.dispatch.CHUNK_SIZE`); setup (schema, partners, logos, templates) took "
        f"{setup_s:.0f} s. {note}",
        "Run A launches the campaign with one `tandem worker -c 1` process; run B launches a",
        "second, identical campaign (every brand kit's version bumped first, so every render key",
        "is new and nothing stored is reused) with two such processes, one per core of the",
        "machine. Wall time runs from `lifecycle.launch()` to `progress.progress()` showing every",
        "render done; it includes the launch's own transaction (targeting, render rows, sending",
        f"the chunks). The workers are started and ready before the launch.{rounds}",
        "",
        "One render of each asset in the benchmark process (median of 3 after a warm-up; a",
        "worker also makes the preview thumbnail, and renders PDFs in a forked child):",
        "",
        "| asset | format | render | preview | file |",
        "| --- | --- | ---: | ---: | ---: |",
        *(
            f"| {title} | {fmt} | {_ms(r)} | {_ms(p)} | {size / 1024:.0f} KiB |"
            for title, fmt, r, p, size in renders
        ),
        f"| one partner's {args.assets} assets, render + preview | | {_ms(per_partner)} | | |",
        "",
        "| launch | workers | renders | launch call | wall time | renders/s | load before "
        "| result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        *(
            f"| run {r['name']} | {r['workers']} × `-c 1` | {r['renders']} | {_ms(r['queued'])} | "
            f"{r['wall']:.1f} s | {r['rate']:.2f} | {r['load']:.1f} | "
            + (
                ""
                if args.rounds > 1
                else "baseline"
                if r["workers"] == 1
                else f"scaling efficiency **{efficiency:.2f}** (target ≥ 0.8)"
            )
            + " |"
            for r in launches
        ),
        *(
            [
                f"| all A | 1 × `-c 1` | {run_a['renders']} | | {run_a['wall']:.1f} s | "
                f"{run_a['rate']:.2f} | | |",
                f"| all B | 2 × `-c 1` | {run_b['renders']} | | {run_b['wall']:.1f} s | "
                f"{run_b['rate']:.2f} | | scaling efficiency **{efficiency:.2f}** (target ≥ 0.8) |",
            ]
            if args.rounds > 1
            else []
        ),
        "",
        "Scaling efficiency is throughput with 2 workers / (2 × throughput with 1). Load before",
        "is the 1-minute load average just before the launch.",
        "",
        "Where the CPU went during each run, in cores busy on average (the workers with their",
        "pool children and forked PDF render children; PostgreSQL with all its backends;",
        "everything else is processes outside this benchmark):",
        "",
        "| launch | " + " | ".join(CPU_KINDS) + " | everything else | whole machine |",
        "| --- |" + " ---: |" * (len(CPU_KINDS) + 2),
        *(
            f"| run {name} | "
            + " | ".join(f"{run['cores'][kind]:.2f}" for kind in CPU_KINDS)
            + f" | {run['cores']['machine'] - sum(run['cores'][k] for k in CPU_KINDS):.2f}"
            + f" | {run['cores']['machine']:.2f} of {cores} |"
            for name, run in ((r["name"], r) for r in launches)
        ),
        "",
        f"With 2 workers, they got {run_b['cores']['workers']:.2f} of the {cores} cores, "
        f"while processes outside this benchmark used {others_b:.2f}.",
        f"Per CPU-second the workers got, 2 workers rendered {per_core:.2f}× as much as 1 "
        f"({run_b['rate'] / run_b['cores']['workers']:.2f} against "
        f"{run_a['rate'] / run_a['cores']['workers']:.2f} renders).",
        "",
        f"Cached downloads of run {launches[-1]['name']}'s renders: a logged-in partner user "
        "through the portal's",
        "`asset_download` view with the Flask test client (in-process WSGI, so the time is the",
        f"server's), {args.requests} requests of each kind, each in turn with the others:",
        "`download_for` alone (the domain call the view makes, in a fresh session), `prepare`",
        "(computing the render key from the inputs, in a fresh session: what a download did",
        "before inputs stamps, and does once after an input changed), reading the stored file",
        "(`storage.get`), and a bare Flask view serving the same bytes. A portal download, 200",
        f"or 304 alike, sends {statements} SQL statements and {commits} commit: the user with its "
        "partner, the",
        "asset where this partner may see it, the render row with the stamp of its inputs as they",
        "are now (one query), and the engagement event. While the stamp holds, the key is not",
        "computed again.",
        "",
        "| asset | file | portal p50 / p95 | `If-None-Match` → 304 p50 / p95 | "
        "`download_for` p50 | `prepare` p50 | `storage.get` p50 | bare Flask p50 | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in downloads:
        p50 = statistics.median(row["portal"])
        bare, stored = statistics.median(row["bare"]), statistics.median(row["stored"])
        lines.append(
            f"| {row['title']} ({row['fmt']}) | {row['size'] / 1024:.0f} KiB | "
            f"{_ms(p50)} / {_ms(percentile(row['portal'], 95))} | "
            f"{_ms(statistics.median(row['304']))} / {_ms(percentile(row['304'], 95))} | "
            f"{_ms(statistics.median(row['domain']))} | {_ms(statistics.median(row['prepare']))} | "
            f"{_ms(stored)} | {_ms(bare)} | "
            f"p50 {'≤' if p50 <= 0.010 else '>'} 10 ms (target ≤ 10 ms); "
            f"{p50 / bare:.0f}× bare Flask, {p50 / stored:.0f}× `storage.get` |"
        )
    lines.append(END)
    return "\n".join(lines)


def write(section: str) -> None:
    text_ = DOC.read_text() if DOC.exists() else "# Performance\n"
    if START in text_ and END in text_:
        before, rest = text_.split(START, 1)
        after = rest.split(END, 1)[1]
        text_ = before + section + after
    else:
        text_ = text_.rstrip("\n") + "\n\n" + section + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text_)
    print(f"\nwritten to {DOC.relative_to(ROOT)}")


# --- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--partners",
        type=int,
        default=DEFAULT_PARTNERS,
        help=f"partners targeted (default {DEFAULT_PARTNERS}, which takes about 15 minutes on 2 "
        "cores; fewer for a quick look)",
    )
    parser.add_argument(
        "--assets",
        type=int,
        default=3,
        choices=range(1, len(ASSET_SLUGS) + 1),
        metavar=f"1..{len(ASSET_SLUGS)}",
        help="assets in the campaign (default 3)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=200,
        help="timed download requests per asset and kind (default 200)",
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        help="renders per task message (default: campaigns.dispatch.CHUNK_SIZE)",
    )
    parser.add_argument(
        "--redis-url",
        default=REDIS_URL,
        help=f"a Redis database for this benchmark alone, flushed (default {REDIS_URL})",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate runs A and B this many times (default 1); on a busy machine more "
        "rounds spread other load over both",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    args = parser.parse_args(argv)
    if min(args.partners, args.requests, args.rounds) < 1:
        parser.error("--partners, --requests and --rounds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # a plain kill must still stop the workers and drop the schema (the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    schema = f"bench_launch_{os.getpid()}"
    folder = Path(tempfile.mkdtemp(prefix="tandem-bench-launch-"))
    workers: list[Worker] = []
    try:
        section = run(args, schema, folder, workers)
    finally:
        stop_workers(workers)
        try:
            from app import db

            db.session.remove()
            if db._engine is not None:
                db._engine.dispose()
        finally:
            try:
                drop_schema(schema)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
                try:
                    flush_redis(args.redis_url)
                except Exception as exc:  # noqa: BLE001 - cleanup must go on
                    print(f"could not flush {args.redis_url}: {exc}", file=sys.stderr)
    if not args.no_write:
        write(section)


def combined(runs: list[dict]) -> dict:
    """The launches of RUNS as one: their renders over their wall times."""
    wall = sum(r["wall"] for r in runs)
    renders = sum(r["renders"] for r in runs)
    cores = {
        kind: sum(r["cores"][kind] * r["wall"] for r in runs) / wall for kind in runs[0]["cores"]
    }
    return {"renders": renders, "wall": wall, "rate": renders / wall, "cores": cores}


def print_run(name: str, run: dict) -> None:
    print(
        f"run {name}: {run['renders']} renders in {run['wall']:.1f} s ({run['rate']:.2f}/s); "
        "CPU: "
        + ", ".join(f"{kind} {value:.2f}" for kind, value in run["cores"].items())
        + " cores"
    )


def run(args, schema: str, folder: Path, workers: list[Worker]) -> str:
    from app import create_app, migrate
    from app.config import load_settings
    from app.db import session
    from campaigns import dispatch

    flush_redis(args.redis_url)
    env = {
        "DATABASE_URL": create_schema(schema),
        "REDIS_URL": args.redis_url,
        "TANDEM_INSTANCE": str(folder / "instance"),
        "SECRET_KEY": "bench-launch-secret",
        "STORAGE_URL": (folder / "instance" / "storage").as_uri(),
        "BASE_URL": "http://localhost",
    }
    if args.chunk_size:
        dispatch.CHUNK_SIZE = args.chunk_size  # the launching process cuts the chunks
    slugs = ASSET_SLUGS[: args.assets]
    settings = load_settings(env)
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)

    started = time.perf_counter()
    with app.app_context():
        migrate.upgrade(settings.database_url)
        campaign_a, version_ids, partner_id, email = seed(args.partners, slugs)
        renders = single_renders(campaign_a, partner_id)
    setup_s = time.perf_counter() - started
    print(f"setup ({args.partners} partners, {len(slugs)} assets): {setup_s:.1f} s")

    per_partner = sum(r[2] + r[3] for r in renders)
    for title, fmt, render_s, preview_s, size in renders:
        print(
            f"  one render: {title} ({fmt}) {_ms(render_s)} + preview {_ms(preview_s)}, "
            f"{size / 1024:.0f} KiB"
        )
    estimate_a = args.partners * per_partner
    full = TARGET_PARTNERS * per_partner
    note = ""
    if args.partners < TARGET_PARTNERS:
        note = (
            f"Not {TARGET_PARTNERS} partners: from the single-render timings "
            f"({_ms(per_partner)} per partner) {TARGET_PARTNERS * len(slugs)} renders would take "
            f"about {full / 60:.1f} minutes at one worker; `--partners {TARGET_PARTNERS}` runs it."
        )
        print(note)
    print(f"estimated run A: {estimate_a:.0f} s, run B: {estimate_a / 2:.0f} s or more")
    timeout = 120 + 4 * estimate_a

    launches: list[dict] = []
    with app.app_context():
        for round_ in range(1, args.rounds + 1):
            for name, count in (("A", 1), ("B", 2)):
                label = f"{name}{round_}" if args.rounds > 1 else name
                if launches:
                    bump_brand_kits()  # every render key is new: nothing stored is reused
                    campaign_id = new_campaign(f"Launch benchmark {label}", version_ids)
                else:
                    campaign_id = campaign_a
                started = start_workers(count, env, folder, label, workers)
                print(f"run {label}: {count} × worker -c 1 ...", flush=True)
                result = timed_launch(campaign_id, started, timeout, args.redis_url)
                stop_workers(started)
                result.update(name=label, workers=count, campaign_id=campaign_id)
                launches.append(result)
                print_run(label, result)
        session.remove()
    run_a = combined([r for r in launches if r["workers"] == 1])
    run_b = combined([r for r in launches if r["workers"] == 2])
    print(f"scaling efficiency {run_b['rate'] / (2 * run_a['rate']):.2f}")

    downloads, queries = download_timings(app, launches[-1]["campaign_id"], email, args.requests)
    section = report(
        args,
        renders,
        launches,
        run_a,
        run_b,
        downloads,
        queries,
        setup_s,
        dispatch.CHUNK_SIZE,
        note,
    )
    print()
    print(section)
    return section


if __name__ == "__main__":
    main()
