"""Lookups that the portal and the API share: the acting partner, its campaigns and assets."""

from __future__ import annotations

from flask import abort

from app.db import session
from app.web.access import acting_user
from campaigns import events, visibility
from campaigns.models import Campaign, CampaignAsset, EventKind
from directory.models import Partner


def my_partner() -> Partner:
    """The partner of the acting partner user (session or API token), or 404."""
    partner = session.get(Partner, acting_user().partner_id)
    if partner is None:
        abort(404)
    return partner


def visible_campaign_or_404(campaign_id: int) -> Campaign:
    """A campaign the acting partner may see (campaigns.visibility decides), or 404."""
    campaign = visibility.campaign_for_partner(campaign_id, acting_user().partner_id)
    if campaign is None:
        abort(404)
    return campaign


def visible_asset_or_404(asset_id: int) -> CampaignAsset:
    """An asset of a campaign the acting partner may see, or 404."""
    asset = visibility.asset_for_partner(asset_id, acting_user().partner_id)
    if asset is None:
        abort(404)
    return asset


def record_event(kind: EventKind, campaign_id: int, asset_id: int | None = None, **detail) -> None:
    """Record the acting partner user's engagement with a campaign or asset."""
    events.record_by(acting_user(), kind.value, campaign_id, asset_id, **detail)
