"""Who sees a campaign; engagement events, the dashboard's numbers and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.db import session
from app.tenancy import scope_to_partner
from campaigns import events, lifecycle, visibility
from campaigns.models import CampaignPartner, EngagementEvent


def test_only_targeted_partners_see_a_live_campaign(network, make_campaign, sent):
    gold = make_campaign("Gold only", targeting={"min_tier": "Gold"})
    everyone = make_campaign("Everyone")
    draft = make_campaign("Still a draft")
    lifecycle.launch(gold.id)
    lifecycle.launch(everyone.id)
    alpha, bravo = network.ids["alpha"], network.ids["bravo"]

    assert visibility.campaign_for_partner(gold.id, alpha).id == gold.id
    assert visibility.campaign_for_partner(gold.id, bravo) is None  # not targeted
    assert visibility.campaign_for_partner(draft.id, alpha) is None  # not live
    assert visibility.campaign_for_partner(12345, alpha) is None
    assert [c.name for c in visibility.live_campaigns_for(alpha)] == ["Everyone", "Gold only"]
    assert [c.name for c in visibility.live_campaigns_for(bravo)] == ["Everyone"]
    assert visibility.asset_for_partner(gold.assets[0].id, bravo) is None
    assert visibility.asset_for_partner(gold.assets[0].id, alpha).id == gold.assets[0].id

    lifecycle.end_campaign(gold.id)
    assert visibility.campaign_for_partner(gold.id, alpha) is None
    assert [c.name for c in visibility.live_campaigns_for(alpha)] == ["Everyone"]


def test_partner_scope_hides_other_partners_rows(network, make_campaign, sent):
    campaign = make_campaign()
    lifecycle.launch(campaign.id)
    scope_to_partner(session, network.ids["bravo"])
    try:
        rows = session.execute(select(CampaignPartner)).scalars().all()
        assert {r.partner_id for r in rows} == {network.ids["bravo"]}
    finally:
        scope_to_partner(session, None)


def test_record_is_one_insert(network, make_campaign, sent):
    from sqlalchemy import event

    campaign = make_campaign()
    lifecycle.launch(campaign.id)
    statements = []

    def log(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0].upper())

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", log)
    try:
        events.record("view", network.ids["alpha"], None, campaign.id)
        session.flush()
    finally:
        event.remove(engine, "before_cursor_execute", log)
    # the event and the partner's activity record (for the scorecards); no query before them
    assert statements == ["INSERT", "INSERT"]
    with pytest.raises(ValueError, match="unknown engagement event 'click'"):
        events.record("click", network.ids["alpha"], None, campaign.id)


def test_dashboard_and_export(network, make_campaign, sent):
    campaign = make_campaign()  # alpha (Gold, Bavaria), bravo (Silver, Tyrol), charlie
    lifecycle.launch(campaign.id)
    asset = campaign.assets[0]
    ids, users = network.ids, network.users
    day1 = datetime(2026, 3, 2, 9, 30)
    plan = [
        ("view", "alpha", day1),
        ("view", "alpha", day1),
        ("preview", "alpha", day1),
        ("customize", "alpha", day1 + timedelta(days=2)),
        ("download", "alpha", day1 + timedelta(days=2)),
        ("view", "bravo", day1 + timedelta(days=1)),
        ("download", "bravo", day1 + timedelta(days=2, hours=14)),
    ]
    for kind, who, when in plan:  # as record() adds them, but back in time
        session.add(
            EngagementEvent(
                kind=kind,
                partner_id=ids[who],
                user_id=users[who].id,
                campaign_id=campaign.id,
                asset_id=asset.id,
                created_at=when,
                detail={"format": "pdf"},
            )
        )
    session.commit()

    board = events.dashboard(campaign.id)
    assert board["partners"] == {
        "targeted": 3,
        "view": 2,
        "preview": 1,
        "customize": 1,
        "download": 2,
    }
    assert board["events"] == {"view": 3, "preview": 1, "customize": 1, "download": 2}
    assert board["by_tier"] == [
        {"name": "Platinum", "targeted": 1, "view": 0, "preview": 0, "customize": 0, "download": 0},
        {"name": "Gold", "targeted": 1, "view": 1, "preview": 1, "customize": 1, "download": 1},
        {"name": "Silver", "targeted": 1, "view": 1, "preview": 0, "customize": 0, "download": 1},
    ]
    assert {row["name"]: (row["targeted"], row["download"]) for row in board["by_region"]} == {
        "Bavaria": (1, 1),
        "Tyrol": (1, 1),
        "Upper Bavaria": (1, 0),
    }
    per_day = board["per_day"]
    # from the launch (today) or the first event, whichever is first, without gaps
    assert per_day[0] == {
        "date": "2026-03-02",
        "view": 2,
        "preview": 1,
        "customize": 0,
        "download": 0,
    }
    assert per_day[1] == {
        "date": "2026-03-03",
        "view": 1,
        "preview": 0,
        "customize": 0,
        "download": 0,
    }
    assert per_day[2] == {
        "date": "2026-03-04",
        "view": 0,
        "preview": 0,
        "customize": 1,
        "download": 2,
    }
    dates = [row["date"] for row in per_day]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    # previews are not engagement: Alpha's total is its 2 views, 1 customization, 1 download
    assert [(p["name"], p["total"]) for p in board["top_partners"]] == [
        ("Alpha Solar", 4),
        ("Bravo Energy", 2),
    ]
    assert board["engagement_total"] == 6

    rows = list(csv.DictReader(io.StringIO(events.export_csv(campaign.id))))
    assert [r["partner"] for r in rows] == ["Alpha Solar", "Bravo Energy", "Charlie Power"]
    alpha = rows[0]
    assert (alpha["tier"], alpha["source"], alpha["view"], alpha["download"]) == (
        "Gold",
        "launch",
        "2",
        "1",
    )
    assert (alpha["first_activity"], alpha["last_activity"]) == (
        "2026-03-02 09:30",
        "2026-03-04 09:30",
    )
    assert rows[2]["view"] == "0" and rows[2]["first_activity"] == ""


def test_dashboard_of_a_quiet_campaign(network, make_campaign, sent):
    campaign = make_campaign()
    assert events.dashboard(campaign.id)["partners"] == {
        "targeted": 0,
        "view": 0,
        "preview": 0,
        "customize": 0,
        "download": 0,
    }
    assert events.dashboard(campaign.id)["per_day"] == []


def test_previews_alone_are_not_activity(network, make_campaign, sent):
    """A partner whose only events are live-preview refreshes is not active: the activity
    totals add up to what the cards count (views, customizations, downloads)."""
    campaign = make_campaign()
    lifecycle.launch(campaign.id)
    ids, users = network.ids, network.users
    when = datetime(2026, 3, 2, 9, 30)
    for kind, who in [("preview", "charlie")] * 5 + [("view", "alpha"), ("download", "alpha")]:
        session.add(
            EngagementEvent(
                kind=kind,
                partner_id=ids[who],
                user_id=users[who].id,
                campaign_id=campaign.id,
                asset_id=campaign.assets[0].id,
                created_at=when,
                detail={},
            )
        )
    session.commit()
    board = events.dashboard(campaign.id)
    assert [(p["name"], p["total"]) for p in board["top_partners"]] == [("Alpha Solar", 2)]
    assert board["active_partners"] == 1
    cards = sum(board["events"][kind] for kind in ("view", "customize", "download"))
    assert board["engagement_total"] == cards == 2
    assert board["events"]["preview"] == 5  # still recorded, not counted
