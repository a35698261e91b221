"""The demo data shows what Tandem is for on the first page view: launched campaigns built
from the starters, rendered, customized by a few partners (the demo partner users' own
among them), with engagement over the past weeks; and the demo partner's users see them."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.db import session, utcnow
from app.models import User
from app.storage import get_storage
from campaigns.models import (
    AssetRender,
    Campaign,
    CampaignPartner,
    CampaignStatus,
    Customization,
    EngagementEvent,
)

PASSWORD = "tandem-demo-2026"


@pytest.fixture
def demo(app, monkeypatch):
    """The demo of 12 partners, loaded with the tasks it hands over recorded, not sent."""
    from app import jobs
    from app.cli import demo as demo_data

    sent: list[tuple[str, list]] = []
    monkeypatch.setattr(jobs, "send", lambda task, args, eta=None: sent.append((task, args)))
    with app.app_context():
        loaded = demo_data.load(12)
        session.remove()
    assert loaded is not None
    return loaded, sent


def test_demo_launches_rendered_campaigns_with_customizations_and_events(app, demo):
    loaded, sent = demo
    assert (loaded.campaigns.live, loaded.campaigns.scheduled) == (2, 1)
    assert loaded.campaigns.failed == 0
    with app.app_context():
        now = utcnow()
        campaigns = session.execute(select(Campaign).order_by(Campaign.id)).scalars().all()
        live = [c for c in campaigns if c.status == CampaignStatus.LIVE.value]
        scheduled = [c for c in campaigns if c.status == CampaignStatus.SCHEDULED.value]
        assert len(live) == 2 and len(scheduled) == 1
        assert scheduled[0].scheduled_at > now and scheduled[0].launched_at is None
        starters = {a.template_version.template.slug for c in campaigns for a in c.assets}
        assert {"product-flyer", "social-landscape", "monthly-newsletter"} <= starters
        for campaign in live:
            # launched weeks ago, for the partners its rules match
            assert campaign.launched_at < now - timedelta(days=7)
            targeted = session.execute(
                select(func.count()).where(CampaignPartner.campaign_id == campaign.id)
            ).scalar_one()
            assert targeted >= 2
            # every co-branded file is rendered and stored, with its preview
            renders = (
                session.execute(select(AssetRender).where(AssetRender.campaign_id == campaign.id))
                .scalars()
                .all()
            )
            assert len(renders) == targeted * len(campaign.assets)
            assert {r.status for r in renders} == {"done"}
            storage = get_storage()
            assert all(
                storage.exists(r.storage_key) and storage.exists(r.preview_key) for r in renders
            )
            # engagement spread over the weeks since the launch
            events = (
                session.execute(
                    select(EngagementEvent).where(EngagementEvent.campaign_id == campaign.id)
                )
                .scalars()
                .all()
            )
            assert {"view", "preview", "customize", "download"} <= {e.kind for e in events}
            assert all(campaign.launched_at <= e.created_at <= now for e in events)
            assert len({e.created_at.date() for e in events}) >= 5
        # a few partners customized, the demo partner users' own among them
        demo_partner_id = session.execute(
            select(User.partner_id).where(User.email == "partner.member@demo.example.com")
        ).scalar_one()
        customized = set(session.execute(select(Customization.partner_id)).scalars())
        assert demo_partner_id in customized and len(customized) >= 3
        session.remove()
    # the renders the launches handed over find their rows done (the worker leaves them)
    assert any(task.endswith("render_chunk") for task, _args in sent)


def test_demo_partner_member_sees_live_campaigns_with_thumbnails(app, demo, client):
    response = client.post(
        "/login", data={"email": "partner.member@demo.example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    home = client.get("/portal/").get_data(as_text=True)
    assert "No live campaigns right now" not in home
    with app.app_context():
        live = (
            session.execute(select(Campaign).where(Campaign.status == CampaignStatus.LIVE.value))
            .scalars()
            .all()
        )
        firsts = {c.name: c.assets[0].id for c in live}
        flyer = next(
            a.id for c in live for a in c.assets if a.template_version.template.kind == "pdf"
        )
        session.remove()
    for name, asset_id in firsts.items():
        assert name in home
        thumb_url = f"/portal/assets/{asset_id}/thumbnail.png"
        assert thumb_url in home
        thumb = client.get(thumb_url)
        assert thumb.status_code == 200 and thumb.data.startswith(b"\x89PNG"), name
    pdf = client.get(f"/portal/assets/{flyer}/download/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # co-branded, with the demo partner's own headline
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "10% off installation in June" in text


def test_demo_campaigns_show_in_the_admin_with_charts(app, demo, client):
    client.post("/login", data={"email": "marketer@demo.example.com", "password": PASSWORD})
    listing = client.get("/admin/campaigns").get_data(as_text=True)
    with app.app_context():
        campaigns = session.execute(select(Campaign).order_by(Campaign.id)).scalars().all()
        names = [(c.id, c.name, c.status) for c in campaigns]
        session.remove()
    for _id, name, _status in names:
        assert name in listing
    for campaign_id, _name, status in names:
        if status != "live":
            continue
        board = client.get(f"/admin/campaigns/{campaign_id}/dashboard").get_data(as_text=True)
        assert board.count('<figure class="chart">') == 4
        assert "No activity yet" not in board


def test_demo_partner_history_reads_in_words(app, demo, client):
    from directory.models import Partner

    client.post("/login", data={"email": "manager@demo.example.com", "password": PASSWORD})
    with app.app_context():
        partner_id = session.execute(
            select(User.partner_id).where(User.email == "partner.admin@demo.example.com")
        ).scalar_one()
        assert session.get(Partner, partner_id).tier.name == "Gold"
        session.remove()
    page = client.get(f"/admin/partners/{partner_id}").get_data(as_text=True)
    history = page[page.index("<h2>History</h2>") :]
    assert "Location added" in history and "Street: Marktplatz 1" in history
    assert "Logo added" in history or "Logo changed" in history
    assert "logos/" not in history and "None" not in history


def test_demo_runs_two_starter_journeys_with_people_at_different_steps(app, demo):
    from campaigns.journeys import analytics
    from campaigns.journeys.models import Application, Journey, JourneySend

    with app.app_context():
        journeys = session.execute(select(Journey).order_by(Journey.id)).scalars().all()
        assert [j.starter for j in journeys] == ["onboarding", "recruitment"]
        assert all(j.status == "live" for j in journeys)
        for journey in journeys:
            funnel = analytics.funnel(journey.id)
            assert sum(1 for row in funnel if row["completed"]) >= 2, funnel
        onboarding = journeys[0]
        waiting_at = {row["step"] for row in analytics.funnel(onboarding.id) if row["waiting"]}
        done = analytics.state_counts([onboarding.id])[onboarding.id]
        assert len(waiting_at) + bool(done["done"]) >= 2
        sends = session.execute(select(JourneySend)).scalars().all()
        assert any(s.opened_at for s in sends) and any(s.clicked_at for s in sends)
        pending = session.execute(
            select(func.count()).where(Application.status == "submitted")
        ).scalar_one()
        assert pending == 2


def test_demo_partners_have_tags_and_the_onboarding_journey_uses_them(app, demo, client):
    from campaigns.journeys.models import Enrollment, Journey, StepRun
    from directory.models import Partner

    with app.app_context():
        tagged = {
            name: tags
            for name, tags in session.execute(select(Partner.name, Partner.tags)).all()
            if tags
        }
        assert any("vip" in tags for tags in tagged.values()), tagged
        onboarding = session.execute(
            select(Journey).where(Journey.starter == "onboarding")
        ).scalar_one()
        steps = {s["id"]: s for s in onboarding.current_version.definition["steps"]}
        assert steps["vip"]["if"] == {"fact": "partner", "field": "tags", "values": ["vip"]}
        assert steps["tag-onboarded"]["tag"] == "onboarded"
        ran = set(
            session.execute(
                select(StepRun.step_id)
                .join(Enrollment, Enrollment.id == StepRun.enrollment_id)
                .where(Enrollment.journey_id == onboarding.id)
            ).scalars()
        )
        assert "vip" in ran
    client.post("/login", data={"email": "manager@demo.example.com", "password": PASSWORD})
    listed = client.get("/admin/partners?tag=vip").get_data(as_text=True)
    assert 'aria-label="Partners tagged vip"' in listed
    home = client.get("/admin/").get_data(as_text=True)
    assert "applications to join the program" in home  # the two waiting, counted


def test_demo_has_prospects_and_two_applications_to_review(app, demo, client):
    client.post("/login", data={"email": "manager@demo.example.com", "password": PASSWORD})
    listing = client.get("/admin/applications?status=submitted").get_data(as_text=True)
    assert "Waiting for review (2)" in listing
    prospects = client.get("/admin/prospects").get_data(as_text=True)
    assert "Northwind Energy" in prospects and "Invited" in prospects
    # the purchased list holds a partner's look-alike: flagged
    assert "Looks like the partner" in prospects


def test_demo_has_scorecards_with_history_pareto_and_recommendations(app, demo):
    from directory.activity_models import ImportedMetric, PartnerActivity
    from directory.scorecards import board, cards
    from directory.scorecards.models import (
        RunState,
        ScoreRun,
        ScoreSnapshot,
        TierRecommendation,
    )

    with app.app_context():
        card = cards.default_scorecard()
        assert card is not None and card.name == cards.STARTER_NAME
        states = session.execute(select(ScoreRun.state)).scalars().all()
        assert states == [RunState.DONE] * 12  # a year of monthly runs
        assert session.scalar(select(func.count(ImportedMetric.id))) > 0
        kinds = set(session.execute(select(PartnerActivity.kind).distinct()).scalars())
        assert {"portal_login", "asset_downloaded", "asset_viewed"} <= kinds
        latest = (
            session.execute(select(ScoreSnapshot).where(ScoreSnapshot.run_id == card.last_run_id))
            .scalars()
            .all()
        )
        assert latest and all(s.previous_score is not None for s in latest)
        assert session.scalar(select(func.count(TierRecommendation.id))) > 0
        pareto = board.pareto(card, "revenue", utcnow())
        assert pareto["total"] > 0 and pareto["top_share"] > 20


def test_the_demo_has_leads_in_every_state(app, demo):
    from directory.leads.models import Lead, LeadStatus, LocatorSearch

    with app.app_context():
        states = set(session.execute(select(Lead.status)).scalars())
        assert states == {s.value for s in LeadStatus}
        assert session.execute(select(func.count()).where(Lead.conflict_open)).scalar_one() >= 1
        partner_id = session.execute(
            select(User.partner_id).where(User.email == "partner.admin@demo.example.com")
        ).scalar_one()
        mine = set(
            session.execute(select(Lead.status).where(Lead.partner_id == partner_id)).scalars()
        )
        assert {"new", "accepted", "contacted", "won", "lost"} <= mine
        assert (
            session.execute(select(func.count()).where(LocatorSearch.results == 0)).scalar_one()
            >= 3
        )
        from directory.leads import declines, search_gaps

        # partners declined some leads, saying why; the searches with no result make areas
        said = [d.reason for found in declines.of_leads(range(1, 1000)).values() for d in found]
        assert said and all(said)
        assert len(search_gaps.unmet_demand()) >= 3
