"""A real Celery worker process scores the partners: on demand (a channel manager's button)
and from the nightly beat entry, and thins the old snapshots from the pruning entry, with
Redis as the broker and PostgreSQL as the database.

The worker starts first and boots (imports, broker connection) while the test migrates or
empties the database and builds the data: the tasks wait in Redis until it is up. It is
stopped with Celery's cold shutdown (SIGQUIT) once everything is proven: nothing of it is
left to finish."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import select

from app.config import load_settings
from tests.conftest import REDIS_URL, _reset_database, need, port_open
from tests.worker.test_worker import _wait

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


@pytest.fixture
def scoring_worker(request, tmp_path):
    need(port_open(REDIS_URL, 6379), "Redis", "start redis-server or set TEST_REDIS_URL")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        "TANDEM_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "worker-test-secret",
        "BASE_URL": "http://localhost",
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": request.getfixturevalue("pg_schema_url"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker", "-c", "1", "--loglevel", "WARNING"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    from app import create_app

    settings = load_settings(env)
    _reset_database(settings.database_url)
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    yield app, proc
    proc.send_signal(signal.SIGQUIT)  # cold shutdown: the pool's child goes with it
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_the_worker_runs_scoring_on_demand_and_nightly(scoring_worker):
    from app import jobs
    from app.db import session
    from directory.scorecards.models import RunState, Scorecard, ScoreRun, ScoreSnapshot
    from tests.factories.directory import make_world
    from tests.factories.scorecards import simple_card

    app, proc = scoring_worker
    with app.app_context():
        world = make_world()
        card_id = simple_card().id
        session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "cm@vendor.example", "password": "correct-horse-battery"})
    assert client.post(f"/admin/scorecards/run?scorecard={card_id}").status_code == 302

    def runs_done(count):
        def check():
            with app.app_context():
                states = session.execute(select(ScoreRun.state)).scalars().all()
                session.remove()
                return len(states) == count and set(states) == {RunState.DONE}

        return check

    if not _wait(runs_done(1), 60):
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode(errors="replace")
        pytest.fail(f"the worker did not score; its output:\n{output[-3000:]}")
    with app.app_context():
        partners = set(session.execute(select(ScoreSnapshot.partner_id)).scalars())
        assert partners == {world.a_id, world.b_id}
        session.remove()
    # the beat's nightly entry queues a run of every active scorecard
    jobs.send("tandem.scorecards.nightly", [])
    assert _wait(runs_done(2), 60), "the nightly run did not happen"
    # the pruning entry: two runs on one day, of which the day keeps its last
    jobs.send("tandem.scorecards.prune", [])
    assert _wait(runs_done(1), 60), "the pruning did not happen"
    with app.app_context():
        card = session.get(Scorecard, card_id)
        kept = session.execute(select(ScoreRun.id)).scalar_one()
        assert card.last_run_id == kept and card.prune_attempts == 1
        session.remove()
