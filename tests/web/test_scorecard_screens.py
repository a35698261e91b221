"""The scorecard screens on both databases: the table, a partner's scorecard, the 80/20 view
with its action plan, accepting and dismissing recommendations, the exports, the imported
figures (dry run, row errors) and the partner's own scorecard in the portal."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.db import session, utcnow
from campaigns import lifecycle
from campaigns.models import Campaign
from directory import activity
from directory.activity_models import ImportedMetric
from directory.models import Partner
from directory.scorecards import runs
from directory.scorecards.models import RecommendationState, Scorecard, TierRecommendation
from tests.factories.directory import make_partner
from tests.factories.scorecards import add_activity, add_revenue, simple_card


@pytest.fixture
def scored(app, world):
    """A scored world: B (Silver) earns Gold; a draft campaign to send partners to."""
    with app.app_context():
        c = make_partner("Charlie Partner", tier="Silver")
        session.flush()
        start = date.today() - timedelta(days=60)
        add_revenue(world.a_id, 100, start=start)
        add_revenue(world.b_id, 900, start=start)
        add_revenue(c.id, 500, start=start)
        add_revenue(world.b_id, 50, start=start, metric="market_reach")
        add_revenue(world.a_id, 10, start=start, metric="market_reach")
        add_revenue(c.id, 90, start=start, metric="market_reach")
        add_activity(world.b_id, activity.ASSET_DOWNLOADED, 12, at=utcnow())
        card = simple_card()
        campaign = lifecycle.create_campaign({"name": "Reactivation push"}, "test")
        session.commit()
        run = runs.request_run(card, "test")
        session.commit()
        runs.run(run.id)
        rec = session.execute(select(TierRecommendation)).scalar_one()
        return {"card": card.id, "c": c.id, "campaign": campaign.id, "rec": rec.id}


def test_table_partner_page_and_export(client, world, scored, login_as):
    client = login_as("marketer@vendor.example")
    page = client.get(f"/admin/scorecards?scorecard={scored['card']}").get_data(as_text=True)
    assert "Bravo Partner" in page and "Gold" in page and "promote" in page
    # sorted by name, filtered to the partners that should move
    page = client.get(
        f"/admin/scorecards?scorecard={scored['card']}&recommended=any&sort=name"
    ).get_data(as_text=True)
    assert "Bravo Partner" in page and "Charlie Partner" not in page
    detail = client.get(f"/admin/scorecards/partners/{world.b_id}?scorecard={scored['card']}")
    text = detail.get_data(as_text=True)
    assert detail.status_code == 200 and "How the score is made" in text
    assert "Sales revenue" in text and "<svg" in text
    export = client.get(f"/admin/scorecards/export.csv?scorecard={scored['card']}")
    lines = export.get_data(as_text=True).splitlines()
    assert lines[0].startswith("partner,slug,score,previous_score,tier,recommended_tier,revenue")
    assert any(line.startswith("Bravo Partner,") for line in lines)
    # a marketer sees, but does not act
    assert "Score all partners now" not in page
    assert (
        client.post(f"/admin/scorecards/recommendations/{scored['rec']}/accept").status_code == 403
    )


def test_accept_and_dismiss_through_the_screens(app, world, scored, login_as):
    client = login_as("cm@vendor.example")
    page = client.get(f"/admin/scorecards/recommendations?scorecard={scored['card']}")
    assert "Bravo Partner" in page.get_data(as_text=True)
    response = client.post(f"/admin/scorecards/recommendations/{scored['rec']}/accept")
    assert response.status_code == 302
    with app.app_context():
        assert session.get(Partner, world.b_id).tier.name == "Gold"
        assert session.get(TierRecommendation, scored["rec"]).state == "accepted"
    # a decided recommendation cannot be decided again: a message, not a 500
    again = client.post(
        f"/admin/scorecards/recommendations/{scored['rec']}/dismiss", data={"note": "x"}
    )
    assert again.status_code == 302
    with app.app_context():
        assert session.get(TierRecommendation, scored["rec"]).state == "accepted"


def test_dismiss_needs_a_note(app, world, scored, login_as):
    client = login_as("cm@vendor.example")
    client.post(f"/admin/scorecards/recommendations/{scored['rec']}/dismiss", data={"note": ""})
    with app.app_context():
        assert session.get(TierRecommendation, scored["rec"]).state == RecommendationState.OPEN
    client.post(
        f"/admin/scorecards/recommendations/{scored['rec']}/dismiss", data={"note": "Not yet"}
    )
    with app.app_context():
        rec = session.get(TierRecommendation, scored["rec"])
        assert (rec.state, rec.note) == ("dismissed", "Not yet")
        assert session.get(Partner, world.b_id).tier.name == "Silver"


def test_pareto_and_action_plan_hand_over(app, world, scored, login_as):
    client = login_as("cm@vendor.example")
    page = client.get(f"/admin/scorecards/pareto?scorecard={scored['card']}").get_data(as_text=True)
    # 1 of 3 partners is the top 20 %: B with 900 of 1,500
    assert "carry <strong>60 %</strong>" in page
    assert "Potential: low score, high potential" in page
    # C scores low (50 on revenue, no downloads: 30) with the highest market reach: potential
    response = client.post(
        f"/admin/scorecards/action-plan?scorecard={scored['card']}",
        data={"quadrant": "potential", "target": f"campaign:{scored['campaign']}"},
    )
    assert response.status_code == 302
    with app.app_context():
        campaign = session.get(Campaign, scored["campaign"])
        assert campaign.include_partner_ids == [scored["c"]]
    # nothing chosen: a message and a redirect, nothing changed
    response = client.post(
        f"/admin/scorecards/action-plan?scorecard={scored['card']}", data={"quadrant": "nope"}
    )
    assert response.status_code == 303


def test_run_on_demand_queues_a_run(app, world, scored, login_as, monkeypatch):
    sent = []
    monkeypatch.setattr("app.jobs.send", lambda task, args, eta=None: sent.append((task, args)))
    client = login_as("cm@vendor.example")
    assert client.post(f"/admin/scorecards/run?scorecard={scored['card']}").status_code == 302
    assert sent and sent[0][0] == "tandem.scorecards.run"
    with app.app_context():
        assert runs.run(sent[0][1][0]) == 3  # what the worker task does with it


def test_scorecard_edit_form(app, world, scored, login_as):
    client = login_as("cm@vendor.example")
    card = scored["card"]
    assert client.get(f"/admin/scorecards/{card}/edit").status_code == 200
    form = {
        "name": "Edited card",
        "period_days": "180",
        "keep_daily_days": "2",
        "keep_monthly_months": "24",
        "active": "yes",
        "metric_0": "revenue",
        "weight_0": "70",
        "method_0": "percentile",
        "metric_1": "certifications",
        "weight_1": "30",
        "method_1": "target",
        "target_1": "",
    }
    bad = client.post(f"/admin/scorecards/{card}/edit", data=form)
    assert bad.status_code == 400 and "a target above 0 is needed" in bad.get_data(as_text=True)
    assert "The days of daily scores" in bad.get_data(as_text=True)
    assert 'name="keep_daily_days" value="2"' in bad.get_data(as_text=True)  # kept as typed
    form["target_1"], form["keep_daily_days"] = "3", "30"
    assert client.post(f"/admin/scorecards/{card}/edit", data=form).status_code == 302
    with app.app_context():
        saved = session.get(Scorecard, card)
        assert saved.name == "Edited card" and saved.period_days == 180
        assert (saved.keep_daily_days, saved.keep_monthly_months) == (30, 24)
        assert [line["metric"] for line in saved.lines] == ["revenue", "certifications"]


CSV = (
    "partner,metric,period_start,period_end,value\n"
    "bravo-partner,revenue,2026-01-01,2026-03-31,1000\n"
    "nobody,revenue,2026-01-01,2026-03-31,5\n"
    "bravo-partner,profit,2026-01-01,2026-03-31,5\n"
    "bravo-partner,pipeline,2026-04-01,2026-03-31,abc\n"
)


def test_metrics_import_dry_run_and_row_errors(app, world, login_as):
    client = login_as("cm@vendor.example")
    upload = {"action": "preview", "file": (io.BytesIO(CSV.encode()), "m.csv")}
    page = client.post(
        "/admin/scorecards/metrics/import", data=upload, content_type="multipart/form-data"
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "No partner has the slug or id &#39;nobody&#39;" in text
    assert "&#39;profit&#39; is not a metric" in text
    assert "The period ends before it starts." in text and "is not a number" in text
    key = text.split('name="upload_key" value="')[1].split('"')[0]
    rejected = client.post(
        "/admin/scorecards/metrics/import", data={"upload_key": key, "action": "rejected"}
    )
    assert rejected.get_data(as_text=True).count("\n") == 4  # header and three rows to fix
    with app.app_context():
        assert session.execute(select(ImportedMetric)).first() is None  # a dry run
    client.post(
        "/admin/scorecards/metrics/import", data={"upload_key": key, "action": "commit_good"}
    )
    with app.app_context():
        rows = session.execute(select(ImportedMetric)).scalars().all()
        assert [(r.metric, r.value, r.partner_id) for r in rows] == [("revenue", 1000, world.b_id)]
    broken = {"action": "preview", "file": (io.BytesIO(b"who,what\n1,2\n"), "m.csv")}
    response = client.post(
        "/admin/scorecards/metrics/import", data=broken, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and b"Unknown column" in response.data


def test_portal_shows_only_the_partners_own_scorecard(app, world, scored, login_as):
    client = login_as("partner_admin@b.example")
    page = client.get("/portal/scorecard").get_data(as_text=True)
    assert "Your score: 100" in page and "Bravo Partner" in page
    assert "Alpha Secret Partner" not in page and "Charlie Partner" not in page
    client = login_as("partner_member@a.example")
    page = client.get("/portal/scorecard").get_data(as_text=True)
    assert "Your score: 0" in page  # A: lowest revenue, no downloads
    assert "To reach" in page
    # another partner's scores through the API: not found
    other = client.get(f"/portal/scorecard?partner={world.b_id}").get_data(as_text=True)
    assert "Bravo" not in other


def test_a_new_installation_sets_up_the_starter(app, world, login_as, monkeypatch):
    monkeypatch.setattr("app.jobs.send", lambda *a, **k: None)
    client = login_as("cm@vendor.example")
    page = client.get("/admin/scorecards").get_data(as_text=True)
    assert "Set up the starter scorecard" in page
    # a partner's scorecard page says so, rather than a 404
    assert "no scorecard yet" in client.get(f"/admin/scorecards/partners/{world.a_id}").get_data(
        as_text=True
    )
    assert client.post("/admin/scorecards/starter").status_code == 302
    with app.app_context():
        card = session.execute(select(Scorecard)).scalar_one()
        assert card.name == "Partner performance"
        assert len(card.thresholds) == 4  # the test ladder's four tiers
    page = client.get("/admin/scorecards").get_data(as_text=True)
    assert "Partner performance" in page and "Last run: queued" in page


def test_action_plan_enrolls_a_quadrant_in_a_live_journey(app, world, scored, login_as):
    from campaigns.journeys import lifecycle as journeys
    from campaigns.journeys.models import Enrollment

    with app.app_context():
        journey = journeys.create_journey(
            {
                "name": "Wake the potential",
                "definition": {
                    "audience": {"kind": "partners", "rules": {}},
                    "trigger": {"kind": "manual"},
                    "steps": [{"id": "hello", "type": "email", "subject": "Hi", "body": "Hello."}],
                },
            },
            "test",
        )
        session.commit()
        journeys.publish(journey, "test")
        session.commit()
        journey_id = journey.id
    client = login_as("cm@vendor.example")
    page = client.get(f"/admin/scorecards/pareto?scorecard={scored['card']}").get_data(as_text=True)
    assert f'value="journey:{journey_id}"' in page and "Wake the potential" in page
    response = client.post(
        f"/admin/scorecards/action-plan?scorecard={scored['card']}",
        data={"quadrant": "potential", "target": f"journey:{journey_id}"},
    )
    assert response.status_code == 302
    with app.app_context():
        enrolled = session.execute(
            select(Enrollment.partner_id).where(Enrollment.journey_id == journey_id)
        ).scalars()
        assert list(enrolled) == [scored["c"]]
    # a journey that is not live is refused with a message, nothing enrolled
    response = client.post(
        f"/admin/scorecards/action-plan?scorecard={scored['card']}",
        data={"quadrant": "potential", "target": "journey:999999"},
        follow_redirects=True,
    )
    assert "Choose a live journey for partners." in response.get_data(as_text=True)
