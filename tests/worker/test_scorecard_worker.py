"""A real Celery worker process scores the partners: on demand (a channel manager's button)
and from the nightly beat entry, and thins the old snapshots from the pruning entry, with
Redis as the broker and PostgreSQL as the database.

The worker starts first and boots (imports, broker connection) while the test migrates or
empties the database and builds the data: the tasks wait in Redis until it is up. It is
stopped with Celery's cold shutdown (SIGQUIT) once everything is proven: nothing of it is
left to finish."""

from __future__ import annotations

import signal

import pytest
from sqlalchemy import select

from tests.worker.process import fail_with_output, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


@pytest.fixture
def scoring_worker(app_and_worker):
    return app_and_worker("redis", boot_first=True, stop_signal=signal.SIGQUIT)


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

    if not wait_for(runs_done(1), 60):
        fail_with_output(proc, "the worker did not score")
    with app.app_context():
        partners = set(session.execute(select(ScoreSnapshot.partner_id)).scalars())
        assert partners == {world.a_id, world.b_id}
        session.remove()
    # the beat's nightly entry queues a run of every active scorecard
    jobs.send("tandem.scorecards.nightly", [])
    assert wait_for(runs_done(2), 60), "the nightly run did not happen"
    # the pruning entry: two runs on one day, of which the day keeps its last
    jobs.send("tandem.scorecards.prune", [])
    assert wait_for(runs_done(1), 60), "the pruning did not happen"
    with app.app_context():
        card = session.get(Scorecard, card_id)
        kept = session.execute(select(ScoreRun.id)).scalar_one()
        assert card.last_run_id == kept and card.prune_attempts == 1
        session.remove()
