"""A campaign's lifecycle: create and edit, schedule, launch (idempotent), end and archive.

Create and edit functions add to the current unit of work and leave the commit to the
caller, like the rest of the domain. The actions that take a campaign id (launch, schedule,
unschedule, end, archive) commit the unit of work themselves; the tasks they hand to the
workers are sent after that commit (``campaigns.dispatch``), so a worker never looks for
rows that are not there yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from sqlalchemy import select

from app import audit
from app import validation as v
from app.db import session, utcnow
from campaigns import dispatch, targeting
from campaigns.lookup import _locked
from campaigns.membership import TargetingResult, _action, _target
from campaigns.models import STATUS_TRANSITIONS, Campaign, CampaignStatus, Objective

log = logging.getLogger(__name__)

OBJECTIVES = [o.value for o in Objective]
EDITABLE_STATUSES = {
    CampaignStatus.DRAFT,
    CampaignStatus.SCHEDULED,
    CampaignStatus.LIVE,
    CampaignStatus.ENDED,
}


# --- cleaning ---------------------------------------------------------------------------


def _date(value, *, label: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = v.text(value, max_length=10, label=label)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise v.Invalid(f"{label} '{text}' is not a date (use YYYY-MM-DD).") from exc


CAMPAIGN_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "name": partial(v.text, max_length=200, required=True, label="The name"),
    "description": partial(v.text, max_length=5000, label="The description"),
    "objective": partial(v.choice, options=OBJECTIVES, label="The objective"),
    "starts_on": partial(_date, label="The start date"),
    "ends_on": partial(_date, label="The end date"),
    "include_partner_ids": partial(targeting.clean_partner_ids, label="The partners to include"),
    "exclude_partner_ids": partial(targeting.clean_partner_ids, label="The partners to exclude"),
}


def clean_campaign_data(data: Mapping, *, creating: bool, current: Campaign | None = None) -> dict:
    """Model attributes from outside data; ValidationFailed listing every error.

    Targeting rule errors are reported as ``targeting.<rule>``.
    """
    if creating and "name" not in data:
        data = {**data, "name": ""}
    errors: dict[str, str] = {}
    try:
        clean = v.collect(CAMPAIGN_CLEANERS, data)
    except v.ValidationFailed as exc:
        clean, errors = {}, dict(exc.errors)
    if "targeting" in data:
        try:
            clean["targeting"] = targeting.validate_rules(data.get("targeting"))
        except v.ValidationFailed as exc:
            errors.update({f"targeting.{name}": msg for name, msg in exc.errors.items()})
    elif creating:
        clean["targeting"] = targeting.validate_rules({})
    starts = clean.get("starts_on", current.starts_on if current else None)
    ends = clean.get("ends_on", current.ends_on if current else None)
    if starts and ends and ends < starts and "ends_on" not in errors:
        errors["ends_on"] = "The end date is before the start date."
    if errors:
        raise v.ValidationFailed(errors)
    return clean


def _snapshot(campaign: Campaign) -> dict:
    return {key: getattr(campaign, key) for key in (*CAMPAIGN_CLEANERS, "targeting", "status")}


def _check_editable(campaign: Campaign) -> None:
    if CampaignStatus(campaign.status) not in EDITABLE_STATUSES:
        raise v.ValidationFailed({"status": "An archived campaign cannot be changed."})


# --- campaigns --------------------------------------------------------------------------


def create_campaign(data: Mapping, actor) -> Campaign:
    """A draft campaign from outside data (name, description, objective, dates, targeting,
    include_partner_ids, exclude_partner_ids)."""
    clean = clean_campaign_data(data, creating=True)
    campaign = Campaign(
        status=CampaignStatus.DRAFT.value, created_by_id=getattr(actor, "id", None), **clean
    )
    session.add(campaign)
    session.flush()
    audit.record(actor, "campaign.create", campaign, changes=audit.diff({}, _snapshot(campaign)))
    return campaign


def update_campaign(campaign: Campaign, data: Mapping, actor) -> Campaign:
    """Change the fields present in DATA. New targeting of a live campaign adds the partners
    it newly matches at the next sync, and partners it no longer matches leave it."""
    _check_editable(campaign)
    clean = clean_campaign_data(data, creating=False, current=campaign)
    before = _snapshot(campaign)
    for key, value in clean.items():
        setattr(campaign, key, value)
    changes = audit.diff(before, _snapshot(campaign))
    if changes:
        audit.record(actor, "campaign.update", campaign, changes=changes)
        targeting_keys = ("targeting", "include_partner_ids", "exclude_partner_ids")
        if campaign.status == CampaignStatus.LIVE.value and any(
            k in changes for k in targeting_keys
        ):
            dispatch.queue_task("sync_targets", [campaign.id])
    return campaign


def _move(campaign: Campaign, new: CampaignStatus, actor, **changes) -> None:
    old = CampaignStatus(campaign.status)
    if new == old:
        raise v.ValidationFailed({"status": f"The campaign is already {old.value}."})
    if new not in STATUS_TRANSITIONS[old]:
        allowed = ", ".join(sorted(s.value for s in STATUS_TRANSITIONS[old])) or "none"
        raise v.ValidationFailed(
            {
                "status": (
                    f"A campaign cannot go from {old.value} to {new.value} (allowed: {allowed})."
                )
            }
        )
    campaign.status = new.value
    audit.record(
        actor,
        f"campaign.{new.value}",
        campaign,
        changes={"status": [old.value, new.value], **changes},
    )


def _require_assets(campaign: Campaign) -> None:
    if not campaign.assets:
        raise v.ValidationFailed({"assets": "Add at least one asset before launching."})


def launch(campaign_id: int, actor=None) -> TargetingResult:
    """Put the campaign live for the partners it matches. Idempotent: calling it again (or
    on a live campaign) only adds partners that match now and were not targeted yet.

    Commits; the render tasks are sent after the commit.
    """

    def action() -> TargetingResult:
        campaign = _locked(campaign_id)
        status = CampaignStatus(campaign.status)
        if status != CampaignStatus.LIVE and CampaignStatus.LIVE not in STATUS_TRANSITIONS[status]:
            raise v.ValidationFailed(
                {"status": f"The campaign is {status.value}; it cannot be launched."}
            )
        _require_assets(campaign)
        if campaign.ends_on and campaign.ends_on < utcnow().date():
            raise v.ValidationFailed(
                {"ends_on": f"The campaign ended on {campaign.ends_on}; change its end date first."}
            )
        source = "late" if campaign.launched_at else "launch"
        result = _target(campaign, targeting.matching_ids(campaign), source)
        if status != CampaignStatus.LIVE:
            _move(campaign, CampaignStatus.LIVE, actor, partners_added=result.partners_added)
            campaign.launched_at = campaign.launched_at or utcnow()
            campaign.scheduled_at = None
        session.commit()
        return result

    return _action(action)


def _naive_utc(when: datetime) -> datetime:
    if when.tzinfo is not None:
        try:
            when = when.astimezone(UTC).replace(tzinfo=None)
        except OverflowError as exc:  # e.g. 9999-12-31T23:00-05:00 is past year 9999 in UTC
            raise v.ValidationFailed({"scheduled_at": "The launch time is out of range."}) from exc
    return when


def schedule(campaign_id: int, when: datetime, actor=None) -> Campaign:
    """Launch the campaign at WHEN (UTC when naive). Commits; sends a launch task with that
    ETA, and the beat's ``launch_due_campaigns`` launches it should that task be lost."""
    if not isinstance(when, datetime):
        raise v.ValidationFailed({"scheduled_at": "The launch time is not a date and time."})
    when = _naive_utc(when)
    if when <= utcnow():
        raise v.ValidationFailed(
            {"scheduled_at": "The launch time has passed; launch the campaign now instead."}
        )

    def action() -> Campaign:
        campaign = _locked(campaign_id)
        _require_assets(campaign)
        if campaign.status == CampaignStatus.SCHEDULED.value:
            old = campaign.scheduled_at.isoformat() if campaign.scheduled_at else None
            changes = {"scheduled_at": [old, when.isoformat()]}
            audit.record(actor, "campaign.reschedule", campaign, changes=changes)
        else:
            _move(campaign, CampaignStatus.SCHEDULED, actor, scheduled_at=[None, when.isoformat()])
        campaign.scheduled_at = when
        dispatch.queue_task("launch", [campaign.id], eta=when)
        session.commit()
        return campaign

    return _action(action)


