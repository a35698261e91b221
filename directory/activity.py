"""The partner activity record: every partner-scoped activity that counts, written once.

Each domain records here, in the same unit of work as the change itself, through one
function::

    from directory import activity
    activity.record(partner_id, activity.LEAD_ACCEPTED, value=response_hours, ref=("lead", id))

The scorecards (``directory.scorecards``) read only this record, the imported metrics and
the partner's profile; they never reach into campaign, lead or journey tables.

Kinds (``KINDS``), with what ``value`` means (1 when it only counts):

- campaigns: ``asset_viewed``, ``asset_previewed``, ``asset_customized``,
  ``asset_downloaded`` (ref ``("campaign", id)``: "campaigns used" counts distinct refs);
- portal: ``portal_login``;
- profile: ``logo_uploaded``, ``location_added``, ``certification_added`` (ref: its name);
- leads (``directory.leads``): ``lead_received``, ``lead_accepted`` (value: hours from
  receipt to acceptance), ``lead_won`` (value: deal amount, or 1), ``lead_lost``
  (ref ``("lead", id)``);
- journeys (``campaigns.journeys``): ``journey_goal_reached`` (value: days from enrollment
  to the goal; ref ``("journey", id)``).
"""

from __future__ import annotations

from datetime import datetime

from app.db import session, utcnow
from directory.activity_models import PartnerActivity

ASSET_VIEWED = "asset_viewed"
ASSET_PREVIEWED = "asset_previewed"
ASSET_CUSTOMIZED = "asset_customized"
ASSET_DOWNLOADED = "asset_downloaded"
PORTAL_LOGIN = "portal_login"
LOGO_UPLOADED = "logo_uploaded"
LOCATION_ADDED = "location_added"
CERTIFICATION_ADDED = "certification_added"
LEAD_RECEIVED = "lead_received"
LEAD_ACCEPTED = "lead_accepted"
LEAD_WON = "lead_won"
LEAD_LOST = "lead_lost"
JOURNEY_GOAL_REACHED = "journey_goal_reached"

KINDS = {
    ASSET_VIEWED: "Asset viewed",
    ASSET_PREVIEWED: "Asset previewed",
    ASSET_CUSTOMIZED: "Asset customized",
    ASSET_DOWNLOADED: "Asset downloaded",
    PORTAL_LOGIN: "Portal sign-in",
    LOGO_UPLOADED: "Logo uploaded",
    LOCATION_ADDED: "Location added",
    CERTIFICATION_ADDED: "Certification added",
    LEAD_RECEIVED: "Lead received",
    LEAD_ACCEPTED: "Lead accepted",
    LEAD_WON: "Lead won",
    LEAD_LOST: "Lead lost",
    JOURNEY_GOAL_REACHED: "Journey goal reached",
}
# the engagement events of campaigns, by their kind there
ENGAGEMENT = {
    "view": ASSET_VIEWED,
    "preview": ASSET_PREVIEWED,
    "customize": ASSET_CUSTOMIZED,
    "download": ASSET_DOWNLOADED,
}


def record(
    partner_id: int,
    kind: str,
    *,
    at: datetime | None = None,
    value: float = 1,
    ref: tuple[str, object] | None = None,
) -> PartnerActivity:
    """Add one activity of PARTNER_ID to the current unit of work (the caller commits).

    AT defaults to now; VALUE is the kind's figure (see the module); REF is what it is
    about, as (type, id).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown activity {kind!r} (kinds: {', '.join(KINDS)})")
    ref_type, ref_id = (ref[0], str(ref[1])[:64]) if ref else (None, None)
    row = PartnerActivity(
        partner_id=partner_id,
        kind=kind,
        occurred_at=at or utcnow(),
        value=float(value),
        ref_type=ref_type,
        ref_id=ref_id,
    )
    session.add(row)
    return row
