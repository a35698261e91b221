"""A confirmation step before actions that send email or destroy work, which works without
JavaScript (a page that asks, then posts the action again with confirmed=yes); the buttons carry
the same question for confirm.js's dialog (tests/browser/ drive it). And where the browser goes
after adding an asset or saving a customization.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from app.db import session
from app.mail import suppress
from app.models import MailMessage
from brand_templates.library import load_starter
from brand_templates.versions import import_template, publish
from campaigns import assets, customize, forecast, lifecycle
from campaigns.models import Campaign, CampaignAsset, CampaignPartner, Customization
from directory.models import Partner
from tests.factories.directory import make_partner


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))


@pytest.fixture
def draft(app, world):
    """A draft campaign for Gold and above (partner A, with two users) with one asset."""
    with app.app_context():
        version = publish(session, import_template(session, load_starter("social-square")))
        campaign = lifecycle.create_campaign(
            {"name": "Gold promo", "targeting": {"min_tier": "Gold"}}, "test"
        )
        asset = assets.add_asset(campaign, {"template_version_id": version.id}, "test")
        session.commit()
        return {"campaign": campaign.id, "asset": asset.id, "version": version.id}


@pytest.fixture
def marketer(world, login_as):
    return login_as("marketer@vendor.example")


def _state(app, campaign_id: int) -> dict:
    with app.app_context():
        return {
            "status": session.get(Campaign, campaign_id).status,
            "targets": session.scalar(
                select(func.count()).where(CampaignPartner.campaign_id == campaign_id)
            ),
            "mail": session.scalar(select(func.count(MailMessage.id))),
            "assets": session.scalar(
                select(func.count()).where(CampaignAsset.campaign_id == campaign_id)
            ),
        }


def test_launch_now_asks_first_with_how_many_partners_and_emails(app, world, draft, marketer):
    campaign_id = draft["campaign"]
    with app.app_context():
        # a second Gold partner with nobody to email, and one of A's people unsubscribed
        make_partner("Charlie Gold", tier="Gold")
        suppress("partner_member@a.example")
        session.commit()
    before = _state(app, campaign_id)
    asked = marketer.post(f"/admin/campaigns/{campaign_id}/launch", data={"action": "now"})
    assert asked.status_code == 200
    page = text(asked)
    assert '<h1 id="confirm-title">Launch Gold promo now?</h1>' in page
    assert "It goes to 2 partners at once, and 1 email will announce it to their people." in page
    assert "Of these, 1 partner has nobody to email yet" in page
    assert "1 address unsubscribed from marketing email and gets none." in page
    # the page posts the same action again, confirmed, or goes back
    assert hidden_fields(page) | {"csrf_token": ""} == {
        "csrf_token": "",
        "action": "now",
        "confirmed": "yes",
    }
    assert f'<form method="post" action="/admin/campaigns/{campaign_id}/launch">' in page
    assert f'<a class="button secondary" href="/admin/campaigns/{campaign_id}">Cancel</a>' in page
    assert _state(app, campaign_id) == before  # asking sends nothing and launches nothing

    # the button of the campaign page carries the same question for the dialog
    detail = text(marketer.get(f"/admin/campaigns/{campaign_id}"))
    assert re.search(
        r'<button name="action" value="now" data-confirm="It goes to 2 partners at once, and 1 '
        r"email will announce it to their people\. Of these, 1 partner has nobody to email yet;"
        r'[^"]*" data-confirm-title="Launch Gold promo now\?" data-confirm-label="Launch now">',
        detail,
    )
    assert "confirm.js" in detail

    with app.app_context():
        predicted = forecast.launch_forecast(session.get(Campaign, campaign_id))
    launched = marketer.post(
        f"/admin/campaigns/{campaign_id}/launch",
        data={"action": "now", "confirmed": "yes"},
        follow_redirects=True,
    )
    assert "Launched: 2 partners added" in text(launched)
    after = _state(app, campaign_id)
    assert (after["status"], after["targets"]) == ("live", 2)
    with app.app_context():
        statuses = sorted(session.execute(select(MailMessage.status)).scalars())
    # the forecast was right: one announcement held in the outbox, one suppressed
    assert predicted == forecast.LaunchForecast(2, 1, 1, 1)
    assert statuses == ["held", "suppressed"]
    # a live campaign asks before adding newly matching partners, who are none now
    with app.app_context():
        assert forecast.launch_forecast(session.get(Campaign, campaign_id)).partners == 0
    again = text(marketer.post(f"/admin/campaigns/{campaign_id}/launch", data={"action": "now"}))
    assert "Add the newly matching partners to Gold promo?" in again
    assert "This adds 0 partners and sends 0 emails to their people." in again


def test_a_partner_that_left_and_matches_again_is_not_told_twice(app, world, draft, marketer):
    campaign_id = draft["campaign"]
    with app.app_context():
        lifecycle.launch(campaign_id)
        row = session.execute(select(CampaignPartner)).scalar_one()
        row.left_at = row.added_at  # left (a lower tier, say) and matches again now
        session.commit()
        assert forecast.launch_forecast(session.get(Campaign, campaign_id)) == (
            forecast.LaunchForecast(partners=1, emails=0, suppressed=0, silent_partners=0)
        )


def test_scheduling_does_not_ask(app, draft, marketer):
    response = marketer.post(
        f"/admin/campaigns/{draft['campaign']}/launch",
        data={"action": "schedule", "scheduled_at": "2099-01-01T09:00"},
    )
    assert response.status_code == 302
    assert _state(app, draft["campaign"])["status"] == "scheduled"


def test_remove_asset_asks_first(app, world, draft, marketer, login_as):
    asset_id, campaign_id = draft["asset"], draft["campaign"]
    page = text(marketer.get(f"/admin/campaigns/assets/{asset_id}"))
    assert re.search(r'value="remove" data-confirm="It leaves Gold promo: [^"]*"', page)
    asked = marketer.post(f"/admin/campaigns/assets/{asset_id}", data={"action": "remove"})
    assert asked.status_code == 200
    with app.app_context():
        title = session.get(CampaignAsset, asset_id).title
    assert f'<h1 id="confirm-title">Remove {title}?</h1>' in text(asked)
    assert "partners no longer see it, and its co-branded files are deleted" in text(asked)
    assert _state(app, campaign_id)["assets"] == 1
    # a channel manager may not remove it, asked or not
    cm = login_as("cm@vendor.example")
    assert (
        cm.post(f"/admin/campaigns/assets/{asset_id}", data={"action": "remove"}).status_code == 403
    )
    marketer = login_as("marketer@vendor.example")
    done = marketer.post(
        f"/admin/campaigns/assets/{asset_id}", data={"action": "remove", "confirmed": "yes"}
    )
    assert done.status_code == 302
    assert _state(app, campaign_id)["assets"] == 0


def test_remove_asset_says_how_many_partners_changed_it(app, world, draft, marketer):
    with app.app_context():
        lifecycle.launch(draft["campaign"])
        asset = session.get(CampaignAsset, draft["asset"])
        field = asset.editable_fields[0]
        customize.save_customization(
            asset, session.get(Partner, world.a_id), {field: "Ours"}, "test"
        )
        session.commit()
    asked = text(
        marketer.post(f"/admin/campaigns/assets/{draft['asset']}", data={"action": "remove"})
    )
    assert "1 partner changed it; their changes are deleted too." in asked


def test_back_to_the_vendors_version_asks_first(app, world, draft, login_as):
    with app.app_context():
        lifecycle.launch(draft["campaign"])
        field = session.get(CampaignAsset, draft["asset"]).editable_fields[0]
    partner = login_as("partner_member@a.example")
    url = f"/portal/assets/{draft['asset']}"
    saved = partner.post(url, data={f"field_{field}": "Our own words"})
    # after saving, back beside the Download buttons
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"{url}#download")
    page = text(partner.get(url))
    assert '<h2 id="download" tabindex="-1">Download</h2>' in page and "focus_target.js" in page
    assert re.search(r'value="reset" data-confirm="Every value you changed', page)

    asked = partner.post(url, data={"action": "reset"})
    assert asked.status_code == 200
    page = text(asked)
    assert "Back to the vendor's version?" in page
    assert f'<a class="button secondary" href="{url}">Cancel</a>' in page
    assert hidden_fields(page)["action"] == "reset"
    with app.app_context():
        assert session.scalar(select(func.count(Customization.id))) == 1
    done = partner.post(url, data={"action": "reset", "confirmed": "yes"})
    assert done.status_code == 302
    with app.app_context():
        assert session.scalar(select(func.count(Customization.id))) == 0


def test_remove_logo_button_carries_its_question(app, world, login_as):
    from directory import brand_kits
    from directory.demo_logos import generate_logo

    with app.app_context():
        brand_kits.set_logo(session.get(Partner, world.a_id), generate_logo("Alpha"), "test")
        session.commit()
    page = text(login_as("partner_admin@a.example").get("/portal/brand-kit"))
    assert re.search(
        r'value="remove_logo" data-confirm="Your co-branded assets show no logo[^"]*" '
        r'data-confirm-title="Remove your logo\?" data-confirm-label="Remove logo"',
        page,
    )


def test_adding_an_asset_returns_to_the_campaign(app, draft, marketer):
    campaign_id = draft["campaign"]
    response = marketer.post(
        f"/admin/campaigns/{campaign_id}/assets",
        data={"template_version_id": draft["version"], "title": "Second square"},
    )
    assert response.status_code == 302
    with app.app_context():
        added = session.execute(
            select(CampaignAsset.id).where(CampaignAsset.title == "Second square")
        ).scalar_one()
    assert response.headers["Location"].endswith(f"/admin/campaigns/{campaign_id}#asset-{added}")
    page = text(marketer.get(f"/admin/campaigns/{campaign_id}"))
    assert "Second square added. Open it to set the vendor's values." in page
    assert f'<div class="card linked-card" id="asset-{added}" tabindex="-1">' in page


def test_a_launch_that_cannot_happen_does_not_ask(app, world, marketer):
    with app.app_context():
        campaign_id = lifecycle.create_campaign({"name": "Empty"}, "test").id
        session.commit()
    page = text(marketer.get(f"/admin/campaigns/{campaign_id}"))
    assert "data-confirm" not in page
    refused = marketer.post(
        f"/admin/campaigns/{campaign_id}/launch", data={"action": "now"}, follow_redirects=True
    )
    assert "Add at least one asset before launching." in text(refused)
