"""The campaigns on the marketer's home: live ones with their latest numbers, scheduled ones
and drafts, each list short, from a few queries whatever the number of campaigns."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.db import session
from campaigns import events
from campaigns.models import (
    Campaign,
    CampaignPartner,
    CampaignStatus,
    EngagementEvent,
)

ENGAGEMENT = events.ENGAGEMENT


@dataclass
class LiveCampaign:
    campaign: Campaign
    targeted: int
    partners: dict[str, int] = field(default_factory=dict)  # kind: distinct partners


@dataclass
class HomeCampaigns:
    live: list[LiveCampaign]
    scheduled: list[Campaign]
    drafts: list[Campaign]
    totals: dict[str, int]  # status: number of campaigns

    @property
    def empty(self) -> bool:
        return not any(self.totals.values())


def _first(status: CampaignStatus, order, limit: int) -> list[Campaign]:
    return list(
        session.execute(
            select(Campaign)
            .where(Campaign.status == status.value)
            .order_by(*order, Campaign.id.desc())
            .limit(limit)
        ).scalars()
    )


def home_campaigns(limit: int = 5) -> HomeCampaigns:
    """The LIMIT latest live campaigns with how many partners they target and how many of
    those viewed, customized and downloaded; the next scheduled ones; the latest drafts."""
    totals = dict(
        session.execute(select(Campaign.status, func.count()).group_by(Campaign.status)).all()
    )
    live = _first(CampaignStatus.LIVE, (Campaign.launched_at.desc(),), limit)
    ids = [c.id for c in live]
    targeted: dict[int, int] = {}
    engaged: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        targeted = dict(
            session.execute(
                select(CampaignPartner.campaign_id, func.count())
                .where(CampaignPartner.campaign_id.in_(ids), CampaignPartner.left_at.is_(None))
                .group_by(CampaignPartner.campaign_id)
            ).all()
        )
        for campaign_id, kind, partners in session.execute(
            select(
                EngagementEvent.campaign_id,
                EngagementEvent.kind,
                func.count(func.distinct(EngagementEvent.partner_id)),
            )
            .where(EngagementEvent.campaign_id.in_(ids), EngagementEvent.kind.in_(ENGAGEMENT))
            .group_by(EngagementEvent.campaign_id, EngagementEvent.kind)
        ):
            engaged[campaign_id][kind] = partners
    return HomeCampaigns(
        live=[
            LiveCampaign(
                c,
                targeted.get(c.id, 0),
                {kind: engaged[c.id].get(kind, 0) for kind in ENGAGEMENT},
            )
            for c in live
        ],
        scheduled=_first(CampaignStatus.SCHEDULED, (Campaign.scheduled_at.asc(),), limit),
        drafts=_first(CampaignStatus.DRAFT, (Campaign.created_at.desc(),), limit),
        totals={s.value: totals.get(s.value, 0) for s in CampaignStatus},
    )
