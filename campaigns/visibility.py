"""Which campaigns a partner sees: the portal's single rule.

A partner sees a campaign while the campaign is live and the partner is targeted by it
(a CampaignPartner row, made at launch or when it joined later, and not marked as left
because the partner stopped matching). Nothing else decides.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, joinedload

from app.db import session
from campaigns.models import Campaign, CampaignAsset, CampaignPartner, CampaignStatus


def _seen_by(query: Select, partner_id: int) -> Select:
    """QUERY (which selects from campaigns) narrowed to what PARTNER_ID may see now."""
    return query.join(CampaignPartner, CampaignPartner.campaign_id == Campaign.id).where(
        CampaignPartner.partner_id == partner_id,
        CampaignPartner.left_at.is_(None),
        Campaign.status == CampaignStatus.LIVE.value,
    )


def _visible(partner_id: int) -> Select[tuple[Campaign]]:
    return _seen_by(select(Campaign), partner_id)


def live_campaigns_for(partner_id: int) -> list[Campaign]:
    """The live campaigns that target PARTNER_ID, newest launch first."""
    query = _visible(partner_id).order_by(Campaign.launched_at.desc(), Campaign.id.desc())
    return list(session.execute(query).scalars())


def campaign_for_partner(campaign_id: int, partner_id: int) -> Campaign | None:
    """The campaign if PARTNER_ID may see it now, else None (answer 404)."""
    return session.execute(
        _visible(partner_id).where(Campaign.id == campaign_id)
    ).scalar_one_or_none()


def asset_for_partner(asset_id: int, partner_id: int) -> CampaignAsset | None:
    """The asset if its campaign is visible to PARTNER_ID, else None.

    One query, which also loads the campaign and the template version the asset's views
    read next.
    """
    query = (
        select(CampaignAsset)
        .join(CampaignAsset.campaign)
        .where(CampaignAsset.id == asset_id)
        .options(contains_eager(CampaignAsset.campaign), joinedload(CampaignAsset.template_version))
    )
    return session.execute(_seen_by(query, partner_id)).unique().scalar_one_or_none()
