"""Snapshot retention on both databases: every day's last run kept, then every month's, then
none; the latest run always; the nightly pruning claimed once per scorecard and night."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import validation as v
from app.db import session
from directory import activity
from directory.scorecards import cards, pruning, runs
from directory.scorecards.models import (
    Scorecard,
    ScoreRun,
    ScoreSnapshot,
    TierRecommendation,
)
from tests.factories.scorecards import add_activity, add_revenue, simple_card

NOW = datetime(2026, 11, 30, 12, 0)


def test_which_runs_the_retention_leaves_out():
    taken = {
        1: datetime(2026, 8, 22),  # before the two monthly months: dropped
        2: datetime(2026, 10, 3),  # October: the later one stays
        3: datetime(2026, 10, 21),
        4: datetime(2026, 11, 18),  # November before the daily week: the later stays
        5: datetime(2026, 11, 20),
        6: datetime(2026, 11, 29, 1),  # two runs on the 29th: the later stays
        7: datetime(2026, 11, 29, 9),
        8: datetime(2026, 11, 30, 12),
    }
    assert pruning.runs_to_drop(taken, NOW, 7, 2) == [1, 2, 4, 6]
    # months 0: the monthly ones are kept for ever
    assert pruning.runs_to_drop(taken, NOW, 7, 0) == [2, 4, 6]
    # the latest run is never dropped, however old
    assert pruning.runs_to_drop({9: datetime(2020, 1, 1)}, NOW, 7, 2, keep=9) == []


@pytest.fixture
def history(app, world):
    """A scorecard (keep 7 days, then 2 months) run on six days, the last at NOW."""
    with app.app_context():
        add_revenue(world.a_id, 100, start=date(2026, 7, 1))
        add_revenue(world.b_id, 900, start=date(2026, 7, 1))
        add_activity(world.b_id, activity.ASSET_DOWNLOADED, 12, at=NOW - timedelta(days=3))
        card = simple_card(keep_daily_days=7, keep_monthly_months=2)
        card.prune_due_at = NOW - timedelta(days=1)
        session.commit()
        ids = {}
        for label, at in [
            ("aug", NOW - timedelta(days=100)),
            ("oct", NOW - timedelta(days=40)),
            ("nov18", NOW - timedelta(days=12)),
            ("nov20", NOW - timedelta(days=10)),
            ("day-early", NOW - timedelta(days=1, hours=3)),
            ("day-late", NOW - timedelta(days=1)),
            ("now", NOW),
        ]:
            run = runs.request_run(session.get(Scorecard, card.id), "test")
            session.commit()
            assert runs.run(run.id, now=at) == 2
            ids[label] = run.id
        return card.id, ids


def test_the_nightly_pruning_thins_the_snapshots(app, history):
    card_id, ids = history
    with app.app_context():
        assert pruning.prune_due(NOW) == {card_id: 3}
        left = set(session.execute(select(ScoreRun.id)).scalars())
        assert left == {ids["oct"], ids["nov20"], ids["day-late"], ids["now"]}
        snapshot_runs = set(session.execute(select(ScoreSnapshot.run_id)).scalars())
        assert snapshot_runs == left
        assert session.execute(select(func.count()).select_from(ScoreSnapshot)).scalar() == 8
        # no recommendation points at a snapshot that is gone
        linked = session.execute(
            select(TierRecommendation.snapshot_id).where(
                TierRecommendation.snapshot_id.is_not(None)
            )
        ).scalars()
        assert all(session.get(ScoreSnapshot, sid) for sid in linked)
        card = session.get(Scorecard, card_id, populate_existing=True)
        assert card.last_run_id == ids["now"] and card.prune_state == pruning.IDLE
        # pruned tonight: not due again until tomorrow night, then nothing more to drop
        assert pruning.prune_due(NOW + timedelta(hours=2)) == {}
        assert pruning.prune_due(NOW + timedelta(days=1, minutes=1)) == {card_id: 0}


def test_a_scorecard_being_pruned_is_left_to_its_worker(app, history):
    card_id, _ids = history
    with app.app_context():
        card = session.get(Scorecard, card_id)
        card.prune_state, card.prune_claimed_at = pruning.PRUNING, NOW - timedelta(minutes=5)
        session.commit()
        assert pruning.prune_due(NOW) == {}  # another worker holds it
        assert session.execute(select(func.count()).select_from(ScoreRun)).scalar() == 7
        # its worker died: after the lease the next night's worker takes it over
        assert pruning.prune_due(NOW + timedelta(hours=1)) == {card_id: 3}
        card = session.get(Scorecard, card_id, populate_existing=True)
        assert (card.prune_attempts, card.prune_state) == (1, pruning.IDLE)


def test_the_pruning_is_on_the_beat_schedule():
    import workers

    entry = workers.celery.conf.beat_schedule["scorecards-prune"]
    assert entry["task"] == "tandem.scorecards.prune"
    assert "tandem.scorecards.prune" in workers.celery.tasks


def test_the_retention_is_validated(app, world):
    with app.app_context():
        card = cards.ensure_starter()
        session.commit()
        assert (card.keep_daily_days, card.keep_monthly_months) == (90, 0)
        with pytest.raises(v.ValidationFailed) as failed:
            cards.update_scorecard(card, {"keep_daily_days": 2, "keep_monthly_months": -1}, "t")
        assert set(failed.value.errors) == {"keep_daily_days", "keep_monthly_months"}
        cards.update_scorecard(card, {"keep_daily_days": "30", "keep_monthly_months": "24"}, "t")
        assert (card.keep_daily_days, card.keep_monthly_months) == (30, 24)