def _move_to(campaign_id: int, status: CampaignStatus, actor) -> Campaign:
    def action() -> Campaign:
        campaign = _locked(campaign_id)
        _move(campaign, status, actor)
        if status in (CampaignStatus.DRAFT, CampaignStatus.ARCHIVED):
            campaign.scheduled_at = None
        session.commit()
        return campaign

    return _action(action)


def unschedule(campaign_id: int, actor=None) -> Campaign:
    """Back to draft; a launch task still queued finds nothing to do. Commits."""
    return _move_to(campaign_id, CampaignStatus.DRAFT, actor)


def launch_if_due(campaign_id: int, now: datetime | None = None) -> bool:
    """Launch the campaign if it is scheduled and its time has come (the ETA task)."""
    now = now or utcnow()
    campaign = session.get(Campaign, campaign_id, populate_existing=True)
    if (
        campaign is None
        or campaign.status != CampaignStatus.SCHEDULED.value
        or campaign.scheduled_at is None
        or campaign.scheduled_at > now
    ):
        session.commit()
        return False
    try:
        launch(campaign_id, "scheduler")
    except v.ValidationFailed as exc:
        # e.g. its assets were removed since: back to draft, so the beat stops trying
        session.rollback()
        campaign = _locked(campaign_id)
        _move(campaign, CampaignStatus.DRAFT, "scheduler", reason="; ".join(exc.errors.values()))
        campaign.scheduled_at = None
        session.commit()
        log.warning("scheduled launch of campaign %s refused: %s", campaign_id, exc)
        return False
    return True


