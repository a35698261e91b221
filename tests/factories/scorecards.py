"""Scorecard test data: activity, imported figures and a scorecard, through the domain."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.db import session
from directory import activity, imported_metrics
from directory.scorecards import cards


def add_activity(partner_id: int, kind: str, times: int, *, at: datetime, value: float = 1):
    for n in range(times):
        activity.record(partner_id, kind, at=at - timedelta(hours=n), value=value)


def add_revenue(partner_id: int, amount: float, *, start: date, metric: str = "revenue"):
    imported_metrics.upsert(
        {
            "partner_id": partner_id,
            "metric": metric,
            "period_start": start,
            "period_end": start + timedelta(days=89),
            "value": amount,
        }
    )


def simple_card(**extra):
    """Revenue as a percentile (weight 60), downloads against a target of 10 (weight 40);
    Gold from 75, Silver from 40."""
    data = {
        "name": "Test card",
        "lines": [
            {"metric": "revenue", "group": "Sales", "weight": 60, "method": "percentile"},
            {
                "metric": "assets_downloaded",
                "group": "Engagement",
                "weight": 40,
                "method": "target",
                "target": 10,
            },
        ],
        "thresholds": {"Gold": 75, "Silver": 40},
        **extra,
    }
    card = cards.create_scorecard(data, "test")
    session.flush()
    return card


def scored_with_a_recommendation(partner_id: int) -> tuple[int, int]:
    """A scorecard run once, in which PARTNER_ID (Gold, the only revenue, no downloads:
    score 60) is recommended for Silver; (scorecard id, recommendation id)."""
    from sqlalchemy import select

    from directory.scorecards import runs
    from directory.scorecards.models import TierRecommendation

    card = simple_card()
    add_revenue(partner_id, 1000, start=date.today() - timedelta(days=30))
    session.commit()
    run = runs.request_run(card, "test")
    session.commit()
    runs.run(run.id)
    rec = session.execute(
        select(TierRecommendation).where(TierRecommendation.partner_id == partner_id)
    ).scalar_one()
    return card.id, rec.id
