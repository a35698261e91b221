"""Action plans: a chosen set of partners handed to something that acts on them.

The scorecard screens pick partners (a quadrant of the 80/20 view, a filtered table) and
hand their ids here. Each destination is one entry of ``DESTINATIONS``: a label, the
choices it offers (id, name) and a function ``add(target_id, partner_ids, actor) -> int``
(how many were new) that changes nothing else and leaves the commit to the caller. A
campaign's include list, and a live partner journey (the partners are enrolled by hand, its
entry and re-entry rules honoured).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from app import audit
from app import validation as v
from app.db import session
from campaigns import lifecycle
from campaigns.journeys import lifecycle as journey_lifecycle
from campaigns.journeys.models import Journey, JourneyStatus, JourneyVersion
from campaigns.models import Campaign, CampaignStatus

OPEN_STATUSES = (
    CampaignStatus.DRAFT.value,
    CampaignStatus.SCHEDULED.value,
    CampaignStatus.LIVE.value,
)


@dataclass(frozen=True)
class Destination:
    label: str
    choices: Callable[[], list[tuple[int, str]]]
    add: Callable[[int, list[int], object], int]


def campaign_choices() -> list[tuple[int, str]]:
    """The campaigns partners can still be added to (draft, scheduled, live)."""
    return list(
        session.execute(
            select(Campaign.id, Campaign.name)
            .where(Campaign.status.in_(OPEN_STATUSES))
            .order_by(Campaign.name, Campaign.id)
        ).all()
    )


def add_to_campaign(campaign_id: int, partner_ids: list[int], actor) -> int:
    """Add PARTNER_IDS to the campaign's include list (a live campaign targets them at its
    next sync); how many were not on it yet."""
    campaign = session.get(Campaign, campaign_id) if v.is_row_id(campaign_id) else None
    if campaign is None or campaign.status not in OPEN_STATUSES:
        raise v.ValidationFailed({"target": "Choose a draft, scheduled or live campaign."})
    current = list(campaign.include_partner_ids or [])
    new = [pid for pid in dict.fromkeys(partner_ids) if pid not in current]
    if new:
        lifecycle.update_campaign(campaign, {"include_partner_ids": current + new}, actor)
    return len(new)


def journey_choices() -> list[tuple[int, str]]:
    """The live journeys whose audience is partners."""
    rows = session.execute(
        select(Journey.id, Journey.name, JourneyVersion.definition)
        .join(JourneyVersion, JourneyVersion.id == Journey.current_version_id)
        .where(Journey.status == JourneyStatus.LIVE.value)
        .order_by(Journey.name, Journey.id)
    ).all()
    return [
        (journey_id, name)
        for journey_id, name, definition in rows
        if ((definition or {}).get("audience") or {}).get("kind", "partners") == "partners"
    ]


def add_to_journey(journey_id: int, partner_ids: list[int], actor) -> int:
    """Enroll PARTNER_IDS in the live journey; how many were enrolled (the others were inside
    already or may not enter again)."""
    journey = session.get(Journey, journey_id) if v.is_row_id(journey_id) else None
    if journey is None or journey_id not in {i for i, _name in journey_choices()}:
        raise v.ValidationFailed({"target": "Choose a live journey for partners."})
    return journey_lifecycle.enroll_many(journey, actor, partner_ids=partner_ids)["enrolled"]


DESTINATIONS: dict[str, Destination] = {
    "campaign": Destination("A campaign's include list", campaign_choices, add_to_campaign),
    "journey": Destination("A journey (enroll them)", journey_choices, add_to_journey),
}


def hand_over(kind: str, target_id: int, partner_ids: list[int], actor) -> int:
    """Send PARTNER_IDS to destination KIND's TARGET_ID (the caller commits)."""
    destination = DESTINATIONS.get(kind)
    if destination is None:
        raise v.ValidationFailed({"kind": "Choose where to send the partners."})
    if not partner_ids:
        raise v.ValidationFailed({"partners": "No partners are in this group."})
    added = destination.add(target_id, list(partner_ids), actor)
    audit.record(
        actor,
        "action_plan.hand_over",
        kind,
        changes={"target": [None, target_id], "partners": [None, len(partner_ids)]},
    )
    return added
