"""Demo scorecards: a year of partner activity and quarterly imported figures, the starter
scorecard scored once a month over that year (so history, trends and a few tier
recommendations are there), as the nightly worker would have done."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from app.db import session, utcnow
from directory import activity
from directory.activity_models import ImportedMetric, PartnerActivity
from directory.models import Partner
from directory.scorecards import cards, runs
from directory.scorecards.models import RunState, ScoreRun

MONTHS = 12


def _quarters(now: datetime) -> list[date]:
    """The starts of the last four quarters, and the one running."""
    start = date(now.year, 3 * ((now.month - 1) // 3) + 1, 1)
    out = [start]
    for _ in range(4):
        prev = out[-1] - timedelta(days=1)
        out.append(date(prev.year, 3 * ((prev.month - 1) // 3) + 1, 1))
    return sorted(out)


def _activity_rows(partner: Partner, zeal: float, rng: random.Random, now: datetime) -> list:
    """A year of sign-ins and downloads in the partner's rhythm (ZEAL: 0 quiet, 1 busy)."""
    rows = []
    for kind, per_year in ((activity.PORTAL_LOGIN, 40), (activity.ASSET_DOWNLOADED, 20)):
        for _ in range(int(rng.random() * zeal * per_year)):
            # busier lately for some, quieter for others: the trend moves
            days = rng.triangular(0, 365, 365 * (1 - zeal))
            rows.append(
                {
                    "partner_id": partner.id,
                    "kind": kind,
                    "occurred_at": now - timedelta(days=days, minutes=rng.randint(0, 1440)),
                    "value": 1.0,
                    "ref_type": "demo",
                    "ref_id": None,
                }
            )
    return rows


def load_scorecards(rng: random.Random) -> int:
    """The demo's figures, activity and monthly scores; the number of scoring runs. Commits."""
    now = utcnow()
    partners = list(session.execute(select(Partner).order_by(Partner.id)).scalars())
    quarters = _quarters(now)
    figures, rows = [], []
    for partner in partners:
        # revenue follows a Pareto law: a few partners carry most of it
        size = rng.paretovariate(1.16) * 40_000
        zeal = rng.random()
        reach = max(1.0, rng.gauss(50, 25))
        for start in quarters:
            end = (date(start.year + start.month // 10, (start.month + 2) % 12 + 1, 1)) - timedelta(
                days=1
            )
            for metric, value in (
                ("revenue", size * rng.uniform(0.6, 1.4)),
                ("pipeline", size * rng.uniform(0.5, 2.5)),
                ("market_reach", reach),
            ):
                figures.append(
                    {
                        "partner_id": partner.id,
                        "metric": metric,
                        "period_start": start,
                        "period_end": end,
                        "value": round(value, 2),
                        "source": "demo",
                        "updated_at": now,
                    }
                )
        rows += _activity_rows(partner, zeal, rng, now)
    session.execute(insert(ImportedMetric), figures)
    if rows:
        session.execute(insert(PartnerActivity), rows)
    card = cards.ensure_starter("demo")
    session.commit()
    count = 0
    for months_ago in range(MONTHS - 1, -1, -1):
        when = now - timedelta(days=30 * months_ago)
        run = ScoreRun(
            scorecard_id=card.id,
            requested_by="demo",
            state=RunState.RUNNING,
            due_at=when,
            claimed_at=when,
            attempts=1,
        )
        session.add(run)
        session.flush()
        runs.store(run, when)
        count += 1
    return count
