"""Partners, their locations and brand kits, and the tier ladder."""

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
    false,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from app.db import Base, utcnow
from app.tenancy import PartnerOwned, PartnerScoped


class PartnerType(enum.StrEnum):
    RESELLER = "reseller"
    DISTRIBUTOR = "distributor"
    MSP = "msp"
    INSTALLER = "installer"
    AGENT = "agent"
    INTEGRATOR = "integrator"
    REFERRAL = "referral"


PARTNER_TYPE_LABELS = {
    PartnerType.RESELLER: "Reseller",
    PartnerType.DISTRIBUTOR: "Distributor",
    PartnerType.MSP: "Managed service provider",
    PartnerType.INSTALLER: "Installer",
    PartnerType.AGENT: "Agent",
    PartnerType.INTEGRATOR: "Systems integrator",
    PartnerType.REFERRAL: "Referral partner",
}


class PartnerStatus(enum.StrEnum):
    PROSPECT = "prospect"
    APPLICANT = "applicant"
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    INACTIVE = "inactive"
    TERMINATED = "terminated"


# Which lifecycle moves are allowed; anything else is refused with a message.
STATUS_TRANSITIONS: dict[PartnerStatus, set[PartnerStatus]] = {
    PartnerStatus.PROSPECT: {
        PartnerStatus.APPLICANT,
        PartnerStatus.ONBOARDING,
        PartnerStatus.TERMINATED,
    },
    PartnerStatus.APPLICANT: {
        PartnerStatus.ONBOARDING,
        PartnerStatus.PROSPECT,
        PartnerStatus.TERMINATED,
    },
    PartnerStatus.ONBOARDING: {
        PartnerStatus.ACTIVE,
        PartnerStatus.INACTIVE,
        PartnerStatus.TERMINATED,
    },
    PartnerStatus.ACTIVE: {PartnerStatus.INACTIVE, PartnerStatus.TERMINATED},
    PartnerStatus.INACTIVE: {PartnerStatus.ACTIVE, PartnerStatus.TERMINATED},
    PartnerStatus.TERMINATED: {PartnerStatus.PROSPECT},
}


class Tier(Base):
    __tablename__ = "tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    rank: Mapped[int] = mapped_column(Integer, unique=True)
    color: Mapped[str] = mapped_column(String(7), default="#64748b")


class Partner(PartnerScoped, Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    type: Mapped[str] = mapped_column(String(30), default=PartnerType.RESELLER.value)
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(
        String(20), default=PartnerStatus.PROSPECT.value, index=True
    )
    status_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    countries: Mapped[list] = mapped_column(JSON, default=list)
    regions: Mapped[list] = mapped_column(JSON, default=list)
    specialties: Mapped[list] = mapped_column(JSON, default=list)
    certifications: Mapped[list] = mapped_column(JSON, default=list)
    # the vendor's own labels (directory.tags): never shown to the partner
    tags: Mapped[list] = mapped_column(JSON, default=list)
    website: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    listed_in_locator: Mapped[bool] = mapped_column(Boolean, default=False)
    # the public profile (where-to-buy): what the partner offers and speaks
    services: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    channel_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    tier: Mapped[Tier | None] = relationship()
    channel_manager = relationship("User", foreign_keys=[channel_manager_id])
    locations: Mapped[list[Location]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="Location.id"
    )
    brand_kit: Mapped[BrandKit | None] = relationship(
        back_populates="partner", cascade="all, delete-orphan", uselist=False
    )
    status_history: Mapped[list[PartnerStatusChange]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerStatusChange.id"
    )

    # A partner row is in scope when it is the scoped partner itself.
    partner_scope_id = synonym("id")


class PartnerStatusChange(PartnerOwned, Base):
    __tablename__ = "partner_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")

    partner: Mapped[Partner] = relationship(back_populates="status_history")


class GeocodeState(enum.StrEnum):
    """How a location's coordinates were found (none yet: pending; none found: failed)."""

    PENDING = "pending"
    EXACT = "exact"
    CITY = "city"
    FAILED = "failed"
    MANUAL = "manual"


GEOCODE_STATE_LABELS = {
    GeocodeState.PENDING: "Being located",
    GeocodeState.EXACT: "Exact address",
    GeocodeState.CITY: "City centre only",
    GeocodeState.FAILED: "Not found",
    GeocodeState.MANUAL: "Pin placed by hand",
}


class Location(PartnerOwned, Base):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(120), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    region: Mapped[str] = mapped_column(String(120), default="")
    country_code: Mapped[str] = mapped_column(String(2), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    # schema.org notation, one range a line ("Mo-Fr 09:00-18:00")
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    geocode_state: Mapped[str] = mapped_column(
        String(10), default=GeocodeState.PENDING.value, index=True
    )
    geocoded_at: Mapped[datetime | None] = mapped_column(DateTime)
    geocode_note: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # counts the row's updates, in the database (one web machine's clock may lag another's):
    # the sum over a partner's locations is part of every render's inputs stamp
    version: Mapped[int] = mapped_column(Integer, default=1, onupdate=literal_column("version") + 1)
    # what the locator's search needs of the partner, kept by the database's triggers
    # (migration 0017) whoever writes the partner or the location; never set or read here
    # (deferred: a partner's list holding text an older version let in, such as a lone
    # surrogate, may be in search_tags as bytes that are not UTF-8 on SQLite)
    search_listed: Mapped[bool] = mapped_column(Boolean, server_default=false(), deferred=True)
    search_tier_id: Mapped[int | None] = mapped_column(Integer, deferred=True)
    search_tags: Mapped[str] = mapped_column(Text, server_default=text("''"), deferred=True)

    partner: Mapped[Partner] = relationship(back_populates="locations")

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def geocode_label(self) -> str:
        return GEOCODE_STATE_LABELS.get(GeocodeState(self.geocode_state), self.geocode_state)


class BrandKit(PartnerOwned, Base):
    __tablename__ = "brand_kits"
    __table_args__ = (UniqueConstraint("partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    logo_key: Mapped[str | None] = mapped_column(String(200))
    logo_mime: Mapped[str | None] = mapped_column(String(40))
    logo_trimmed_key: Mapped[str | None] = mapped_column(String(200))
    logo_thumb_key: Mapped[str | None] = mapped_column(String(200))
    logo_width: Mapped[int | None] = mapped_column(Integer)
    logo_height: Mapped[int | None] = mapped_column(Integer)
    logo_colors: Mapped[list] = mapped_column(JSON, default=list)
    primary_color: Mapped[str] = mapped_column(String(7), default="#1f2937")
    secondary_color: Mapped[str] = mapped_column(String(7), default="#2563eb")
    tagline: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_website: Mapped[str] = mapped_column(String(300), default="")
    contact_address: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    partner: Mapped[Partner] = relationship(back_populates="brand_kit")

    __mapper_args__ = {"version_id_col": version}


class PartnerPicture(PartnerOwned, Base):
    """A picture a partner uploaded for the image fields of campaign assets: its library.

    The file is stored by content under the partner's own prefix (``campaigns.pictures``);
    the row is what lists it and says whose it is.
    """

    __tablename__ = "partner_pictures"
    __table_args__ = (UniqueConstraint("partner_id", "storage_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
