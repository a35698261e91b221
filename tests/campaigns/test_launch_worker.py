"""A launch rendered by a real `tandem worker` (Redis + PostgreSQL) that is killed part-way.

The worker is SIGKILLed while it renders; its reserved messages stay unacknowledged in Redis
(until the broker's visibility timeout), so the database decides what is left: the sweeper
the beat runs (``requeue_stalled``) sends the unfinished renders again, and a new worker
completes every render exactly once.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.config import load_settings
from tests.conftest import REDIS_URL, _reset_database, need, port_open, worker_id

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]

PARTNERS = 6


@pytest.fixture
def worker_env(request, tmp_path):
    need(
        port_open(REDIS_URL, 6379),
        "Redis",
        "start redis-server on 127.0.0.1:6379 or set TEST_REDIS_URL",
    )
    # one Redis database per test process, so parallel runs never share a queue
    index = 1 + int(re.sub(r"\D", "", worker_id(request)) or 0)
    url = re.sub(r"/\d*$", f"/{index}", REDIS_URL)
    import redis

    redis.Redis.from_url(url).flushdb()
    return {
        "TANDEM_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "worker-test-secret",
        "BASE_URL": "http://localhost",
        "REDIS_URL": url,
        "DATABASE_URL": request.getfixturevalue("pg_schema_url"),
    }


@pytest.fixture
def web_app(worker_env):
    from app import create_app
    from app.db import session

    settings = load_settings(worker_env)
    _reset_database(settings.database_url)
    yield create_app(settings, TESTING=True)
    session.remove()


@pytest.fixture
def start_worker(worker_env):
    procs: list[subprocess.Popen] = []

    def _start() -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker", "-c", "1", "--loglevel", "WARNING"],
            env={**os.environ, **worker_env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool child and renders too
        )
        procs.append(proc)
        return proc

    yield _start
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _wait(predicate, timeout: float = 60.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return None


def _output(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    return proc.communicate(timeout=20)[0].decode(errors="replace")[-3000:]


def test_killed_worker_and_a_new_one_render_everything_exactly_once(
    web_app, start_worker, monkeypatch
):
    from app.db import session
    from app.models import MailMessage, Role
    from app.storage import get_storage
    from brand_templates import load_starter
    from brand_templates.versions import import_template, publish
    from campaigns import assets, dispatch, lifecycle, progress
    from campaigns.models import AssetRender, CampaignPartner
    from directory import people
    from tests.factories.directory import PASSWORD, make_partner, make_tiers

    make_tiers()
    for n in range(PARTNERS):
        partner = make_partner(f"Partner{n} Energy", tier="Gold")
        people.create_user(
            f"admin@p{n}.example", PASSWORD, Role.PARTNER_ADMIN, partner_id=partner.id
        )
    versions = []
    for slug in ("brochure-stamp", "social-square"):
        versions.append(publish(session, import_template(session, load_starter(slug), slug=slug)))
    campaign = lifecycle.create_campaign({"name": "Worker launch"}, "test")
    for version in versions:
        assets.add_asset(campaign, {"template_version_id": version.id}, "test")
    session.commit()

    first = start_worker()
    monkeypatch.setattr(dispatch, "CHUNK_SIZE", 2)  # several messages in flight
    lifecycle.launch(campaign.id)
    total = PARTNERS * 2

    def statuses() -> dict[str, int]:
        rows = session.execute(
            select(AssetRender.status, func.count()).group_by(AssetRender.status)
        ).all()
        session.rollback()
        return dict(rows)

    # kill the worker (and its pool and render processes) while it renders
    caught = _wait(lambda: (s := statuses()).get("done", 0) >= 2 and s.get("running") and s)
    if not caught:
        pytest.fail(f"the worker did not render; its output:\n{_output(first)}")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=20)
    at_kill = statuses()
    assert at_kill.get("done", 0) < total, "the worker finished before it could be killed"
    finished_before = dict(
        session.execute(
            select(AssetRender.id, AssetRender.updated_at).where(AssetRender.status == "done")
        ).all()
    )
    cut_short = set(
        session.execute(select(AssetRender.id).where(AssetRender.status == "running")).scalars()
    )
    session.rollback()

    # what the beat's sweep does once the dead worker's claims have timed out
    requeued = progress.requeue_stalled(pending_after=timedelta(0), running_after=timedelta(0))
    assert requeued == total - len(finished_before)

    second = start_worker()
    if not _wait(lambda: statuses() == {"done": total}, timeout=90):
        pytest.fail(f"renders left: {statuses()}; worker output:\n{_output(second)}")

    rows = session.execute(select(AssetRender)).scalars().all()
    assert len(rows) == total
    assert len({(r.asset_id, r.partner_id) for r in rows}) == total
    # renders finished before the kill were not made again; those cut short were claimed
    # twice, and every other once, though the sweep sent them a second message
    for row in rows:
        if row.id in finished_before:
            assert (row.attempts, row.updated_at) == (1, finished_before[row.id])
        else:
            assert row.attempts == (2 if row.id in cut_short else 1), row.id
    # one stored file (and preview) per render key, and each row points at its own
    keys = {r.render_key for r in rows}
    assert len(keys) == total
    root = get_storage().root / "renders"
    files = sorted(p.name for p in root.rglob("*") if p.is_file() and not p.name.startswith(".tmp"))
    assert sorted(f.split(".")[0] for f in files if ".preview." not in f) == sorted(keys)
    assert sorted(f.split(".")[0] for f in files if ".preview." in f) == sorted(keys)
    assert all(get_storage().exists(r.storage_key) for r in rows)
    # partners targeted and told once
    assert (
        session.execute(select(func.count()).select_from(CampaignPartner)).scalar_one() == PARTNERS
    )
    assert session.execute(select(func.count()).select_from(MailMessage)).scalar_one() == PARTNERS
