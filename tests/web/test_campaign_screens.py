"""Campaign screens end to end through the web: a marketer builds, targets and launches a
campaign; a targeted partner customizes and downloads; an untargeted one sees nothing."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import select, update

from app.db import session
from campaigns.models import (
    AssetRender,
    Campaign,
    CampaignAsset,
    CampaignPartner,
    EngagementEvent,
)
from tests.factories.directory import make_partner


def _build_campaign(client, world, min_tier: str = "Gold") -> tuple[int, int]:
    assert client.post("/admin/templates/starters/product-flyer").status_code == 302
    from brand_templates.models import BrandTemplateVersion

    version_id = session.execute(select(BrandTemplateVersion.id)).scalar_one()
    session.remove()
    response = client.post(
        "/admin/campaigns/new",
        data={
            "name": "Spring battery promo",
            "objective": "promotion",
            "description": "Sell more",
            "min_tier": min_tier,
            "statuses": ["active"],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:600]
    campaign_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    response = client.post(
        f"/admin/campaigns/{campaign_id}/assets",
        data={"template_version_id": version_id, "title": "Flyer"},
    )
    assert response.status_code == 302
    asset_id = session.execute(select(CampaignAsset.id)).scalar_one()
    session.remove()
    return campaign_id, asset_id


def test_marketer_targets_previews_and_launches(app, world, login_as):
    client = login_as("marketer@vendor.example")
    with app.app_context():
        campaign_id, asset_id = _build_campaign(client, world)
    # the targeting preview counts Gold-and-above partners: only A
    preview = client.post(
        "/admin/campaigns/targeting-preview", data={"min_tier": "Gold", "statuses": "active"}
    )
    assert preview.get_json()["count"] == 1
    assert preview.get_json()["partners"][0]["name"] == "Alpha Secret Partner"
    bad = client.post("/admin/campaigns/targeting-preview", data={"min_tier": "Diamond"})
    assert bad.status_code == 422
    # preview as partner
    shown = client.get(f"/admin/campaigns/assets/{asset_id}/preview?partner_id={world.b_id}")
    assert shown.status_code == 200 and shown.data.startswith(b"\x89PNG")
    page = client.get(f"/admin/campaigns/{campaign_id}")
    assert b"Launch now" in page.data
    # "Launch now" asks first, saying how many partners and emails (tests/web/test_editing.py)
    asked = client.post(f"/admin/campaigns/{campaign_id}/launch", data={"action": "now"})
    assert asked.status_code == 200 and b"Launch Spring battery promo now?" in asked.data
    launched = client.post(
        f"/admin/campaigns/{campaign_id}/launch",
        data={"action": "now", "confirmed": "yes"},
        follow_redirects=True,
    )
    assert b"Launched: 1 partner added, 1 file being made" in launched.data
    progress = client.get(f"/admin/campaigns/{campaign_id}/progress.json").get_json()
    assert progress["total"] == 1 and progress["status"] == "live"
    # launching again adds nobody
    again = client.post(
        f"/admin/campaigns/{campaign_id}/launch",
        data={"action": "now", "confirmed": "yes"},
        follow_redirects=True,
    )
    assert b"Launched: 0 partners added" in again.data
    with app.app_context():
        assert session.execute(select(AssetRender)).scalars().all().__len__() == 1
        session.remove()
    assert client.get(f"/admin/campaigns/{campaign_id}/dashboard").status_code == 200
    assert client.get(f"/admin/campaigns/{campaign_id}/engagement.csv").mimetype == "text/csv"


def test_partner_customizes_and_downloads(app, world, login_as):
    client = login_as("marketer@vendor.example")
    with app.app_context():
        campaign_id, asset_id = _build_campaign(client, world)
    client.post(
        f"/admin/campaigns/{campaign_id}/launch", data={"action": "now", "confirmed": "yes"}
    )

    client = login_as("partner_member@a.example")
    home = client.get("/portal/")
    assert b"Spring battery promo" in home.data
    page = client.get(f"/portal/assets/{asset_id}")
    assert page.status_code == 200
    with app.app_context():
        editable = session.get(CampaignAsset, asset_id).editable_fields
        session.remove()
    assert editable, "the flyer starter lets partners change something"
    field = "headline"
    assert field in editable
    saved = client.post(f"/portal/assets/{asset_id}", data={f"field_{field}": "Our spring special"})
    assert saved.status_code == 302
    download = client.get(f"/portal/assets/{asset_id}/download/pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert (
        'attachment; filename="spring-battery-promo-flyer-alpha-secret-partner.pdf"'
        == download.headers["Content-Disposition"]
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.data)).pages)
    assert "Alpha Secret Partner" in text and "Our spring special" in text
    etag = download.headers["ETag"]
    assert (
        client.get(
            f"/portal/assets/{asset_id}/download/pdf", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )
    png = client.get(f"/portal/assets/{asset_id}/download/png")
    assert png.mimetype == "image/png"
    bundle = client.get(f"/portal/campaigns/{campaign_id}/download.zip")
    assert zipfile.ZipFile(io.BytesIO(bundle.data)).namelist() == [
        "spring-battery-promo-flyer-alpha-secret-partner.pdf"
    ]
    ok = client.post(f"/portal/assets/{asset_id}/preview", data={f"field_{field}": "Live one"})
    assert ok.status_code == 200 and ok.mimetype == "image/png"
    live = client.post(f"/portal/assets/{asset_id}/preview", data={f"field_{field}": "x" * 5000})
    assert live.status_code == 422
    with app.app_context():
        kinds = {e.kind for e in session.execute(select(EngagementEvent)).scalars()}
        assert {"view", "customize", "download", "preview"} <= kinds
        session.remove()

    # partner B (Silver) is not targeted: the campaign does not exist for it
    client = login_as("partner_admin@b.example")
    assert b"Spring battery promo" not in client.get("/portal/").data
    assert client.get(f"/portal/campaigns/{campaign_id}").status_code == 404
    assert client.get(f"/portal/assets/{asset_id}").status_code == 404
    assert client.get(f"/portal/assets/{asset_id}/download/pdf").status_code == 404
    with app.app_context():
        assert session.get(Campaign, campaign_id).status == "live"
        session.remove()


def test_out_of_range_ids_in_forms_are_clear_errors(app, world, login_as):
    """Ids typed into forms and query strings are checked like path ids: 4xx, never a 500."""
    client = login_as("marketer@vendor.example")
    with app.app_context():
        campaign_id, asset_id = _build_campaign(client, world)
    huge = str(2**40)
    assert (
        client.get(f"/admin/campaigns/assets/{asset_id}/preview?partner_id={huge}").status_code
        == 404
    )
    preview = client.post("/admin/campaigns/targeting-preview", data={"include_partner_ids": huge})
    assert preview.status_code == 422 and huge in str(preview.get_json())
    new = client.post("/admin/campaigns/new", data={"name": "X", "exclude_partner_ids": huge})
    assert new.status_code == 400 and f"no partner with id {huge}" in new.get_data(as_text=True)
    added = client.post(
        f"/admin/campaigns/{campaign_id}/assets",
        data={"template_version_id": huge},
        follow_redirects=True,
    )
    assert f"There is no template version {huge}" in added.get_data(as_text=True)


ENGAGEMENT_HEADER = [
    "partner",
    "slug",
    "tier",
    "countries",
    "regions",
    "targeted_at",
    "source",
    "left_at",
    "view",
    "preview",
    "customize",
    "download",
    "first_activity",
    "last_activity",
]


def test_engagement_csv_has_a_row_per_targeted_partner_with_its_numbers(app, world, login_as):
    client = login_as("marketer@vendor.example")
    with app.app_context():
        campaign_id, asset_id = _build_campaign(client, world, min_tier="Silver")
        make_partner("Charlie Untargeted", tier="Registered", regions="Tyrol")  # below Silver
        session.commit()
        session.remove()
    client.post(
        f"/admin/campaigns/{campaign_id}/launch", data={"action": "now", "confirmed": "yes"}
    )
    # views through the portal: A twice, B once
    for who, times in (("partner_member@a.example", 2), ("partner_admin@b.example", 1)):
        partner_client = login_as(who)
        for _ in range(times):
            assert partner_client.get(f"/portal/campaigns/{campaign_id}").status_code == 200
    start = datetime(2026, 3, 2, 9, 30)
    with app.app_context():
        # the rest of A's activity, and every event moved to a known time, one hour apart
        a_user = session.execute(
            select(EngagementEvent.user_id).where(EngagementEvent.partner_id == world.a_id)
        ).scalar()
        for kind, times in (("preview", 3), ("customize", 1), ("download", 4)):
            for _ in range(times):
                session.add(
                    EngagementEvent(
                        kind=kind,
                        partner_id=world.a_id,
                        user_id=a_user,
                        campaign_id=campaign_id,
                        asset_id=asset_id,
                        created_at=start,
                    )
                )
        session.flush()
        ids = session.execute(select(EngagementEvent.id).order_by(EngagementEvent.id)).scalars()
        for hours, event_id in enumerate(ids):
            session.execute(
                update(EngagementEvent)
                .where(EngagementEvent.id == event_id)
                .values(created_at=start + timedelta(hours=hours))
            )
        session.execute(
            update(CampaignPartner)
            .where(CampaignPartner.campaign_id == campaign_id)
            .values(added_at=datetime(2026, 3, 1, 8, 0))
        )
        # B stopped matching later on
        session.execute(
            update(CampaignPartner)
            .where(CampaignPartner.partner_id == world.b_id)
            .values(left_at=datetime(2026, 3, 5, 17, 45))
        )
        session.commit()
        session.remove()

    client = login_as("cm@vendor.example")
    response = client.get(f"/admin/campaigns/{campaign_id}/engagement.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="campaign-{campaign_id}-engagement.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[:1] == [ENGAGEMENT_HEADER]
    # events in id order: A's two views (09:30, 10:30), B's view (11:30), then A's 3 previews,
    # 1 customize and 4 downloads (12:30 ... 19:30)
    assert rows[1:] == [
        [
            "Alpha Secret Partner",
            "alpha-secret-partner",
            "Gold",
            "DE",
            "",
            "2026-03-01 08:00",
            "launch",
            "",
            "2",
            "3",
            "1",
            "4",
            "2026-03-02 09:30",
            "2026-03-02 19:30",
        ],
        [
            "Bravo Partner",
            "bravo-partner",
            "Silver",
            "DE",
            "",
            "2026-03-01 08:00",
            "launch",
            "2026-03-05 17:45",
            "1",
            "0",
            "0",
            "0",
            "2026-03-02 11:30",
            "2026-03-02 11:30",
        ],
    ]
