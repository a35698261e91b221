"""Campaigns, their assets, the partners they target, renders, customizations and engagement."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow
from app.tenancy import PartnerOwned


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    ARCHIVED = "archived"


# Which lifecycle moves are allowed; anything else is refused with a message.
STATUS_TRANSITIONS: dict[CampaignStatus, set[CampaignStatus]] = {
    CampaignStatus.DRAFT: {CampaignStatus.SCHEDULED, CampaignStatus.LIVE, CampaignStatus.ARCHIVED},
    CampaignStatus.SCHEDULED: {
        CampaignStatus.DRAFT,
        CampaignStatus.LIVE,
        CampaignStatus.ARCHIVED,
    },
    CampaignStatus.LIVE: {CampaignStatus.ENDED},
    # an ended campaign can be relaunched (the same partners keep their renders)
    CampaignStatus.ENDED: {CampaignStatus.LIVE, CampaignStatus.ARCHIVED},
    CampaignStatus.ARCHIVED: set(),
}


class Objective(enum.StrEnum):
    AWARENESS = "awareness"
    DEMAND_GENERATION = "demand_generation"
    PRODUCT_LAUNCH = "product_launch"
    EVENT = "event"
    PROMOTION = "promotion"
    RETENTION = "retention"


OBJECTIVE_LABELS = {
    Objective.AWARENESS: "Brand awareness",
    Objective.DEMAND_GENERATION: "Demand generation",
    Objective.PRODUCT_LAUNCH: "Product launch",
    Objective.EVENT: "Event promotion",
    Objective.PROMOTION: "Sales promotion",
    Objective.RETENTION: "Customer retention",
}


class RenderStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class EventKind(enum.StrEnum):
    VIEW = "view"
    PREVIEW = "preview"
    CUSTOMIZE = "customize"
    DOWNLOAD = "download"


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[str] = mapped_column(String(40), default=Objective.AWARENESS.value)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=CampaignStatus.DRAFT.value, index=True)
    # targeting rules, see campaigns/targeting.py
    targeting: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    include_partner_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    exclude_partner_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime)
    launched_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    assets: Mapped[list[CampaignAsset]] = relationship(
        back_populates="campaign",
        cascade="all, delete-orphan",
        order_by="(CampaignAsset.position, CampaignAsset.id)",
    )
    created_by = relationship("User", foreign_keys=[created_by_id])

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.name!r} ({self.status})>"


class CampaignAsset(Base):
    __tablename__ = "campaign_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    template_version_id: Mapped[int] = mapped_column(ForeignKey("brand_template_versions.id"))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # the vendor's values for the template's fields
    presets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the fields partners may change: a subset of the template's editable fields
    editable_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # part of every render's input stamp (campaigns.rendering.inputs_stamp)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="assets")
    template_version = relationship("BrandTemplateVersion")

    def __repr__(self) -> str:
        return f"<CampaignAsset {self.id} {self.title!r} of campaign {self.campaign_id}>"


class CampaignPartner(PartnerOwned, Base):
    """A partner targeted by a campaign: from then on it sees the campaign while it is live."""

    __tablename__ = "campaign_partners"
    __table_args__ = (UniqueConstraint("campaign_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # 'launch' (targeted when the campaign went live) or 'late' (joined a live campaign)
    source: Mapped[str] = mapped_column(String(10), default="launch")
    notified_at: Mapped[datetime | None] = mapped_column(DateTime)
    # set while the partner no longer matches (a lower tier, terminated, excluded): it does
    # not see the campaign then; cleared when it matches again
    left_at: Mapped[datetime | None] = mapped_column(DateTime)

    campaign: Mapped[Campaign] = relationship()
    partner = relationship("Partner")


class AssetRender(PartnerOwned, Base):
    """The render job, and then the current render, of one asset for one partner."""

    __tablename__ = "asset_renders"
    __table_args__ = (
        UniqueConstraint("asset_id", "partner_id"),
        Index("ix_asset_renders_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("campaign_assets.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=RenderStatus.PENDING.value)
    render_key: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(300))
    content_type: Mapped[str | None] = mapped_column(String(100))
    extension: Mapped[str | None] = mapped_column(String(10))
    preview_key: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str] = mapped_column(Text, default="")
    # the stamp of the inputs the render key was computed from: while it still matches,
    # the key is current without resolving the values again (a cached download's fast path)
    inputs_stamp: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # set on every state change: a 'running' row this old was left by a worker that died
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    asset: Mapped[CampaignAsset] = relationship()
    partner = relationship("Partner")


class Customization(PartnerOwned, Base):
    """A partner's own values for the editable fields of one campaign asset."""

    __tablename__ = "customizations"
    __table_args__ = (UniqueConstraint("asset_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("campaign_assets.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class EngagementEvent(PartnerOwned, Base):
    """One thing a partner user did with a campaign: viewed, previewed, customized, downloaded."""

    __tablename__ = "engagement_events"
    __table_args__ = (Index("ix_engagement_events_campaign_kind", "campaign_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_assets.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
