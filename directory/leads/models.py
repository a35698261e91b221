"""Rows of leads: the program's routing rules, each partner's lead settings, the leads, their
history, and the searches of the where-to-buy page."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow
from app.tenancy import PartnerOwned

DEFAULT_CONSENT_TEXT = (
    "I agree that {program} and the partner it sends my request to may contact me about it, "
    "and that my details are kept for this purpose only."
)


class LeadStatus(enum.StrEnum):
    NEW = "new"  # sent to a partner, waiting for its answer within the SLA
    ACCEPTED = "accepted"
    CONTACTED = "contacted"
    WON = "won"
    LOST = "lost"
    QUEUED = "queued"  # no partner: in the channel manager's queue


STATUS_LABELS = {
    LeadStatus.NEW: "New",
    LeadStatus.ACCEPTED: "Accepted",
    LeadStatus.CONTACTED: "Contacted",
    LeadStatus.WON: "Won",
    LeadStatus.LOST: "Lost",
    LeadStatus.QUEUED: "Channel manager's queue",
}
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.ACCEPTED, LeadStatus.CONTACTED, LeadStatus.QUEUED)


class SlaState(enum.StrEnum):
    """The SLA claim of a lead (``directory.leads.sla``)."""

    WAITING = "waiting"  # a partner must answer by sla_due_at
    REASSIGNING = "reassigning"  # a worker holds it, moving it on
    DONE = "done"  # answered, or no longer waiting for a partner


class LeadRules(Base):
    """The program's lead rules: one row, edited in the admin area's lead settings."""

    __tablename__ = "lead_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    # hours a partner has to accept or decline a lead before it moves on
    sla_hours: Mapped[float] = mapped_column(Float, default=24.0)
    # partners tried (declines or timeouts) before the lead goes to the channel manager
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    # open leads (new, accepted, contacted) a partner may hold; 0: no cap
    open_lead_cap: Mapped[int] = mapped_column(Integer, default=10)
    # km taken off a partner's distance per step up the tier ladder
    tier_weight_km: Mapped[float] = mapped_column(Float, default=10.0)
    # partners whose weighted distances differ by no more than this take turns
    equal_band_km: Mapped[float] = mapped_column(Float, default=5.0)
    # a location's service radius when its partner set none
    default_radius_km: Mapped[float] = mapped_column(Float, default=50.0)
    # leads older than this (days) are anonymized or deleted by the beat; 0: kept
    retention_days: Mapped[int] = mapped_column(Integer, default=730)
    retention_action: Mapped[str] = mapped_column(String(10), default="anonymize")
    conflict_days: Mapped[int] = mapped_column(Integer, default=30)
    consent_text: Mapped[str] = mapped_column(Text, default=DEFAULT_CONSENT_TEXT)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class PartnerLeadSettings(PartnerOwned, Base):
    """Whether a partner takes leads, where (service radius, postcodes, regions, countries)
    and for which products. A partner without a row takes leads within the default radius."""

    __tablename__ = "partner_lead_settings"
    __table_args__ = (UniqueConstraint("partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    accepts_leads: Mapped[bool] = mapped_column(Boolean, default=True)
    # km around each location; None: the program's default
    service_radius_km: Mapped[float | None] = mapped_column(Float)
    # a location's own radius, by location id (as a string key): branches may differ
    location_radii: Mapped[dict] = mapped_column(JSON, default=dict)
    postcodes: Mapped[list] = mapped_column(JSON, default=list)  # prefixes ("10", "750")
    regions: Mapped[list] = mapped_column(JSON, default=list)
    countries: Mapped[list] = mapped_column(JSON, default=list)
    products: Mapped[list] = mapped_column(JSON, default=list)  # none: every product
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Lead(PartnerOwned, Base):
    """A customer's request. ``partner_id`` is the partner it is with now (none: queued)."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="", index=True)
    postcode: Mapped[str] = mapped_column(String(20), default="")
    place: Mapped[str] = mapped_column(String(200), default="")  # where the point came from
    region: Mapped[str] = mapped_column(String(120), default="")
    country_code: Mapped[str] = mapped_column(String(2), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    product_interest: Mapped[str] = mapped_column(String(120), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_text: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="profile")  # profile, locator, api
    requested_partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL")
    )
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL"), index=True
    )
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"))
    distance_km: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12), default=LeadStatus.NEW.value, index=True)
    routing: Mapped[str] = mapped_column(String(10), default="auto")  # direct, auto
    # why the lead is with its partner (or in the queue), in words, as decided
    explanation: Mapped[str] = mapped_column(Text, default="")
    tried_partner_ids: Mapped[list] = mapped_column(JSON, default=list)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    lost_reason: Mapped[str] = mapped_column(String(300), default="")
    deal_value: Mapped[float | None] = mapped_column(Float)
    # the SLA claim (directory.leads.sla): due when the partner's time to answer runs out
    sla_state: Mapped[str] = mapped_column(String(12), default=SlaState.DONE.value, index=True)
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    sla_claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    sla_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # a possible channel conflict: the other lead, why, and whether it is still to look at
    conflict_with_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL")
    )
    conflict_reason: Mapped[str] = mapped_column(String(300), default="")
    conflict_open: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    anonymized_at: Mapped[datetime | None] = mapped_column(DateTime)

    partner = relationship("Partner", foreign_keys=[partner_id])
    requested_partner = relationship("Partner", foreign_keys=[requested_partner_id])
    location = relationship("Location")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(LeadStatus(self.status), self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class LeadEvent(Base):
    """What happened to a lead, for the vendor: sent, accepted, declined, timed out, moved."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    partner = relationship("Partner")


class LocatorSearch(Base):
    """One search of the where-to-buy page, for the analytics (no client address is kept)."""

    __tablename__ = "locator_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    query: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    radius_km: Mapped[float | None] = mapped_column(Float)
    results: Mapped[int] = mapped_column(Integer, default=0)
