"""What marketers meet on the campaign screens, in plain words: "preview as partner" offers
the targeted partners first with a search, the dashboard's totals leave previews out, the
launch says why some partners got no email, and no internal key or type tag is shown."""

from __future__ import annotations

import html
import re

from app.db import session
from campaigns.membership import TargetingResult
from tests.factories.directory import make_partner
from tests.web.test_campaign_screens import _build_campaign


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_preview_as_partner_offers_the_targeted_partners_first(app, world, login_as, monkeypatch):
    from app.web.admin import campaigns as campaign_views

    monkeypatch.setattr(campaign_views, "PREVIEW_CHOICES", 20)
    client = login_as("marketer@vendor.example")
    with app.app_context():
        campaign_id, asset_id = _build_campaign(client, world)  # Gold and above: Alpha only
        for n in range(25):  # they sort before Alpha: a list by name alone shows only them
            make_partner(f"Aaa Partner {n:02d}")
        session.commit()
    page = client.get(f"/admin/campaigns/assets/{asset_id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    targeted = re.search(r'<optgroup label="Targeted by this campaign">(.*?)</optgroup>', body)
    assert targeted and "Alpha Secret Partner" in targeted.group(1)
    assert re.search(rf'<option value="{world.a_id}" selected>Alpha Secret Partner</option>', body)
    assert f"preview?partner_id={world.a_id}" in body  # the frame shows a targeted partner
    assert "Aaa Partner 00 (not targeted)" in body
    assert "Aaa Partner 18 (not targeted)" in body
    assert "Aaa Partner 19" not in body  # 20 listed: Alpha, then the first 19 others
    assert "The first 20 are listed, targeted partners first: search by name" in _text(page)
    # the search finds any partner by name, without JavaScript
    found = client.get(f"/admin/campaigns/assets/{asset_id}?q=partner+24")
    assert "Aaa Partner 24 (not targeted)" in found.get_data(as_text=True)
    assert "Alpha Secret Partner</option>" not in found.get_data(as_text=True)
    none = client.get(f"/admin/campaigns/assets/{asset_id}?q=nobody")
    assert "No partner's name contains “nobody”." in _text(none)
    chosen = client.get(f"/admin/campaigns/assets/{asset_id}?partner_id={world.b_id}&q=bravo")
    assert f"preview?partner_id={world.b_id}" in chosen.get_data(as_text=True)


def test_launch_message_says_why_some_partners_got_no_email():
    from app.web.admin.campaigns import launch_message

    everyone = TargetingResult(2, 2, 3)
    assert (
        launch_message(everyone) == "Launched: 2 partners added, 2 files being made, 3 emails sent."
    )
    some = TargetingResult(4, 4, 2, suppressed=1, silent_partners=1, already_told=1)
    assert launch_message(some) == (
        "Launched: 4 partners added, 4 files being made, 2 emails sent. No email for some: "
        "1 partner has nobody with an email address to tell yet (they find the campaign in the "
        "portal); 1 address unsubscribed from marketing email; 1 partner was told of this "
        "campaign before."
    )


def test_launch_through_the_screen_names_the_partners_without_email(app, world, login_as):
    client = login_as("marketer@vendor.example")
    with app.app_context():
        campaign_id, _asset_id = _build_campaign(client, world)  # Gold and above: Alpha
        make_partner("Lonely Gold Partner", tier="Gold")  # nobody to email
        session.commit()
    launched = client.post(
        f"/admin/campaigns/{campaign_id}/launch",
        data={"action": "now", "confirmed": "yes"},
        follow_redirects=True,
    )
    text = _text(launched)
    assert "Launched: 2 partners added, 2 files being made, 2 emails sent." in text
    assert "1 partner has nobody with an email address to tell yet" in text
    assert "(s)" not in text


def test_dashboard_total_leaves_previews_out(app, world, login_as):
    from datetime import datetime

    from campaigns.models import EngagementEvent

    client = login_as("marketer@vendor.example")
    with app.app_context():
        campaign_id, asset_id = _build_campaign(client, world)
    client.post(
        f"/admin/campaigns/{campaign_id}/launch", data={"action": "now", "confirmed": "yes"}
    )
    with app.app_context():
        for kind in ["preview"] * 7 + ["view", "download"]:
            session.add(
                EngagementEvent(
                    kind=kind,
                    partner_id=world.a_id,
                    campaign_id=campaign_id,
                    asset_id=asset_id,
                    created_at=datetime(2026, 3, 2, 9),
                    detail={},
                )
            )
        session.commit()
    page = client.get(f"/admin/campaigns/{campaign_id}/dashboard")
    text = _text(page)
    assert "2 events in all: views, customizations and downloads" in text
    assert "Previews" not in text and "Previewed" not in text
    full = _text(client.get(f"/admin/campaigns/{campaign_id}/dashboard/partners"))
    assert "Previewed" not in full


INTERNALS = (
    "offer_detail",
    "cta_label",
    "(richtext)",
    "(text)",
    "partner.colors.primary",
    "partner.website",
    "images/homevault.png",
    "(s)",
)


def test_no_internal_keys_on_the_campaign_screens(app, world, login_as):
    client = login_as("marketer@vendor.example")
    with app.app_context():
        campaign_id, asset_id = _build_campaign(client, world)
        make_partner("Mike Managed", type="msp")
        session.commit()
    detail = _text(client.get(f"/admin/campaigns/{campaign_id}"))
    assert "Partners may change: Headline," in detail and "Button text" in detail
    assert "PDF document" in detail
    response = client.get(f"/admin/campaigns/assets/{asset_id}")
    asset = html.unescape(response.get_data(as_text=True))
    assert 'placeholder="Default: the partner\'s website"' in asset
    assert "partner.colors" not in asset and "images/homevault.png" not in asset  # placeholders
    for page in (detail, _text(response)):  # what people read
        for internal in INTERNALS:
            assert internal not in page, internal
    partners = _text(client.get("/admin/partners"))
    assert "Managed service provider" in partners and " msp " not in f" {partners} "
    client.post(
        f"/admin/campaigns/{campaign_id}/launch", data={"action": "now", "confirmed": "yes"}
    )

    partner = login_as("partner_admin@a.example")
    portal = _text(partner.get(f"/portal/campaigns/{campaign_id}"))
    assert "You can adjust: Headline," in portal
    assert not any(internal in portal for internal in INTERNALS)
    kit = _text(partner.get("/portal/brand-kit"))
    assert "Version" not in kit
