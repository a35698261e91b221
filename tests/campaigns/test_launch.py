"""Launch: partners targeted once, one render per (asset, partner), one email per user;
scheduled launches, late joiners and the lifecycle."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import session, utcnow
from app.mail import suppress
from app.models import AuditEntry, MailMessage
from app.validation import ValidationFailed
from campaigns import assets, events, lifecycle, membership
from campaigns.models import AssetRender, Campaign, CampaignPartner
from campaigns.rendering import render_one
from directory import partners as directory_partners


def count(model, *where) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def targeted(campaign_id: int) -> dict[int, str]:
    rows = session.execute(
        select(CampaignPartner.partner_id, CampaignPartner.source).where(
            CampaignPartner.campaign_id == campaign_id
        )
    ).all()
    return dict(rows)


def test_launch_targets_renders_and_notifies_once(network, make_campaign, sent):
    suppress("member@alpha.example")
    session.commit()
    campaign = make_campaign(targeting={"min_tier": "Gold"})  # alpha and charlie
    result = lifecycle.launch(campaign.id, network.users["marketer"])

    # three announcements made, one of them held back: the unsubscribed address
    assert result == membership.TargetingResult(partners_added=2, renders_queued=4, emails_queued=2)
    assert (result.suppressed, result.silent_partners, result.already_told) == (1, 0, 0)
    session.expire_all()
    assert campaign.status == "live" and campaign.launched_at is not None
    assert targeted(campaign.id) == {
        network.ids["alpha"]: "launch",
        network.ids["charlie"]: "launch",
    }
    renders = session.execute(select(AssetRender)).scalars().all()
    assert sorted((r.asset_id, r.partner_id) for r in renders) == sorted(
        (asset.id, pid)
        for asset in campaign.assets
        for pid in (network.ids["alpha"], network.ids["charlie"])
    )
    assert {r.status for r in renders} == {"pending"}
    # one email per active user; the inactive one gets none, the unsubscribed one is held back
    mail = session.execute(select(MailMessage).order_by(MailMessage.to_address)).scalars().all()
    assert [(m.to_address, m.status, m.category) for m in mail] == [
        ("admin@alpha.example", "held", "marketing"),
        ("admin@charlie.example", "held", "marketing"),
        ("member@alpha.example", "suppressed", "marketing"),
    ]
    assert mail[0].subject == "New campaign from Tandem: Summer push"
    assert f"http://localhost/portal/campaigns/{campaign.id}" in mail[0].text_body
    assert "List-Unsubscribe" in mail[0].headers
    # the renders went to the workers once, after the commit, in one chunk
    assert sorted(sent.render_ids()) == sorted(r.id for r in renders)
    assert len(sent.of("render_chunk")) == 1
    assert count(AuditEntry, AuditEntry.action == "campaign.live") == 1

    # launching again changes nothing
    sent.clear()
    again = lifecycle.launch(campaign.id, network.users["marketer"])
    assert again == membership.TargetingResult(0, 0, 0)
    assert count(CampaignPartner) == 2 and count(AssetRender) == 4 and count(MailMessage) == 3
    assert sent.calls == []
    assert count(AuditEntry, AuditEntry.action == "campaign.live") == 1

    # the workers render each once; a second delivery of the same chunk does nothing
    ids = sorted(r.id for r in renders)
    assert {render_one(i) for i in ids} == {"done"}
    assert {render_one(i) for i in ids} == {"done"}
    session.expire_all()
    done = session.execute(select(AssetRender)).scalars().all()
    assert all(r.attempts == 1 and r.storage_key and r.preview_key for r in done)
    assert len({r.render_key for r in done}) == 4


def test_launch_chunks_large_launches(network, make_campaign, sent, monkeypatch):
    from campaigns import dispatch

    monkeypatch.setattr(dispatch, "CHUNK_SIZE", 3)
    campaign = make_campaign(targeting={"statuses": ["active", "inactive", "prospect"]})
    lifecycle.launch(campaign.id)
    assert [len(args[0]) for args, _eta in sent.of("render_chunk")] == [3, 3, 3, 1]


def test_launch_needs_assets_and_a_launchable_status(network, make_campaign, sent):
    empty = make_campaign("Empty", assets=())
    with pytest.raises(ValidationFailed) as caught:
        lifecycle.launch(empty.id)
    assert caught.value.errors == {"assets": "Add at least one asset before launching."}
    session.rollback()
    campaign = make_campaign()
    lifecycle.archive_campaign(campaign.id)
    with pytest.raises(ValidationFailed, match="The campaign is archived; it cannot be launched."):
        lifecycle.launch(campaign.id)
    session.rollback()
    assert count(CampaignPartner) == 0


def test_lifecycle_transitions(network, make_campaign, sent):
    campaign = make_campaign()
    with pytest.raises(ValidationFailed, match="cannot go from draft to ended"):
        lifecycle.end_campaign(campaign.id)
    session.rollback()
    lifecycle.launch(campaign.id)
    lifecycle.end_campaign(campaign.id)
    assert session.get(Campaign, campaign.id).status == "ended"
    # relaunching an ended campaign keeps its partners and their renders
    assert lifecycle.launch(campaign.id) == membership.TargetingResult(0, 0, 0)
    lifecycle.end_campaign(campaign.id)
    lifecycle.archive_campaign(campaign.id)
    with pytest.raises(ValidationFailed, match="archived campaign cannot be changed"):
        lifecycle.update_campaign(campaign, {"name": "New"}, None)


def test_schedule_and_launch_when_due(network, make_campaign, sent):
    soon, later = make_campaign("Soon"), make_campaign("Later")
    now = utcnow()
    with pytest.raises(ValidationFailed, match="The launch time has passed"):
        lifecycle.schedule(soon.id, now - timedelta(minutes=1))
    lifecycle.schedule(soon.id, now + timedelta(minutes=5))
    lifecycle.schedule(later.id, now + timedelta(hours=2))
    assert session.get(Campaign, soon.id).status == "scheduled"
    # each schedule sends a launch task with its ETA (the beat is the safety net)
    assert [(args, eta) for args, eta in sent.of("launch_campaign")] == [
        ([soon.id], now + timedelta(minutes=5)),
        ([later.id], now + timedelta(hours=2)),
    ]

    assert lifecycle.launch_due_campaigns(now) == []
    assert lifecycle.launch_due_campaigns(now + timedelta(minutes=10)) == [soon.id]
    session.expire_all()
    assert session.get(Campaign, soon.id).status == "live"
    assert session.get(Campaign, later.id).status == "scheduled"
    assert set(targeted(soon.id)) == {network.ids[k] for k in ("alpha", "bravo", "charlie")}
    assert targeted(later.id) == {}
    # the ETA task of a campaign that launched, or was moved back to draft, does nothing
    assert lifecycle.launch_if_due(soon.id, now + timedelta(minutes=10)) is False
    lifecycle.unschedule(later.id)
    assert lifecycle.launch_if_due(later.id, now + timedelta(hours=3)) is False
    assert session.get(Campaign, later.id).status == "draft"


def test_a_scheduled_campaign_that_lost_its_assets_goes_back_to_draft(network, make_campaign, sent):
    campaign = make_campaign()
    lifecycle.schedule(campaign.id, utcnow() + timedelta(minutes=1))
    for asset in list(campaign.assets):
        assets.remove_asset(asset, None)
    session.commit()
    assert lifecycle.launch_due_campaigns(utcnow() + timedelta(minutes=2)) == []
    session.expire_all()
    assert session.get(Campaign, campaign.id).status == "draft"


def test_late_joiners_get_renders_for_themselves_only(network, make_campaign, sent):
    campaign = make_campaign(targeting={"min_tier": "Gold"})
    lifecycle.launch(campaign.id)
    sent.clear()
    mails = count(MailMessage)

    # bravo is promoted to Gold after the launch
    directory_partners.update_partner(network.bravo, {"tier": "Gold"}, "test")
    membership.on_partner_changed(network.bravo.id)
    assert sent.calls == []  # sent only after the commit
    session.commit()
    assert sent.of("sync_partner") == [([network.bravo.id], None)]

    result = membership.sync_targets(campaign.id)
    assert result == membership.TargetingResult(partners_added=1, renders_queued=2, emails_queued=1)
    assert targeted(campaign.id)[network.bravo.id] == "late"
    new = (
        session.execute(select(AssetRender.id).where(AssetRender.partner_id == network.bravo.id))
        .scalars()
        .all()
    )
    assert sorted(sent.render_ids()) == sorted(new) and len(new) == 2
    assert count(MailMessage) == mails + 1
    # nothing more to do, however often it runs
    sent.clear()
    assert membership.sync_targets(campaign.id) == membership.TargetingResult(0, 0, 0)
    assert membership.sync_all_live() == {
        "partners_added": 0,
        "partners_removed": 0,
        "renders_requeued": 0,
    }
    assert sent.render_ids() == []


def test_partners_that_stop_matching_leave_and_come_back_without_a_second_mail(
    network, make_campaign, sent
):
    from campaigns import customize, visibility

    campaign = make_campaign(targeting={"min_tier": "Gold"}, assets=("stamp",))
    lifecycle.launch(campaign.id)
    assert set(sent.run_renders().values()) == {"done"}
    customize.save_customization(
        campaign.assets[0], network.alpha, {"partner_name": "Alpha Süd"}, network.users["alpha"]
    )
    session.commit()
    mails = count(MailMessage)
    alpha = network.ids["alpha"]
    assert visibility.campaign_for_partner(campaign.id, alpha) is not None

    # alpha drops to Silver: it no longer sees the campaign (the partner sync does it at once)
    directory_partners.update_partner(network.alpha, {"tier": "Silver"}, "test")
    session.commit()
    assert membership.sync_partner(alpha) == []
    assert visibility.campaign_for_partner(campaign.id, alpha) is None
    assert visibility.asset_for_partner(campaign.assets[0].id, alpha) is None
    assert campaign.id not in [c.id for c in visibility.live_campaigns_for(alpha)]
    assert events_targeted(campaign.id) == [network.ids["charlie"]]

    # back to Gold: it sees the campaign again, with its renders and values, and no new mail
    directory_partners.update_partner(network.alpha, {"tier": "Gold"}, "test")
    session.commit()
    sent.clear()
    assert membership.sync_targets(campaign.id) == membership.TargetingResult(1, 0, 0, 0)
    assert visibility.campaign_for_partner(campaign.id, alpha) is not None
    assert count(MailMessage) == mails and sent.render_ids() == []
    assert customize.customization_row(campaign.assets[0], network.alpha).values == {
        "partner_name": "Alpha Süd"
    }

    # a partner excluded from a live campaign leaves it at the next sync, as does a
    # terminated one; an explicitly included one stays whatever its tier
    lifecycle.update_campaign(
        campaign,
        {"exclude_partner_ids": [network.ids["charlie"]], "include_partner_ids": [alpha]},
        None,
    )
    directory_partners.update_partner(network.alpha, {"tier": "Registered"}, "test")
    session.commit()
    result = membership.sync_targets(campaign.id)
    assert (result.partners_added, result.partners_removed) == (0, 1)
    assert events_targeted(campaign.id) == [alpha]
    exported = csv.DictReader(io.StringIO(events.export_csv(campaign.id)))
    csv_rows = {row["partner"]: row for row in exported}
    assert csv_rows["Charlie Power"]["left_at"] != "" and csv_rows["Alpha Solar"]["left_at"] == ""


def events_targeted(campaign_id: int) -> list[int]:
    return [row[0] for row in events._targeted(campaign_id)]


def test_sync_partner_adds_a_new_partner_to_live_campaigns(network, make_campaign, sent):
    from tests.factories.directory import make_partner

    live = make_campaign("Live", targeting={"countries": ["NL"]})
    draft = make_campaign("Draft", targeting={"countries": ["NL"]})
    lifecycle.launch(live.id)
    assert targeted(live.id) == {}
    newcomer = make_partner("Foxtrot Solar", countries="NL")
    session.commit()
    assert membership.sync_partner(newcomer.id) == [live.id]
    assert membership.sync_partner(newcomer.id) == []
    assert targeted(live.id) == {newcomer.id: "late"}
    assert targeted(draft.id) == {}
    assert count(AssetRender, AssetRender.partner_id == newcomer.id) == 2


def test_new_asset_on_a_live_campaign_is_rendered_for_everyone(
    network, make_campaign, versions, sent
):
    campaign = make_campaign(targeting={"min_tier": "Gold"}, assets=("stamp",))
    lifecycle.launch(campaign.id)
    sent.clear()
    asset = assets.add_asset(
        campaign, {"template_version_id": versions.square.id, "title": "Square post"}, None
    )
    session.commit()
    new = session.execute(select(AssetRender.id).where(AssetRender.asset_id == asset.id)).scalars()
    assert sorted(sent.render_ids()) == sorted(new)
    assert len(sent.render_ids()) == 2


def test_changing_a_live_asset_renders_it_again(network, make_campaign, sent):
    campaign = make_campaign(targeting={"min_tier": "Gold"}, assets=("square",))
    lifecycle.launch(campaign.id)
    assert set(sent.run_renders().values()) == {"done"}
    asset = campaign.assets[0]
    assets.update_asset(asset, {"title": "Renamed"}, None)  # not content: nothing to render
    session.commit()
    assert sent.calls == []
    assets.update_asset(asset, {"presets": {"headline": "Autumn deals"}}, None)
    session.commit()
    rows = session.execute(select(AssetRender).where(AssetRender.asset_id == asset.id)).scalars()
    assert sorted(sent.render_ids()) == sorted(r.id for r in rows)
    assert set(sent.run_renders().values()) == {"done"}


def test_changing_live_targeting_syncs_after_commit(network, make_campaign, sent):
    campaign = make_campaign(targeting={"min_tier": "Platinum"})
    lifecycle.launch(campaign.id)
    lifecycle.update_campaign(campaign, {"targeting": {"min_tier": "Gold"}}, None)
    assert sent.of("sync_targets") == []
    session.commit()
    assert sent.of("sync_targets") == [([campaign.id], None)]
    assert membership.sync_targets(campaign.id).partners_added == 1
    # a caller that already committed gets its sync sent at once
    membership.on_partner_changed(network.bravo.id)
    assert sent.of("sync_partner") == [([network.bravo.id], None)]


def test_campaign_data_is_cleaned_with_clear_messages(network, sent):
    with pytest.raises(ValidationFailed) as caught:
        lifecycle.create_campaign(
            {
                "name": " ",
                "objective": "fame",
                "starts_on": "2026-05-01",
                "ends_on": "2026-04-01",
                "targeting": {"min_tier": "Diamond"},
                "include_partner_ids": [424242],
            },
            None,
        )
    errors = caught.value.errors
    assert errors["name"] == "The name is required."
    assert errors["objective"].startswith("'fame' is not one of: awareness, ")
    assert errors["targeting.min_tier"].startswith("'Diamond' is not a tier")
    assert errors["include_partner_ids"] == "The partners to include: no partner with id 424242."
    with pytest.raises(ValidationFailed) as caught:
        lifecycle.create_campaign(
            {"name": "X", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}, None
        )
    assert caught.value.errors == {"ends_on": "The end date is before the start date."}


def test_ended_by_date_and_no_launch_after_the_end_date(network, make_campaign, sent):
    today = utcnow().date()
    old = make_campaign("Old", ends_on=(today - timedelta(days=1)).isoformat())
    with pytest.raises(ValidationFailed, match="change its end date first"):
        lifecycle.launch(old.id)
    running = make_campaign("Running", ends_on=today.isoformat())
    lifecycle.launch(running.id)
    assert lifecycle.end_expired_campaigns(today) == []
    assert lifecycle.end_expired_campaigns(today + timedelta(days=1)) == [running.id]
    assert session.get(Campaign, running.id).status == "ended"


def test_tasks_and_beat_schedule_are_registered():
    from workers import campaigns as campaign_tasks
    from workers import celery

    names = {task.name for task in vars(campaign_tasks).values() if hasattr(task, "apply_async")}
    assert names <= set(celery.tasks)
    beat = {entry["task"]: entry["schedule"] for entry in celery.conf.beat_schedule.values()}
    assert beat["tandem.campaigns.launch_due"] == 60.0
    assert beat["tandem.campaigns.sync_all_live"] == 60.0
    assert {"tandem.campaigns.render_chunk", "tandem.campaigns.launch"} <= names


def test_sync_all_live_soon_is_sent_after_commit(network, make_campaign, sent):
    network.bravo.tier_id = network.alpha.tier_id
    membership.sync_all_live_soon()
    assert sent.calls == []
    session.commit()
    assert sent.of("sync_all_live") == [([], None)]


def test_launch_says_which_partners_have_nobody_to_email(network, make_campaign, sent):
    from tests.factories.directory import make_partner

    lonely = make_partner("Lonely Partner", tier="Gold")
    session.commit()
    campaign = make_campaign(targeting={"min_tier": "Gold"})  # alpha, charlie and lonely
    result = lifecycle.launch(campaign.id, network.users["marketer"])
    assert result.partners_added == 3 and result.emails_queued == 3
    assert (result.suppressed, result.silent_partners, result.already_told) == (0, 1, 0)
    assert lonely.id in targeted(campaign.id)
