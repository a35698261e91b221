"""Partner events: what happened to a partner, for the journeys to act on.

The directory writes a row when a partner is created, changes status or tier, or its score
crosses a tier threshold; it imports nothing above it. Journeys (``campaigns.journeys``) pick
the rows up on their tick and fire their entry triggers, so the directory needs no knowledge
of journeys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, session, utcnow
from app.tenancy import PartnerOwned

PARTNER_CREATED = "partner_created"
PARTNER_STATUS_CHANGED = "partner_status_changed"
PARTNER_TIER_CHANGED = "partner_tier_changed"
# a scoring run found the partner's score above (direction "up") or below a tier threshold
SCORE_CROSSED_THRESHOLD = "score_crossed_threshold"


class PartnerEvent(PartnerOwned, Base):
    __tablename__ = "partner_events"
    __table_args__ = (Index("ix_partner_events_handled_at", "handled_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # when a consumer (the journeys' tick) took it; None while waiting
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)


def record(kind: str, partner_id: int, **data: Any) -> None:
    """Add an event to the current unit of work (it is committed with the change it records)."""
    session.add(PartnerEvent(kind=kind, partner_id=partner_id, data=data))