def launch_due_campaigns(now: datetime | None = None) -> list[int]:
    """Launch every scheduled campaign whose time has passed (the beat task); their ids."""
    now = now or utcnow()
    due = list(
        session.execute(
            select(Campaign.id)
            .where(
                Campaign.status == CampaignStatus.SCHEDULED.value,
                Campaign.scheduled_at <= now,
            )
            .order_by(Campaign.scheduled_at, Campaign.id)
        ).scalars()
    )
    session.commit()
    launched = []
    for campaign_id in due:
        try:
            if launch_if_due(campaign_id, now):
                launched.append(campaign_id)
        except Exception:  # noqa: BLE001 - one broken campaign must not stop the others
            session.rollback()
            log.exception("scheduled launch of campaign %s failed", campaign_id)
    return launched


def end_campaign(campaign_id: int, actor=None) -> Campaign:
    """Live to ended: partners no longer see it (their renders are kept). Commits."""
    return _move_to(campaign_id, CampaignStatus.ENDED, actor)


def archive_campaign(campaign_id: int, actor=None) -> Campaign:
    """Out of the way for good (from draft, scheduled or ended). Commits."""
    return _move_to(campaign_id, CampaignStatus.ARCHIVED, actor)


def end_expired_campaigns(today: date | None = None) -> list[int]:
    """End live campaigns whose end date has passed (the beat task); their ids."""
    today = today or utcnow().date()
    expired = list(
        session.execute(
            select(Campaign.id).where(
                Campaign.status == CampaignStatus.LIVE.value, Campaign.ends_on < today
            )
        ).scalars()
    )
    session.commit()
    for campaign_id in expired:
        end_campaign(campaign_id, "scheduler")
    return expired
