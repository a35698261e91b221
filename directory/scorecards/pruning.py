"""Snapshot retention: old scoring runs thinned, so that history stays drawable and small.

Each scorecard keeps the last run of every day for ``keep_daily_days``; older than that, the
last run of every month; older than ``keep_monthly_months`` (0: for ever), nothing. The
scorecard's latest run is always kept. The beat's nightly entry claims the scorecards due
for pruning (``app.claims``: one worker prunes a scorecard, a dead one's claim expires),
drops the runs the rule leaves out with their snapshots, and sets the next due time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from app import claims
from app.db import session, utcnow
from directory.scorecards.models import Scorecard, ScoreRun, ScoreSnapshot, TierRecommendation

IDLE, PRUNING = "idle", "pruning"
EVERY = timedelta(days=1)
SPEC = claims.Claimable(
    table=Scorecard,
    id=Scorecard.id,
    state=Scorecard.prune_state,
    claimable=(IDLE,),
    claimed=PRUNING,
    claimed_at=Scorecard.prune_claimed_at,
    attempts=Scorecard.prune_attempts,
    lease=timedelta(minutes=30),
    due_at=Scorecard.prune_due_at,
)


def runs_to_drop(
    taken: dict[int, datetime],
    now: datetime,
    keep_daily_days: int,
    keep_monthly_months: int,
    keep: int | None = None,
) -> list[int]:
    """The ids of the runs (id → when it scored) that the retention leaves out: within the
    daily window every day's last run stays, before it every month's last run, before the
    monthly window (if any) none; KEEP (the latest run) stays whatever its age."""
    daily_from = now - timedelta(days=keep_daily_days)
    months_back = now.year * 12 + now.month - 1 - keep_monthly_months
    kept: dict[tuple, tuple[datetime, int]] = {}
    dropped = []
    for run_id, at in sorted(taken.items(), key=lambda pair: (pair[1], pair[0])):
        if at >= daily_from:
            bucket: tuple = ("day", at.date())
        elif keep_monthly_months and at.year * 12 + at.month - 1 < months_back:
            dropped.append(run_id)
            continue
        else:
            bucket = ("month", at.year, at.month)
        if bucket in kept:  # a later run of the same day or month replaces it
            dropped.append(kept[bucket][1])
        kept[bucket] = (at, run_id)
    return sorted(run_id for run_id in dropped if run_id != keep)


def prune(card: Scorecard, now: datetime) -> int:
    """Drop the runs of CARD, with their snapshots, that its retention leaves out; how many
    runs. The caller commits."""
    taken = dict(
        session.execute(
            select(ScoreSnapshot.run_id, func.max(ScoreSnapshot.computed_at))
            .where(ScoreSnapshot.scorecard_id == card.id)
            .group_by(ScoreSnapshot.run_id)
        ).all()
    )
    drop = runs_to_drop(
        taken, now, card.keep_daily_days or 90, card.keep_monthly_months or 0, card.last_run_id
    )
    for chunk in range(0, len(drop), 500):
        ids = drop[chunk : chunk + 500]
        snapshots = select(ScoreSnapshot.id).where(ScoreSnapshot.run_id.in_(ids))
        # the recommendations keep their score and reasons; only the link to the snapshot goes
        session.execute(
            update(TierRecommendation)
            .where(TierRecommendation.snapshot_id.in_(snapshots))
            .values(snapshot_id=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(ScoreSnapshot)
            .where(ScoreSnapshot.run_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(ScoreRun)
            .where(ScoreRun.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    return len(drop)


def prune_due(now: datetime | None = None, limit: int = 20) -> dict[int, int]:
    """The beat's entry: claim the scorecards due for pruning and prune each; {scorecard id:
    runs dropped}. Commits after each scorecard."""
    now = now or utcnow()
    done = {}
    for card_id in claims.claim_due(SPEC, limit, now=now):
        # the claim was an UPDATE: the row as it is now, not as this session last saw it
        card = session.get(Scorecard, card_id, populate_existing=True)
        done[card_id] = prune(card, now)
        card.prune_state = IDLE
        card.prune_due_at = now + EVERY
        session.commit()
    return done
