"""Scorecard tasks (``tandem.scorecards.<verb>``): thin, each calls directory.scorecards."""

from __future__ import annotations

from celery.schedules import crontab

from app.jobs import celery
from directory.scorecards import pruning, runs

BEAT_SCHEDULE = {
    # every night at 02:30 UTC: a run of every active scorecard, and lost runs sent again
    "scorecards-nightly": {"task": "tandem.scorecards.nightly", "schedule": crontab(30, 2)},
    # every night at 04:10 UTC: old snapshots thinned by each scorecard's retention
    "scorecards-prune": {"task": "tandem.scorecards.prune", "schedule": crontab(10, 4)},
}


@celery.task(name="tandem.scorecards.run")
def run_scorecard(run_id: int) -> int | None:
    """Score every partner by the run's scorecard; nothing if another worker has the run."""
    return runs.run(run_id)


@celery.task(name="tandem.scorecards.nightly")
def nightly() -> list[int]:
    return runs.queue_nightly()


@celery.task(name="tandem.scorecards.prune")
def prune() -> dict[int, int]:
    """Thin the old snapshots of every scorecard due for it (claimed, one worker each)."""
    return pruning.prune_due()
