"""Tier recommendations: the channel manager accepts one (the tier changes through the
partner's own update, audited) or dismisses it with a note."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select

from app import audit
from app import validation as v
from app.db import session, utcnow
from directory import partners
from directory.models import Partner
from directory.scorecards.models import RecommendationState, TierRecommendation

clean_note = partial(v.text, max_length=500, label="The note")


def open_recommendations(scorecard_id: int | None = None, limit: int = 500):
    query = (
        select(TierRecommendation)
        .join(Partner, Partner.id == TierRecommendation.partner_id)
        .where(TierRecommendation.state == RecommendationState.OPEN)
        .order_by(
            TierRecommendation.direction.desc(), TierRecommendation.score.desc(), Partner.name
        )
    )
    if scorecard_id is not None:
        query = query.where(TierRecommendation.scorecard_id == scorecard_id)
    return list(session.execute(query.limit(limit)).scalars())


def _still_open(rec: TierRecommendation) -> None:
    if rec.state != RecommendationState.OPEN:
        raise v.ValidationFailed({"state": f"This recommendation is already {rec.state}."})


def accept(rec: TierRecommendation, actor, note: str = "") -> Partner:
    """Move the partner to the recommended tier (the caller commits, then lets campaigns
    follow the change as after any tier change)."""
    _still_open(rec)
    note = clean_note(note)
    partner = rec.partner
    if rec.to_tier is None:
        raise v.ValidationFailed({"tier": "The recommended tier no longer exists."})
    partners.update_partner(partner, {"tier": rec.to_tier.name}, actor, only=("tier",))
    rec.state = RecommendationState.ACCEPTED
    rec.decided_at = utcnow()
    rec.decided_by_id = getattr(actor, "id", None)
    rec.note = note
    audit.record(
        actor,
        "scorecard.recommendation.accept",
        rec,
        partner_id=partner.id,
        changes={"tier": [rec.from_tier.name if rec.from_tier else None, rec.to_tier.name]},
    )
    return partner


def dismiss(rec: TierRecommendation, actor, note: str) -> None:
    _still_open(rec)
    note = clean_note(note)
    if not note:
        raise v.ValidationFailed({"note": "Say in a note why the recommendation is dismissed."})
    rec.state = RecommendationState.DISMISSED
    rec.decided_at = utcnow()
    rec.decided_by_id = getattr(actor, "id", None)
    rec.note = note
    audit.record(
        actor,
        "scorecard.recommendation.dismiss",
        rec,
        partner_id=rec.partner_id,
        changes={"note": [None, note]},
    )
