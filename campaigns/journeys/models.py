"""Journeys: definitions and their versions, enrollments, step runs, sends; prospects and
applications.

A journey's definition is JSON (see ``campaigns.journeys.definition``): an audience, an entry
trigger, steps with stable ids, exit rules and a re-entry rule. Publishing freezes the draft
into a numbered ``JourneyVersion``; an enrollment runs on one version.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
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


class JourneyStatus(enum.StrEnum):
    DRAFT = "draft"
    LIVE = "live"
    PAUSED = "paused"
    STOPPED = "stopped"


JOURNEY_STATUS_LABELS = {
    JourneyStatus.DRAFT: "Draft",
    JourneyStatus.LIVE: "Live",
    JourneyStatus.PAUSED: "Paused",
    JourneyStatus.STOPPED: "Stopped",
}


class EnrollmentState(enum.StrEnum):
    ACTIVE = "active"  # waiting for next_run_at
    RUNNING = "running"  # claimed by a worker (lease from claimed_at)
    PAUSED = "paused"  # its journey is paused
    DONE = "done"  # finished; see exit_reason


class ExitReason(enum.StrEnum):
    COMPLETED = "completed"
    GOAL = "goal"
    LEFT_AUDIENCE = "left_audience"
    UNSUBSCRIBED = "unsubscribed"
    STOPPED = "stopped"
    FAILED = "failed"


EXIT_REASON_LABELS = {
    ExitReason.COMPLETED: "Reached the end",
    ExitReason.GOAL: "Reached the goal",
    ExitReason.LEFT_AUDIENCE: "Left the audience",
    ExitReason.UNSUBSCRIBED: "Unsubscribed",
    ExitReason.STOPPED: "Journey stopped",
    ExitReason.FAILED: "A step failed",
}


class Journey(Base):
    __tablename__ = "journeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=JourneyStatus.DRAFT.value, index=True)
    # the definition being edited; publishing copies it into a new version
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("journey_versions.id", ondelete="SET NULL", use_alter=True)
    )
    # set when the journey was copied from a starter (its key)
    starter: Mapped[str] = mapped_column(String(40), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)

    current_version: Mapped[JourneyVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    def __repr__(self) -> str:
        return f"<Journey {self.id} {self.name!r} ({self.status})>"


class JourneyVersion(Base):
    """A published, frozen definition. Enrollments point at the version they run on."""

    __tablename__ = "journey_versions"
    __table_args__ = (UniqueConstraint("journey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    journey: Mapped[Journey] = relationship(foreign_keys=[journey_id])


class Enrollment(Base):
    """One subject (a partner or a prospect) going through one journey, on one version.

    Claimed by the engine's tick with ``app.claims`` (state active -> running, lease from
    ``claimed_at``); ``seq`` counts the steps executed and is part of every step's unique
    key, so a step is executed once even when two workers raced for the row.
    """

    __tablename__ = "journey_enrollments"
    __table_args__ = (
        Index("ix_journey_enrollments_state_next_run_at", "state", "next_run_at"),
        Index("ix_journey_enrollments_partner_state", "partner_id", "state"),
        Index("ix_journey_enrollments_prospect_state", "prospect_id", "state"),
        Index("ix_journey_enrollments_journey_state", "journey_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("journey_versions.id", ondelete="CASCADE"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    prospect_id: Mapped[int | None] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    # the step to execute when next_run_at comes; None once done
    step_id: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10), default=EnrollmentState.ACTIVE.value)
    exit_reason: Mapped[str] = mapped_column(String(20), default="")
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime)
    # when the current step began (a wait measures from it)
    step_started_at: Mapped[datetime | None] = mapped_column(DateTime)
    # a wait that an event can end early (e.g. "clicked"): set while waiting on it
    waiting_on: Mapped[str] = mapped_column(String(40), default="")
    # how many steps were executed: the fence and part of each step's unique key
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # the claim (app.claims): when a worker took it, and how many times it was taken
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # how the subject entered: 'trigger:<event>', 'audience', 'manual', 'api', 'date'
    source: Mapped[str] = mapped_column(String(40), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    entered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    goal_reached_at: Mapped[datetime | None] = mapped_column(DateTime)

    journey: Mapped[Journey] = relationship()
    version: Mapped[JourneyVersion] = relationship()
    partner = relationship("Partner")
    prospect: Mapped[Prospect | None] = relationship()


class StepRun(Base):
    """The path of an enrollment: one row per step executed (unique per enrollment and seq)."""

    __tablename__ = "journey_step_runs"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "seq"),
        Index("ix_journey_step_runs_journey_step", "journey_id", "step_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("journey_enrollments.id", ondelete="CASCADE")
    )
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    # what happened: 'sent', 'postponed', 'branch:<id>', 'waited', 'updated', ...
    outcome: Mapped[str] = mapped_column(String(60), default="")
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    ran_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class JourneySend(Base):
    """One email of a journey step to one subject, with its tracking.

    ``key`` is unique per (enrollment, step, seq): the outbox row is written in the same
    transaction, so a redelivered task or a second worker can never send it twice.
    """

    __tablename__ = "journey_sends"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_journey_sends_journey_step", "journey_id", "step_id"),
        Index("ix_journey_sends_to_sent", "to_address", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("journey_enrollments.id", ondelete="CASCADE"), index=True
    )
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    prospect_id: Mapped[int | None] = mapped_column(
        ForeignKey("prospects.id", ondelete="CASCADE"), index=True
    )
    mail_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_messages.id", ondelete="SET NULL")
    )
    to_address: Mapped[str] = mapped_column(String(254))
    # 'queued' (in the outbox), 'suppressed', 'test'
    status: Mapped[str] = mapped_column(String(20), default="queued")
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    opens: Mapped[int] = mapped_column(Integer, default=0)
    # every open so far came from a mail-privacy proxy (Apple, Google image proxy)
    opened_by_proxy: Mapped[bool] = mapped_column(Boolean, default=False)
    clicked_at: Mapped[datetime | None] = mapped_column(DateTime)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime)

    mail_message = relationship("MailMessage")


class ProspectStatus(enum.StrEnum):
    NEW = "new"
    INVITED = "invited"
    APPLIED = "applied"
    PARTNER = "partner"
    DECLINED = "declined"
    UNSUBSCRIBED = "unsubscribed"


PROSPECT_STATUS_LABELS = {
    ProspectStatus.NEW: "New",
    ProspectStatus.INVITED: "Invited",
    ProspectStatus.APPLIED: "Applied",
    ProspectStatus.PARTNER: "Became a partner",
    ProspectStatus.DECLINED: "Declined",
    ProspectStatus.UNSUBSCRIBED: "Unsubscribed",
}


class Prospect(Base):
    """A company the vendor would like as a partner (recruitment journeys address them)."""

    __tablename__ = "prospects"

    id: Mapped[int] = mapped_column(primary_key=True)
    company: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), index=True)
    country: Mapped[str] = mapped_column(String(2), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    # the company's domain (from the website, else the email): duplicates are flagged by it
    domain: Mapped[str] = mapped_column(String(200), default="", index=True)
    time_zone: Mapped[str] = mapped_column(String(60), default="")
    source: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(20), default=ProspectStatus.NEW.value, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ApplicationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    DECLINED = "declined"


APPLICATION_STATUS_LABELS = {
    ApplicationStatus.SUBMITTED: "Waiting for review",
    ApplicationStatus.APPROVED: "Approved",
    ApplicationStatus.DECLINED: "Declined",
}


class Application(Base):
    """An application to join the partner program, from the public form."""

    __tablename__ = "partner_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    company: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    domain: Mapped[str] = mapped_column(String(200), default="", index=True)
    partner_type: Mapped[str] = mapped_column(String(30), default="")
    specialties: Mapped[list] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    consent_text: Mapped[str] = mapped_column(Text, default="")
    consent_given_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(
        String(20), default=ApplicationStatus.SUBMITTED.value, index=True
    )
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    prospect_id: Mapped[int | None] = mapped_column(
        ForeignKey("prospects.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    prospect: Mapped[Prospect | None] = relationship()
    partner = relationship("Partner")
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
