"""Action plans: a chosen set of partners handed to something that acts on them.

The scorecard screens pick partners (a quadrant of the 80/20 view, a filtered table) and
hand their ids here. Each destination is one entry of ``DESTINATIONS``: a label, the
choices it offers (id, name) and a function ``add(target_id, partner_ids, actor) -> int``
(how many were new) that changes nothing else and leaves the commit to the caller. A
campaign's include list is the first; a journey's audience is added the same way when
journeys land (``"journey": Destination("A journey's audience", journeys.choices,
journeys.enroll_partners)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from app import audit
from app import validation as v
from app.db import session
from campaigns import lifecycle
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


DESTINATIONS: dict[str, Destination] = {
    "campaign": Destination("A campaign's include list", campaign_choices, add_to_campaign),
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
