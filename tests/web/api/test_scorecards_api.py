"""The scorecard API on both databases: definitions, runs, scores with their explanation,
imported figures (all or nothing), and a partner's token reaching only its own scores."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import session
from directory.activity_models import ImportedMetric
from directory.scorecards import runs
from directory.scorecards.models import Scorecard, ScoreRun
from tests.factories.scorecards import scored_with_a_recommendation

pytestmark = pytest.mark.xdist_group("api")


@pytest.fixture
def bearer(app, world):
    from app.models import User
    from directory import people

    headers = {}
    with app.app_context():
        for key in ("admin", "marketer", "a_partner_admin", "b_partner_admin"):
            user = session.get(User, world.users[key].id)
            _row, token = people.create_api_token(user, "test")
            headers[key] = {"Authorization": f"Bearer {token}"}
        session.commit()
    return headers


def test_scorecards_scores_and_their_explanation(app, world, bearer, monkeypatch):
    monkeypatch.setattr("app.jobs.send", lambda *a, **k: None)
    client = app.test_client()
    with app.app_context():
        card_id, _rec = scored_with_a_recommendation(world.a_id)
    listed = client.get("/api/v1/scorecards", headers=bearer["marketer"]).get_json()
    assert [c["name"] for c in listed["items"]] == ["Test card"]
    assert listed["items"][0]["thresholds"] == {"Gold": 75, "Silver": 40}

    scores = client.get(f"/api/v1/scorecards/{card_id}/scores", headers=bearer["marketer"])
    items = {i["partner"]: i for i in scores.get_json()["items"]}
    alpha = items["Alpha Secret Partner"]
    assert alpha["score"] == 60 and alpha["tier"] == "Gold"
    assert alpha["recommended_tier"] == "Silver"
    assert [
        (line["metric"], line["normalized"], line["contribution"]) for line in alpha["lines"]
    ] == [
        ("revenue", 100, 60),
        ("assets_downloaded", 0, 0),
    ]

    created = client.post(
        "/api/v1/scorecards",
        json={
            "name": "Leads first",
            "lines": [
                {"metric": "leads_won", "weight": 3, "method": "percentile"},
                {"metric": "lead_response_hours", "weight": 1, "method": "target", "target": 48},
            ],
            "thresholds": {"Gold": 80},
        },
        headers=bearer["admin"],
    )
    assert created.status_code == 201, created.get_json()
    bad = client.patch(
        f"/api/v1/scorecards/{created.get_json()['id']}",
        json={"lines": [{"metric": "revenue", "weight": 1, "method": "target"}]},
        headers=bearer["admin"],
    )
    assert bad.status_code == 422 and "target above 0" in bad.get_json()["error"]["fields"]["lines"]
    kept = client.patch(
        f"/api/v1/scorecards/{created.get_json()['id']}",
        json={"keep_daily_days": 30, "keep_monthly_months": 12},
        headers=bearer["admin"],
    )
    assert kept.status_code == 200, kept.get_json()
    assert (kept.get_json()["keep_daily_days"], kept.get_json()["keep_monthly_months"]) == (30, 12)
    too_short = client.patch(
        f"/api/v1/scorecards/{created.get_json()['id']}",
        json={"keep_daily_days": 1},
        headers=bearer["admin"],
    )
    assert too_short.status_code in (400, 422)
    run = client.post(f"/api/v1/scorecards/{card_id}/runs", headers=bearer["admin"])
    assert run.status_code == 202 and run.get_json()["state"] == "queued"
    with app.app_context():
        assert runs.run(run.get_json()["id"]) == 2
        assert session.get(ScoreRun, run.get_json()["id"]).state == "done"
        assert session.get(Scorecard, card_id).last_run_id == run.get_json()["id"]


def test_a_partner_reads_only_its_own_scores(app, world, bearer, monkeypatch):
    monkeypatch.setattr("app.jobs.send", lambda *a, **k: None)
    client = app.test_client()
    with app.app_context():
        card_id, _rec = scored_with_a_recommendation(world.a_id)
    own = client.get(f"/api/v1/partners/{world.a_id}/scores", headers=bearer["a_partner_admin"])
    assert own.status_code == 200 and own.get_json()["items"][0]["score"] == 60
    other = client.get(f"/api/v1/partners/{world.a_id}/scores", headers=bearer["b_partner_admin"])
    assert other.status_code == 404
    assert client.get("/api/v1/scorecards", headers=bearer["b_partner_admin"]).status_code == 404
    assert (
        client.get(f"/api/v1/scorecards/{card_id}/scores", headers=bearer["b_partner_admin"])
    ).status_code == 404


def test_imported_metrics_all_or_nothing(app, world, bearer):
    client = app.test_client()
    good = {
        "partner_id": world.a_id,
        "metric": "revenue",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "value": 1200.5,
    }
    bad = {**good, "partner_id": 999999, "period_start": "2026-04-01", "period_end": "2026-03-01"}
    refused = client.put(
        "/api/v1/imported-metrics", json={"items": [good, bad]}, headers=bearer["admin"]
    )
    assert refused.status_code == 422
    fields = refused.get_json()["error"]["fields"]
    assert "items.1.partner" in fields and "items.1.period_end" in fields
    with app.app_context():
        assert session.execute(select(ImportedMetric)).first() is None
    saved = client.put("/api/v1/imported-metrics", json={"items": [good]}, headers=bearer["admin"])
    assert saved.get_json()["created"] == 1
    again = client.put(
        "/api/v1/imported-metrics",
        json={"items": [{**good, "value": 1300}]},
        headers=bearer["admin"],
    )
    assert again.get_json()["updated"] == 1
    listed = client.get(
        f"/api/v1/imported-metrics?partner_id={world.a_id}&metric=revenue",
        headers=bearer["marketer"],
    ).get_json()
    assert [(i["value"], i["period_start"]) for i in listed["items"]] == [(1300, "2026-01-01")]
    assert (
        client.put("/api/v1/imported-metrics", json={"items": [good]}, headers=bearer["marketer"])
    ).status_code == 403
    assert (
        client.get("/api/v1/imported-metrics?metric=profit", headers=bearer["marketer"])
    ).status_code == 400
