"""Campaign test data: starter templates in the library and live campaigns built from them."""

from __future__ import annotations

from app.db import session
from brand_templates import load_starter
from brand_templates.versions import import_template, publish
from campaigns import assets, lifecycle
from campaigns.models import Campaign


def live_campaign(name: str, partner_ids: list[int], slugs: list[str]) -> tuple[Campaign, list]:
    """A campaign for PARTNER_IDS with one asset per starter template of SLUGS (imported and
    published once), launched. Returns the campaign and its assets, in the order of SLUGS."""
    versions = []
    for slug in slugs:
        version = import_template(session, load_starter(slug), slug=slug)
        versions.append(version if version.published else publish(session, version))
    campaign = lifecycle.create_campaign(
        {"name": name, "description": f"{name}, for you", "include_partner_ids": partner_ids},
        "test",
    )
    added = [assets.add_asset(campaign, {"template_version_id": v.id}, "test") for v in versions]
    session.commit()
    lifecycle.launch(campaign.id)
    return campaign, added
