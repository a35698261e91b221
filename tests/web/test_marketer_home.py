"""The marketer's home (the admin overview) shows the campaigns: live ones with their latest
numbers, scheduled ones, drafts, and a New campaign button; the partner overview below."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from app.db import session, utcnow
from brand_templates.library import load_starter
from brand_templates.versions import import_template, publish
from campaigns import assets, events, lifecycle, overview


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _campaigns(app, world) -> dict[str, int]:
    with app.app_context():
        version = publish(session, import_template(session, load_starter("social-square")))
        ids = {}
        for name, targeting in [
            ("Live for Gold", {"min_tier": "Gold"}),
            ("Live for everyone", {}),
            ("Scheduled one", {}),
            ("Draft one", {}),
        ]:
            campaign = lifecycle.create_campaign({"name": name, "targeting": targeting}, "test")
            assets.add_asset(campaign, {"template_version_id": version.id}, "test")
            session.commit()
            ids[name] = campaign.id
        lifecycle.launch(ids["Live for Gold"])
        lifecycle.launch(ids["Live for everyone"])
        lifecycle.schedule(ids["Scheduled one"], utcnow() + timedelta(days=3))
        # partner A viewed (twice) and downloaded; B only previewed, which is not engagement
        for kind in ("view", "view", "download"):
            events.record(kind, world.a_id, None, ids["Live for everyone"])
        events.record("preview", world.b_id, None, ids["Live for everyone"])
        session.commit()
        return ids


def test_the_home_shows_campaigns_by_stage_with_their_numbers(app, world, login_as):
    ids = _campaigns(app, world)
    with app.app_context():
        home = overview.home_campaigns()
        everyone = next(r for r in home.live if r.campaign.id == ids["Live for everyone"])
        assert (everyone.targeted, everyone.partners) == (
            2,
            {"view": 1, "customize": 0, "download": 1},
        )
        assert [c.name for c in home.scheduled] == ["Scheduled one"]
        assert [c.name for c in home.drafts] == ["Draft one"]
        assert home.totals == {
            "draft": 1, "scheduled": 1, "live": 2, "ended": 0, "archived": 0,
        }  # fmt: skip

    page_html = login_as("marketer@vendor.example").get("/admin/").get_data(as_text=True)
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page_html)).split())
    assert '<a class="button" href="/admin/campaigns/new">New campaign</a>' in page_html
    assert "Live (2)" in words and "Scheduled (1)" in words and "Drafts (1)" in words
    # targeted, viewed, customized, downloaded partners, with the share of the targeted
    assert "Live for everyone · numbers 2 1 (50%) 0 (0%) 1 (50%)" in words
    assert "Live for Gold · numbers 1 0 (0%) 0 (0%) 0 (0%)" in words
    assert re.search(r"Scheduled one launches \d{4}-\d\d-\d\d \d\d:\d\d UTC", words)
    assert "Draft one 1 asset" in words
    assert f'href="/admin/campaigns/{ids["Live for everyone"]}/dashboard"' in page_html
    assert "Partner network" in words and "Partners by tier" in words


def test_a_channel_manager_sees_the_campaigns_without_the_new_button(app, world, login_as):
    _campaigns(app, world)
    page = login_as("cm@vendor.example").get("/admin/")
    assert page.status_code == 200
    assert "Live for everyone" in text(page)
    assert "/admin/campaigns/new" not in page.get_data(as_text=True)


def test_with_no_campaign_the_home_says_how_to_start(app, world, login_as):
    page = login_as("marketer@vendor.example").get("/admin/")
    assert "No campaigns yet. Start one with New campaign" in text(page)
