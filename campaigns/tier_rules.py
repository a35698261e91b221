"""Tiers that campaigns' targeting rules name: the rules follow a new name, live campaigns
take in the partners a new rank brings, and a tier that a campaign still targets by name
cannot be deleted."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from app import audit
from app import validation as v
from app.db import session
from campaigns.membership import sync_all_live_soon
from campaigns.models import Campaign, CampaignStatus
from directory import tiers as tier_ladder

# the campaigns whose rules still decide who gets them
TARGETING_STATUSES = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.LIVE)


def _naming_tier(name: str) -> list[Campaign]:
    """The campaigns whose rules name tier NAME (in "tiers" or as "min_tier")."""
    name = name.lower()
    return [
        campaign
        for campaign in session.execute(select(Campaign).order_by(Campaign.id)).scalars()
        if name in [t.lower() for t in (campaign.targeting or {}).get("tiers") or []]
        or ((campaign.targeting or {}).get("min_tier") or "").lower() == name
    ]


def update_tier(tier, data: Mapping, actor):
    """Change a tier (``directory.tiers.update_tier``). Rules that name it follow a new name,
    and live campaigns take in the partners a new rank brings ("Gold and above"). The
    caller commits."""
    old = tier.name
    tier_ladder.update_tier(tier, data, actor)
    if tier.name != old:
        for campaign in _naming_tier(old):
            rules = dict(campaign.targeting)
            rules["tiers"] = [
                tier.name if t.lower() == old.lower() else t for t in rules.get("tiers") or []
            ]
            if (rules.get("min_tier") or "").lower() == old.lower():
                rules["min_tier"] = tier.name
            audit.record(
                actor,
                "campaign.update",
                campaign,
                changes={"targeting": [campaign.targeting, rules]},
            )
            campaign.targeting = rules
    sync_all_live_soon()
    return tier


def delete_tier(tier, actor) -> None:
    """Delete a tier (``directory.tiers.delete_tier``) unless a campaign that still targets
    (draft, scheduled or live) names it. The caller commits."""
    using = [
        c.name for c in _naming_tier(tier.name) if CampaignStatus(c.status) in TARGETING_STATUSES
    ]
    if using:
        shown = ", ".join(using[:5]) + (f" and {len(using) - 5} more" if len(using) > 5 else "")
        raise v.ValidationFailed(
            {"tier": f"Campaigns target {tier.name}: {shown}. Change their targeting first."}
        )
    tier_ladder.delete_tier(tier, actor)
