"""Scoring runs: queued as rows, claimed by a worker (``app.claims``), stored as snapshots.

Nightly the beat queues a run of every active scorecard (``queue_nightly``); a channel
manager queues one on demand (``request_run``). Either way the worker's task names the run,
claims it with a lease and runs it (``run``): the scores of every partner from a few SQL
aggregates, the snapshots in one bulk insert (COPY on PostgreSQL), and the open tier
recommendations brought up to date. A run whose worker died is claimed again after the
lease; the sweep sends lost ones.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app import claims, db, jobs
from app.db import session, utcnow
from directory import events
from directory.models import Tier
from directory.scorecards import board, cards, scoring
from directory.scorecards.models import (
    RecommendationState,
    RunState,
    Scorecard,
    ScoreRun,
    ScoreSnapshot,
    TierRecommendation,
)

log = logging.getLogger(__name__)
TASK = "tandem.scorecards.run"
SPEC = claims.Claimable(
    table=ScoreRun,
    id=ScoreRun.id,
    state=ScoreRun.state,
    claimable=(RunState.QUEUED,),
    claimed=RunState.RUNNING,
    claimed_at=ScoreRun.claimed_at,
    attempts=ScoreRun.attempts,
    lease=timedelta(minutes=30),
    due_at=ScoreRun.due_at,
)


def request_run(card: Scorecard, requested_by: str = "schedule") -> ScoreRun:
    """Queue a run of CARD; a worker runs it after the caller commits. A run already
    waiting is reused."""
    waiting = session.execute(
        select(ScoreRun).where(ScoreRun.scorecard_id == card.id, ScoreRun.state == RunState.QUEUED)
    ).scalar_one_or_none()
    if waiting is not None:
        jobs.enqueue(TASK, [waiting.id])
        return waiting
    run = ScoreRun(scorecard_id=card.id, requested_by=requested_by[:254], due_at=utcnow())
    session.add(run)
    session.flush()
    jobs.enqueue(TASK, [run.id])
    return run


def queue_nightly() -> list[int]:
    """The beat's nightly entry: a run of every active scorecard, and stalled runs sent
    again. Commits; the ids of the runs sent."""
    if session.execute(select(Scorecard.id).limit(1)).first() is None:
        cards.ensure_starter()  # a new installation is scored from its first night
        session.flush()
    active = session.execute(select(Scorecard).where(Scorecard.active.is_(True))).scalars()
    ids = [request_run(card).id for card in list(active)]
    for run_id in claims.sweep(SPEC, timedelta(minutes=15)):
        jobs.enqueue(TASK, [run_id])
        ids.append(run_id)
    session.commit()
    return sorted(set(ids))


def run(run_id: int, now: datetime | None = None) -> int | None:
    """Claim run RUN_ID and score every partner; the number scored, or None if another
    worker has it or it is done. Commits."""
    if claims.claim(SPEC, run_id) is None:
        return None
    score_run = session.get(ScoreRun, run_id)
    try:
        count = store(score_run, now or utcnow())
    except Exception as exc:  # the run is marked failed for the screen, and raised for the log
        session.rollback()
        score_run = session.get(ScoreRun, run_id)
        score_run.state = RunState.FAILED
        score_run.error = str(exc)[:2000]
        score_run.finished_at = utcnow()
        session.commit()
        raise
    return count


def store(score_run: ScoreRun, now: datetime) -> int:
    """Score, store the snapshots and the recommendations of SCORE_RUN, and commit."""
    card = score_run.scorecard
    results = scoring.compute(card, now)
    previous = {}
    if card.last_run_id:
        previous = dict(
            session.execute(
                select(ScoreSnapshot.partner_id, ScoreSnapshot.score).where(
                    ScoreSnapshot.run_id == card.last_run_id
                )
            ).all()
        )
    rows = [
        {
            "run_id": score_run.id,
            "scorecard_id": card.id,
            "partner_id": r.partner_id,
            "computed_at": now,
            "score": r.score,
            "previous_score": previous.get(r.partner_id),
            "tier_id": r.tier_id,
            "recommended_tier_id": r.recommended_tier_id,
            "lines": {
                line.metric: [line.value, line.normalized, line.contribution] for line in r.lines
            },
        }
        for r in results
    ]
    db.bulk_insert(ScoreSnapshot.__table__, rows)
    _recommend(card, score_run.id, results, now)
    # a partner whose score crossed a tier threshold is an event the journeys can start on
    for crossing in board.crossings(card, score_run.id):
        events.record(
            events.SCORE_CROSSED_THRESHOLD,
            crossing["partner_id"],
            scorecard_id=card.id,
            tier_id=crossing["tier_id"],
            threshold=crossing["threshold"],
            direction=crossing["direction"],
        )
    score_run.state = RunState.DONE
    score_run.partners = len(results)
    score_run.finished_at = utcnow()
    card.last_run_id = score_run.id
    session.commit()
    return len(results)


def _recommend(card: Scorecard, run_id: int, results, now: datetime) -> None:
    """Bring the open recommendations of CARD up to date with RESULTS: a partner whose score
    places it in another tier gets one (or keeps its own, refreshed); one that no longer
    should move has its recommendation superseded."""
    steps = scoring.ladder(card)
    if not steps:
        return
    tiers = {t.id: t for t in session.execute(select(Tier)).scalars()}
    open_recs = {
        rec.partner_id: rec
        for rec in session.execute(
            select(TierRecommendation).where(
                TierRecommendation.scorecard_id == card.id,
                TierRecommendation.state == RecommendationState.OPEN,
            )
        ).scalars()
    }
    snapshot_ids = dict(
        session.execute(
            select(ScoreSnapshot.partner_id, ScoreSnapshot.id).where(ScoreSnapshot.run_id == run_id)
        ).all()
    )
    new = []
    for r in results:
        rec = open_recs.get(r.partner_id)
        target = r.recommended_tier_id
        if target is None or target == r.tier_id:
            if rec is not None:
                rec.state = RecommendationState.SUPERSEDED
            continue
        lines = {line.metric: [line.value, line.normalized, line.contribution] for line in r.lines}
        current = tiers.get(r.tier_id) if r.tier_id else None
        direction = "promote" if current is None or tiers[target].rank > current.rank else "demote"
        why = scoring.reasons(card, r.score, lines, tiers[target], steps)
        if direction == "demote" and current is not None:
            low = dict((t.id, lo) for t, lo in steps).get(current.id)
            if low is not None:
                why.insert(0, f"Score {r.score:.0f} is below {current.name} (from {low:.0f}).")
                why = [w for w in why if not w.startswith(f"Score {r.score:.0f} reaches")]
        if rec is not None and rec.to_tier_id == target:
            rec.score, rec.reasons, rec.snapshot_id = r.score, why, snapshot_ids.get(r.partner_id)
            continue
        if rec is not None:
            rec.state = RecommendationState.SUPERSEDED
        new.append(
            {
                "partner_id": r.partner_id,
                "scorecard_id": card.id,
                "snapshot_id": snapshot_ids.get(r.partner_id),
                "from_tier_id": r.tier_id,
                "to_tier_id": target,
                "direction": direction,
                "score": r.score,
                "reasons": why,
                "state": RecommendationState.OPEN,
                "created_at": now,
                "note": "",
            }
        )
    db.bulk_insert(TierRecommendation.__table__, new)


def latest_runs(card_id: int, limit: int = 10) -> list[ScoreRun]:
    return list(
        session.execute(
            select(ScoreRun)
            .where(ScoreRun.scorecard_id == card_id)
            .order_by(ScoreRun.id.desc())
            .limit(limit)
        ).scalars()
    )


def snapshot_count(run_id: int) -> int:
    return session.execute(
        select(func.count()).select_from(ScoreSnapshot).where(ScoreSnapshot.run_id == run_id)
    ).scalar_one()
