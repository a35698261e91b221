"""Scorecards, their scoring runs, the snapshots they store and the tier recommendations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow
from app.tenancy import PartnerOwned


class Scorecard(Base):
    """A vendor-defined scorecard: metric lines (weight, normalization) and tier thresholds.

    ``lines``: [{"metric", "group", "weight", "method": "target" | "percentile", "target"}];
    ``thresholds``: {tier id (text): the lowest score of that tier}.
    Snapshot retention: every day's last run is kept for ``keep_daily_days``, then each
    month's last run, for ``keep_monthly_months`` (0: for ever); the nightly pruning that
    thins them claims the scorecard (``prune_*``, ``app.claims``).
    """

    __tablename__ = "scorecards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    period_days: Mapped[int] = mapped_column(Integer, default=365)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    thresholds: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("score_runs.id", ondelete="SET NULL", use_alter=True)
    )
    keep_daily_days: Mapped[int] = mapped_column(Integer, default=90)
    keep_monthly_months: Mapped[int] = mapped_column(Integer, default=0)
    prune_state: Mapped[str] = mapped_column(String(12), default="idle")
    prune_due_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    prune_claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    prune_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class RunState:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ScoreRun(Base):
    """One scoring run of a scorecard: a row the workers claim (``app.claims``)."""

    __tablename__ = "score_runs"
    __table_args__ = (Index("ix_score_runs_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20), default=RunState.QUEUED)
    requested_by: Mapped[str] = mapped_column(String(254), default="schedule")
    due_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    partners: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")

    scorecard: Mapped[Scorecard] = relationship(foreign_keys=[scorecard_id])


class ScoreSnapshot(PartnerOwned, Base):
    """A partner's score by one run; ``lines``: {metric: [value, normalized, contribution]}."""

    __tablename__ = "score_snapshots"
    __table_args__ = (
        Index("ix_score_snapshots_run", "run_id"),
        Index("ix_score_snapshots_partner", "partner_id", "scorecard_id", "computed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id", ondelete="CASCADE"))
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    score: Mapped[float] = mapped_column(Float)
    previous_score: Mapped[float | None] = mapped_column(Float)
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id", ondelete="SET NULL"))
    recommended_tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("tiers.id", ondelete="SET NULL")
    )
    lines: Mapped[dict[str, list]] = mapped_column(JSON, default=dict)


class RecommendationState:
    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    SUPERSEDED = "superseded"


class TierRecommendation(PartnerOwned, Base):
    """A promotion or demotion the score suggests, until a channel manager decides."""

    __tablename__ = "tier_recommendations"
    __table_args__ = (Index("ix_tier_recommendations_state", "scorecard_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("score_snapshots.id", ondelete="SET NULL")
    )
    from_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id", ondelete="SET NULL"))
    to_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id", ondelete="SET NULL"))
    direction: Mapped[str] = mapped_column(String(10))  # promote | demote
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(12), default=RecommendationState.OPEN)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")

    partner = relationship("Partner")
    from_tier = relationship("Tier", foreign_keys=[from_tier_id])
    to_tier = relationship("Tier", foreign_keys=[to_tier_id])
