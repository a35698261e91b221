"""People and program-wide rows: users, invitations, API tokens, audit log, program settings."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, session, utcnow
from app.tenancy import PartnerOwned


class Role(enum.StrEnum):
    ADMIN = "admin"
    MARKETER = "marketer"
    CHANNEL_MANAGER = "channel_manager"
    PARTNER_ADMIN = "partner_admin"
    PARTNER_MEMBER = "partner_member"


VENDOR_ROLES = frozenset({Role.ADMIN, Role.MARKETER, Role.CHANNEL_MANAGER})
PARTNER_ROLES = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_MEMBER})
ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.MARKETER: "Channel marketer",
    Role.CHANNEL_MANAGER: "Channel manager",
    Role.PARTNER_ADMIN: "Partner admin",
    Role.PARTNER_MEMBER: "Partner member",
}


class User(UserMixin, PartnerOwned, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(30))
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # changes whenever the password changes: invalidates reset links and other sessions
    session_nonce: Mapped[str] = mapped_column(String(32), default="")

    partner = relationship("Partner", foreign_keys=[partner_id])

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_vendor(self) -> bool:
        return self.role in VENDOR_ROLES

    @property
    def is_partner_user(self) -> bool:
        return self.role in PARTNER_ROLES

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(Role(self.role), self.role)


class Invitation(PartnerOwned, Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(30))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    partner = relationship("Partner")
    invited_by = relationship("User", foreign_keys=[invited_by_id])

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at < utcnow():
            return "expired"
        return "pending"


class ApiToken(PartnerOwned, Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class AuditEntry(PartnerOwned, Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(60), default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


class ProgramSettings(Base):
    """The vendor's program: its name and the white-label theme of portal and public pages."""

    __tablename__ = "program_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_name: Mapped[str] = mapped_column(String(120), default="Tandem")
    program_name: Mapped[str] = mapped_column(String(120), default="Partner Program")
    logo_key: Mapped[str | None] = mapped_column(String(200))
    primary_color: Mapped[str] = mapped_column(String(7), default="#1e3a8a")
    secondary_color: Mapped[str] = mapped_column(String(7), default="#0ea5e9")
    support_email: Mapped[str] = mapped_column(String(254), default="")
    welcome_text: Mapped[str] = mapped_column(Text, default="")
    # the where-to-buy locator: its order ("distance" or "tier": distance with a boost of
    # locator_tier_boost_km per tier rank step), default radius, and whether partners'
    # profile changes wait for a vendor's approval
    locator_sort: Mapped[str] = mapped_column(String(10), default="distance")
    locator_tier_boost_km: Mapped[float] = mapped_column(Float, default=5.0)
    locator_radius_km: Mapped[int] = mapped_column(Integer, default=50)
    profile_changes_need_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @classmethod
    def saved(cls) -> ProgramSettings | None:
        """The program's settings row, if one was saved (the first, should there be more)."""
        return session.execute(select(cls).order_by(cls.id).limit(1)).scalars().first()

    @classmethod
    def with_defaults(cls) -> ProgramSettings:
        """Unsaved settings with the column defaults filled in (they apply only on insert)."""
        return cls(
            **{
                column.key: column.default.arg
                for column in cls.__table__.columns
                if column.default is not None and not callable(column.default.arg)
            }
        )


class MailMessage(Base):
    """Every outgoing email. With the default MAIL_URL it stays here as the outbox."""

    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(30), default="transactional")
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str] = mapped_column(Text, default="")
    # when a worker took it to send ('sending'); a claim this old was left by a dead worker
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # when the beat's sweep last handed it to the workers again
    handed_at: Mapped[datetime | None] = mapped_column(DateTime)


class MailRateWindow(Base):
    """How many messages the workers took to send in one minute (``MAIL_RATE_PER_MINUTE``): one
    row per minute, its count raised by a conditional UPDATE, so several workers share it."""

    __tablename__ = "mail_rate_windows"

    minute: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    sent: Mapped[int] = mapped_column(Integer, default=0)


class Suppression(Base):
    """Addresses that must not receive marketing email (unsubscribed, bounced, complained)."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    reason: Mapped[str] = mapped_column(String(40), default="unsubscribed")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
