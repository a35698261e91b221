"""Finding campaigns: by id (``CampaignNotFound`` when there is none), locked for a change,
and the list of them."""

from __future__ import annotations

from sqlalchemy import select

from app.db import session
from campaigns.models import Campaign


class CampaignNotFound(LookupError):
    pass


def get_campaign(campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound(f"no campaign {campaign_id}")
    return campaign


def list_campaigns(status: str | None = None) -> list[Campaign]:
    query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if status:
        query = query.where(Campaign.status == status)
    return list(session.execute(query).scalars())


def _locked(campaign_id: int) -> Campaign:
    """The campaign, its row locked until commit on PostgreSQL: targeting changes of one
    campaign (launch, syncs) run one at a time."""
    campaign = session.execute(
        select(Campaign)
        .where(Campaign.id == campaign_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if campaign is None:
        raise CampaignNotFound(f"no campaign {campaign_id}")
    return campaign
