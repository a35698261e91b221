"""The partner activity record and the metrics imported for what Tandem cannot see."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.tenancy import PartnerOwned


class PartnerActivity(PartnerOwned, Base):
    """One partner-scoped thing that counts, written once by the domain where it happened."""

    __tablename__ = "partner_activity"
    __table_args__ = (
        Index("ix_partner_activity_partner_kind_at", "partner_id", "kind", "occurred_at"),
        # a run of the scorecards reads the rows of a few kinds over a window, for every
        # partner: on PostgreSQL an index-only scan of those rows, not the whole table
        Index(
            "ix_partner_activity_kind_at",
            "kind",
            "occurred_at",
            "partner_id",
            postgresql_include=["value", "ref_type", "ref_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    value: Mapped[float] = mapped_column(Float, default=1.0)
    # what the activity is about ("campaign", 12): the scorecard counts distinct refs
    ref_type: Mapped[str | None] = mapped_column(String(40))
    ref_id: Mapped[str | None] = mapped_column(String(64))


class ImportedMetric(PartnerOwned, Base):
    """A figure Tandem cannot see (revenue, pipeline...) for one partner and one period."""

    __tablename__ = "imported_metrics"
    __table_args__ = (
        UniqueConstraint("partner_id", "metric", "period_start", name="uq_imported_metric"),
        Index("ix_imported_metrics_metric_period", "metric", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20), default="csv")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
