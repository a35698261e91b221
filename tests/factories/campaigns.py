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


def gold_push_with_tokens(emails: dict[str, str], token_name: str) -> tuple[dict, dict]:
    """A live campaign aimed at Gold partners with a square image asset whose headline and
    body partners may change, and an API token for each user of EMAILS (key: email).
    Returns the Authorization headers by key and the ids of the campaign and asset."""
    from directory import people

    square = import_template(session, load_starter("social-square"), slug="social-square")
    publish(session, square)
    campaign = lifecycle.create_campaign(
        {"name": "Gold push", "targeting": {"min_tier": "Gold"}}, "test"
    )
    asset = assets.add_asset(
        campaign,
        {"template_version_id": square.id, "editable_fields": ["headline", "body"]},
        "test",
    )
    session.commit()
    lifecycle.launch(campaign.id)
    headers = {}
    for key, email in emails.items():
        _row, token = people.create_api_token(people.find_user(email), token_name)
        headers[key] = {"Authorization": f"Bearer {token}"}
    session.commit()
    return headers, {"campaign": campaign.id, "asset": asset.id}
