"""The partner activity record: the domains write into it once, and the scorecard's metrics
read it (counts, distinct campaigns, averages, win rate) on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.db import session
from app.models import User
from campaigns import events
from directory import activity, brand_kits, locations, partners, people
from directory.activity_models import PartnerActivity
from directory.demo_logos import generate_logo
from directory.models import Partner
from directory.scorecards import metrics

NOW = datetime(2026, 11, 30, 12, 0)


def _kinds(partner_id: int) -> list[tuple[str, str | None, str | None]]:
    return list(
        session.execute(
            select(PartnerActivity.kind, PartnerActivity.ref_type, PartnerActivity.ref_id)
            .where(PartnerActivity.partner_id == partner_id)
            .order_by(PartnerActivity.id)
        ).all()
    )


def test_the_domains_record_what_counts(app, world):
    from tests.factories.campaigns import live_campaign

    with app.app_context(), app.test_request_context():
        a = session.get(Partner, world.a_id)
        session.execute(PartnerActivity.__table__.delete())
        campaign, _assets = live_campaign("Counted", [a.id], ["social-square"])
        session.execute(PartnerActivity.__table__.delete())  # the set-up's own
        events.record("download", a.id, None, campaign.id)
        people.signed_in(session.get(User, world.users["a_partner_admin"].id))
        people.signed_in(session.get(User, world.users["admin"].id))  # vendor staff: nothing
        brand_kits.set_logo(a, generate_logo("Alpha"), "test")
        place = locations.add_location(a, {"city": "Bonn", "country_code": "DE"}, "test")
        partners.update_partner(a, {"certifications": "Installer, Design"}, "test")
        partners.update_partner(a, {"certifications": "Installer, Design, Support"}, "test")
        session.commit()
        kinds = _kinds(a.id)
        assert [k for k, _t, _r in kinds] == [
            "asset_downloaded",
            "portal_login",
            "logo_uploaded",
            "location_added",
            "certification_added",
            "certification_added",
            "certification_added",
        ]
        assert kinds[0][1:] == ("campaign", str(campaign.id))
        assert kinds[3][1:] == ("location", str(place.id))
        assert [r for k, _t, r in kinds if k == "certification_added"] == [
            "Installer",
            "Design",
            "Support",
        ]
        with pytest.raises(ValueError, match="unknown activity"):
            activity.record(a.id, "lead_teleported")


def test_metrics_read_the_record(app, world):
    with app.app_context():
        a, b = world.a_id, world.b_id
        session.execute(PartnerActivity.__table__.delete())
        at = NOW - timedelta(days=2)
        for campaign in ("1", "1", "2", "3"):
            activity.record(a, activity.ASSET_DOWNLOADED, at=at, ref=("campaign", campaign))
        activity.record(a, activity.ASSET_CUSTOMIZED, at=at, ref=("campaign", "4"))
        activity.record(a, activity.ASSET_VIEWED, at=at, ref=("campaign", "9"))  # not "used"
        for hours in (30, 10, 200):  # the median (30), not the average (80)
            activity.record(a, activity.LEAD_ACCEPTED, at=at, value=hours)
        for kind in (activity.LEAD_WON, activity.LEAD_WON, activity.LEAD_WON, activity.LEAD_LOST):
            activity.record(a, kind, at=at)
        activity.record(b, activity.ASSET_DOWNLOADED, at=NOW - timedelta(days=500))  # too old
        session.commit()
        keys = [
            "assets_downloaded",
            "campaigns_used",
            "lead_response_hours",
            "win_rate",
            "leads_won",
            "certifications",
            "profile_completeness",
        ]
        values = metrics.values(keys, NOW - timedelta(days=365), NOW, [a, b])
        assert values[a] == {
            "assets_downloaded": 4,
            "campaigns_used": 4,
            "lead_response_hours": 30,
            "win_rate": 75,
            "leads_won": 3,
            "certifications": 0,
            "profile_completeness": pytest.approx(33.3),  # a geocoded location only
        }
        assert values[b]["assets_downloaded"] == 0 and values[b]["lead_response_hours"] is None
        assert values[b]["win_rate"] is None


def test_the_lead_response_time_is_the_median_in_sql(app, world):
    """An even number of answers gives the mean of the middle two; the oldest, outside the
    window, and another partner's answers do not count."""
    with app.app_context():
        a, b = world.a_id, world.b_id
        session.execute(PartnerActivity.__table__.delete())
        at = NOW - timedelta(days=1)
        for hours in (1, 4, 10, 90):
            activity.record(a, activity.LEAD_ACCEPTED, at=at, value=hours)
        activity.record(a, activity.LEAD_ACCEPTED, at=NOW - timedelta(days=400), value=0.5)
        activity.record(b, activity.LEAD_ACCEPTED, at=at, value=2)
        activity.record(b, activity.LEAD_RECEIVED, at=at, value=99)  # another kind
        session.commit()
        keys = ["lead_response_hours"]
        values = metrics.values(keys, NOW - timedelta(days=365), NOW, [a, b])
        assert values == {a: {"lead_response_hours": 7}, b: {"lead_response_hours": 2}}
        # a whole run (no partner filter) reads the same
        assert metrics.values(keys, NOW - timedelta(days=365), NOW)[a] == values[a]
