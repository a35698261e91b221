"""Scores on both databases: normalizations, weights, thresholds, explanations and the
tier recommendations a run leaves."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import validation as v
from app.db import session
from app.models import AuditEntry
from directory import activity
from directory.models import Partner, Tier
from directory.scorecards import cards, recommendations, runs, scoring
from directory.scorecards.models import (
    RecommendationState,
    RunState,
    Scorecard,
    ScoreRun,
    ScoreSnapshot,
    TierRecommendation,
)
from tests.factories.directory import make_partner
from tests.factories.scorecards import add_activity, add_revenue, simple_card

NOW = datetime(2026, 11, 30, 12, 0)


def test_target_normalization():
    assert scoring.normalize_target(5, 10) == 50
    assert scoring.normalize_target(20, 10) == 100
    assert scoring.normalize_target(None, 10) == 0
    assert scoring.normalize_target(0, 10) == 0
    # lower is better: at or under the target is full marks, double it is half
    assert scoring.normalize_target(24, 48, lower_is_better=True) == 100
    assert scoring.normalize_target(96, 48, lower_is_better=True) == 50


def test_percentile_normalization():
    assert scoring.normalize_percentiles([10, 20, 30]) == [0, 50, 100]
    # ties share the lower rank; a missing value is 0
    assert scoring.normalize_percentiles([10, 10, 30, None]) == [
        pytest.approx(100 / 3),
        pytest.approx(100 / 3),
        100,
        0,
    ]
    assert scoring.normalize_percentiles([5, 5, 5]) == [0, 0, 0]
    assert scoring.normalize_percentiles([1, 3], lower_is_better=True) == [100, 0]


@pytest.fixture
def scored(app, world):
    """Three active partners: A (Gold) with no activity, B (Silver) strong, C (Silver) middle."""
    with app.app_context():
        c = make_partner("Charlie Partner", tier="Silver")
        session.flush()
        a, b = world.a_id, world.b_id
        add_revenue(a, 100, start=date(2026, 7, 1))
        add_revenue(b, 900, start=date(2026, 7, 1))
        add_revenue(c.id, 500, start=date(2026, 7, 1))
        add_revenue(b, 10_000, start=date(2024, 1, 1))  # outside the year: not counted
        add_activity(b, activity.ASSET_DOWNLOADED, 12, at=NOW - timedelta(days=3))
        add_activity(c.id, activity.ASSET_DOWNLOADED, 5, at=NOW - timedelta(days=30))
        add_activity(a, activity.ASSET_DOWNLOADED, 9, at=NOW - timedelta(days=400))  # too old
        card = simple_card()
        session.commit()
        return {"card_id": card.id, "a": a, "b": b, "c": c.id}


def _run(card_id):
    card = session.get(Scorecard, card_id)
    run = runs.request_run(card, "test")
    session.commit()
    assert runs.run(run.id, now=NOW) == 3
    return run.id


def test_weights_thresholds_and_explanation(app, scored):
    with app.app_context():
        run_id = _run(scored["card_id"])
        snaps = {
            s.partner_id: s
            for s in session.execute(
                select(ScoreSnapshot).where(ScoreSnapshot.run_id == run_id)
            ).scalars()
        }
        # B: revenue best (100) * 0.6 + 12/10 downloads capped (100) * 0.4 = 100
        assert snaps[scored["b"]].score == 100
        # C: revenue middle (50) * 0.6 + 5/10 (50) * 0.4 = 50
        assert snaps[scored["c"]].score == 50
        # A: lowest revenue (0) and old downloads not counted
        assert snaps[scored["a"]].score == 0
        lines = snaps[scored["c"]].lines
        assert lines["revenue"] == [500, 50, 30]
        assert lines["assets_downloaded"] == [5, 50, 20]

        card = session.get(Scorecard, scored["card_id"])
        explained = scoring.explain(card, lines)
        assert [
            (e.metric, e.value, e.normalized, e.weighted, e.contribution) for e in explained
        ] == [
            ("revenue", 500, 50, 60, 30),
            ("assets_downloaded", 5, 50, 40, 20),
        ]
        gold = session.execute(select(Tier).where(Tier.name == "Gold")).scalar_one()
        silver = session.execute(select(Tier).where(Tier.name == "Silver")).scalar_one()
        assert snaps[scored["b"]].recommended_tier_id == gold.id
        assert snaps[scored["c"]].recommended_tier_id == silver.id
        assert snaps[scored["a"]].recommended_tier_id is None  # below every threshold

        # what C needs for Gold (75): 25 points; downloads can bring 20 (reach 10), revenue 5
        plan = scoring.to_next_tier(card, 50, lines)
        assert plan["tier"].name == "Gold" and plan["missing"] == 25
        assert [(x["line"].metric, x["points"], x["reach"]) for x in plan["steps"]] == [
            ("assets_downloaded", 20, pytest.approx(10)),
            ("revenue", 5, None),
        ]


def test_recommendations_accept_and_dismiss(app, scored):
    with app.app_context():
        _run(scored["card_id"])
        recs = {
            r.partner_id: r
            for r in session.execute(
                select(TierRecommendation).where(
                    TierRecommendation.state == RecommendationState.OPEN
                )
            ).scalars()
        }
        # B should go up to Gold; C stays Silver; A (Gold, score 0) has no tier to go to
        assert set(recs) == {scored["b"]}
        rec = recs[scored["b"]]
        assert rec.direction == "promote" and rec.to_tier.name == "Gold"
        assert any("reaches Gold" in reason for reason in rec.reasons)

        recommendations.accept(rec, "cm@vendor.example", "well earned")
        session.commit()
        assert session.get(Partner, scored["b"]).tier.name == "Gold"
        assert rec.state == RecommendationState.ACCEPTED
        actions = set(session.execute(select(AuditEntry.action)).scalars())
        assert {"partner.update", "scorecard.recommendation.accept"} <= actions
        with pytest.raises(v.ValidationFailed):
            recommendations.accept(rec, "cm@vendor.example")

        # the next run finds nothing to move for B, and keeps history with a trend
        run_id = _run(scored["card_id"])
        snap = session.execute(
            select(ScoreSnapshot).where(
                ScoreSnapshot.run_id == run_id, ScoreSnapshot.partner_id == scored["b"]
            )
        ).scalar_one()
        assert snap.previous_score == 100


def test_demotion_and_dismissal_needs_a_note(app, scored):
    with app.app_context():
        card = session.get(Scorecard, scored["card_id"])
        cards.update_scorecard(
            card, {"thresholds": {"Gold": 75, "Silver": 40, "Registered": 0}}, "t"
        )
        session.commit()
        _run(card.id)
        rec = session.execute(
            select(TierRecommendation).where(TierRecommendation.partner_id == scored["a"])
        ).scalar_one()
        assert rec.direction == "demote" and rec.to_tier.name == "Registered"
        assert rec.reasons[0].startswith("Score 0 is below Gold")
        with pytest.raises(v.ValidationFailed):
            recommendations.dismiss(rec, "t", "")
        recommendations.dismiss(rec, "t", "New partner, give it a year")
        session.commit()
        assert rec.state == RecommendationState.DISMISSED
        assert session.get(Partner, scored["a"]).tier.name == "Gold"


def test_a_run_is_claimed_once(app, scored):
    with app.app_context():
        run_id = _run(scored["card_id"])
        assert runs.run(run_id, now=NOW) is None  # done: nobody runs it again
        assert session.get(ScoreRun, run_id).state == RunState.DONE


def test_scorecard_definitions_are_validated(app, world):
    with app.app_context():
        with pytest.raises(v.ValidationFailed) as failed:
            cards.create_scorecard(
                {
                    "name": "Bad",
                    "lines": [
                        {"metric": "nonsense", "weight": 1},
                        {"metric": "revenue", "weight": 1, "method": "target"},
                    ],
                },
                "t",
            )
        message = failed.value.errors["lines"]
        assert "'nonsense' is not a metric" in message and "a target above 0" in message
        with pytest.raises(v.ValidationFailed) as failed:
            cards.create_scorecard(
                {
                    "name": "Bad",
                    "lines": [{"metric": "revenue", "weight": 1, "method": "percentile"}],
                    "thresholds": {"Diamond": 95},
                },
                "t",
            )
        assert "'Diamond' is not a tier" in failed.value.errors["thresholds"]
        starter = cards.ensure_starter()
        groups = {}
        for line in starter.lines:
            groups[line["group"]] = groups.get(line["group"], 0) + line["weight"]
        assert groups == {"Sales": 50, "Engagement": 20, "Enablement": 20, "Marketing": 10}
        assert cards.ensure_starter().id == starter.id


def test_threshold_crossings_between_runs(app, scored):
    from directory.scorecards import board

    with app.app_context():
        card = session.get(Scorecard, scored["card_id"])
        _run(card.id)
        # C downloads five more: 50 → 70, past nothing; then five more: 70 → 70 (capped)...
        add_activity(scored["c"], activity.ASSET_DOWNLOADED, 5, at=NOW - timedelta(days=1))
        session.commit()
        second = _run(card.id)
        assert board.crossings(card, second) == []  # 50 → 70: no threshold between
        cards.update_scorecard(card, {"thresholds": {"Gold": 75, "Silver": 60}}, "t")
        session.commit()
        third = _run(card.id)
        assert board.crossings(card, third) == []  # the same scores
        session.execute(
            ScoreSnapshot.__table__.update()
            .where(ScoreSnapshot.run_id == third, ScoreSnapshot.partner_id == scored["c"])
            .values(previous_score=55)
        )
        crossed = board.crossings(card, third)
        silver = session.execute(select(Tier).where(Tier.name == "Silver")).scalar_one()
        assert crossed == [
            {"partner_id": scored["c"], "tier_id": silver.id, "threshold": 60, "direction": "up"}
        ]
