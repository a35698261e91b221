"""Campaigns through the REST API: a marketer builds, targets and launches; the targeted Gold
partner lists, customizes and fetches its co-branded file; the Silver partner sees nothing;
bad input is a 4xx with the fields named. A property-based run over the campaign operations
with a live campaign in the database finds no server error."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import select

from app.db import session
from app.models import MailMessage
from brand_templates.library import load_starter
from brand_templates.versions import import_template, publish
from campaigns import lifecycle
from campaigns.models import EngagementEvent
from directory import people

pytestmark = pytest.mark.xdist_group("api")

TOKEN_USERS = {
    "admin": "admin@vendor.example",
    "marketer": "marketer@vendor.example",
    "cm": "cm@vendor.example",
    "gold": "partner_member@a.example",
    "gold_admin": "partner_admin@a.example",
    "silver": "partner_admin@b.example",
}


@pytest.fixture
def api(app, world):
    """Bearer headers per user, the test client and a published social-square version."""
    with app.app_context():
        version = publish(
            session, import_template(session, load_starter("social-square"), slug="social-square")
        )
        headers = {}
        for key, email in TOKEN_USERS.items():
            _row, token = people.create_api_token(people.find_user(email), "api test")
            headers[key] = {"Authorization": f"Bearer {token}"}
        session.commit()
        version_id = version.id
    return SimpleNamespace(
        app=app, client=app.test_client(), h=headers, version_id=version_id, world=world
    )


def _launched_campaign(api) -> tuple[int, int]:
    """A live campaign for Gold partners (A only) with one square asset, made via the API."""
    c = api.client
    created = c.post(
        "/api/v1/campaigns",
        headers=api.h["marketer"],
        json={
            "name": "Gold summer push",
            "objective": "promotion",
            "description": "Sell batteries",
            "starts_on": "2024-06-01",
            "targeting": {"tiers": ["gold"]},
        },
    )
    assert created.status_code == 201, created.get_json()
    campaign = created.get_json()
    assert campaign["status"] == "draft" and campaign["targeting"]["tiers"] == ["Gold"]
    added = c.post(
        f"/api/v1/campaigns/{campaign['id']}/assets",
        headers=api.h["marketer"],
        json={
            "template_version_id": api.version_id,
            "title": "Square post",
            "presets": {"cta": "Call us today"},
            "editable_fields": ["headline", "body"],
        },
    )
    assert added.status_code == 201, added.get_json()
    asset = added.get_json()
    assert asset["editable_fields"] == ["headline", "body"] and asset["kind"] == "image"
    assert asset["formats"] == ["png", "jpeg", "webp"]
    launched = c.post(f"/api/v1/campaigns/{campaign['id']}/launch", headers=api.h["marketer"])
    assert launched.status_code == 200, launched.get_json()
    # the announcement went into the outbox once per user of partner A, and nowhere else
    with api.app.app_context():
        outbox = session.execute(select(MailMessage.to_address, MailMessage.subject)).all()
        session.remove()
    announced = sorted(to for to, subject in outbox if subject.endswith(": Gold summer push"))
    assert announced == ["partner_admin@a.example", "partner_member@a.example"]
    assert len(outbox) == len(announced)
    assert launched.get_json() == {
        "partners_added": 1,
        "renders_queued": 1,
        "emails_queued": len(announced),
        "no_email": [],  # everyone targeted got an email
        "status": "live",
    }
    return campaign["id"], asset["id"]


def _by_name(fields: list[dict]) -> dict[str, dict]:
    return {f["name"]: f for f in fields}


def test_marketer_builds_targets_and_launches(app, api):
    c = api.client
    templates = c.get("/api/v1/templates", headers=api.h["marketer"]).get_json()["items"]
    square = next(t for t in templates if t["id"] == api.version_id)
    assert square["kind"] == "image" and square["number"] == 1
    fields = _by_name(square["fields"])
    assert fields["headline"]["editable"] and fields["headline"]["label"] == "Headline"
    assert fields["product_image"]["editable"] is False and fields["accent"]["type"] == "color"

    preview = c.post(
        "/api/v1/targeting/preview", headers=api.h["cm"], json={"targeting": {"min_tier": "Gold"}}
    )
    assert preview.status_code == 200
    assert preview.get_json()["count"] == 1
    assert preview.get_json()["partners"][0] == {
        "id": api.world.a_id,
        "name": "Alpha Secret Partner",
        "tier": "Gold",
        "countries": ["DE"],
    }
    everyone = c.post(
        "/api/v1/targeting/preview",
        headers=api.h["cm"],
        json={"targeting": {}, "exclude_partner_ids": [api.world.a_id]},
    )
    assert everyone.get_json()["count"] == 1
    assert everyone.get_json()["partners"][0]["name"] == "Bravo Partner"

    campaign_id, asset_id = _launched_campaign(api)
    shown = c.get(f"/api/v1/campaigns/{campaign_id}", headers=api.h["cm"]).get_json()
    assert shown["status"] == "live" and shown["launched_at"].endswith("Z")
    assert [a["id"] for a in shown["assets"]] == [asset_id]
    assert shown["progress"]["total"] == 1 and shown["next_statuses"] == ["ended"]
    live = c.get("/api/v1/campaigns?status=live", headers=api.h["cm"]).get_json()["items"]
    assert [x["id"] for x in live] == [campaign_id]
    assert c.get("/api/v1/campaigns?status=draft", headers=api.h["cm"]).get_json()["items"] == []
    assert c.get("/api/v1/campaigns?status=zombie", headers=api.h["cm"]).status_code == 400
    # launching again adds nobody
    again = c.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=api.h["admin"])
    assert again.get_json()["partners_added"] == 0

    patched = c.patch(
        f"/api/v1/campaigns/{campaign_id}",
        headers=api.h["marketer"],
        json={"description": "Sell more batteries", "ends_on": "2099-12-31"},
    )
    assert patched.status_code == 200
    assert patched.get_json()["description"] == "Sell more batteries"
    assert patched.get_json()["ends_on"] == "2099-12-31"
    progress = c.get(f"/api/v1/campaigns/{campaign_id}/progress", headers=api.h["cm"]).get_json()
    assert progress["status"] == "live" and progress["total"] == 1 and progress["failures"] == []

    # the channel manager reads but does not build
    assert c.post("/api/v1/campaigns", headers=api.h["cm"], json={"name": "No"}).status_code == 403
    assert c.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=api.h["cm"]).status_code == 403


def test_the_launch_says_why_some_partners_got_no_email(app, api):
    """As the admin's launch message does: a partner with nobody to email, an address that
    unsubscribed; in the schema the OpenAPI document gives."""
    from jsonschema import validate

    from app.mail import suppress
    from tests.factories.directory import make_partner

    c, h = api.client, api.h["marketer"]
    campaign = c.post(
        "/api/v1/campaigns",
        headers=h,
        json={"name": "Quiet push", "targeting": {"tiers": ["Gold"]}},
    ).get_json()
    asset = {"template_version_id": api.version_id}
    assert (
        c.post(f"/api/v1/campaigns/{campaign['id']}/assets", headers=h, json=asset).status_code
        == 201
    )
    with app.app_context():
        make_partner("Lonely Gold Partner", tier="Gold")  # nobody to email
        suppress("partner_member@a.example")
        session.commit()
    launched = c.post(f"/api/v1/campaigns/{campaign['id']}/launch", headers=h)
    assert launched.status_code == 200
    body = launched.get_json()
    assert (body["partners_added"], body["emails_queued"]) == (2, 1)
    assert body["no_email"] == [
        {
            "reason": "no_address",
            "count": 1,
            "unit": "partners",
            "message": "1 partner has nobody with an email address to tell yet (they find the "
            "campaign in the portal)",
        },
        {
            "reason": "unsubscribed",
            "count": 1,
            "unit": "addresses",
            "message": "1 address unsubscribed from marketing email",
        },
    ]
    doc = c.get("/api/openapi.json").get_json()
    operation = doc["paths"]["/api/v1/campaigns/{campaign_id}/launch"]["post"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    validate(body, {**schema, "components": doc.get("components", {})})
    assert "no_email" in str(schema) or "no_email" in str(doc.get("components"))


def test_gold_partner_customizes_and_downloads(app, api, login_as):
    campaign_id, asset_id = _launched_campaign(api)
    c, gold = api.client, api.h["gold"]
    listed = c.get("/api/v1/partner/campaigns", headers=gold).get_json()["items"]
    assert [x["id"] for x in listed] == [campaign_id]
    assert listed[0]["assets"] == [
        {
            "id": asset_id,
            "title": "Square post",
            "kind": "image",
            "formats": ["png", "jpeg", "webp"],
        }
    ]
    assert c.get(f"/api/v1/partner/campaigns/{campaign_id}", headers=gold).status_code == 200

    asset = c.get(f"/api/v1/partner/assets/{asset_id}", headers=gold).get_json()
    fields = _by_name(asset["fields"])
    assert fields["headline"]["editable"] and fields["headline"]["source"] == "default"
    assert fields["cta"] == {
        **fields["cta"],
        "value": "Call us today",
        "source": "vendor",
        "editable": False,
    }
    assert asset["customized"] is False

    saved = c.put(
        f"/api/v1/partner/assets/{asset_id}/customization",
        headers=gold,
        json={"values": {"headline": "Our summer offer", "body": "  "}},
    )
    assert saved.status_code == 200, saved.get_json()
    fields = _by_name(saved.get_json()["fields"])
    assert fields["headline"]["value"] == "Our summer offer"
    assert fields["headline"]["source"] == "partner" and fields["body"]["source"] == "default"
    assert saved.get_json()["customized"] is True

    locked = c.put(
        f"/api/v1/partner/assets/{asset_id}/customization",
        headers=gold,
        json={"values": {"headline": "Mine", "cta": "Free stuff"}},
    )
    assert locked.status_code == 422
    assert "locked" in locked.get_json()["error"]["fields"]["values.cta"]
    too_long = c.put(
        f"/api/v1/partner/assets/{asset_id}/customization",
        headers=gold,
        json={"values": {"headline": "x" * 61}},
    )
    assert (
        too_long.status_code == 422 and "values.headline" in too_long.get_json()["error"]["fields"]
    )
    unknown = c.put(
        f"/api/v1/partner/assets/{asset_id}/customization",
        headers=gold,
        json={"values": {"nope": "x"}},
    )
    assert unknown.status_code == 422 and "values.nope" in unknown.get_json()["error"]["fields"]
    not_strings = c.put(
        f"/api/v1/partner/assets/{asset_id}/customization",
        headers=gold,
        json={"values": {"headline": 5}},
    )
    assert not_strings.status_code == 422
    # nothing of the refused attempts was kept
    kept = c.get(f"/api/v1/partner/assets/{asset_id}", headers=gold).get_json()
    assert _by_name(kept["fields"])["headline"]["value"] == "Our summer offer"

    render = c.get(f"/api/v1/partner/assets/{asset_id}/renders/png", headers=gold)
    assert render.status_code == 200, render.get_json()
    body = render.get_json()
    assert body["content_type"] == "image/png" and len(body["render_key"]) >= 16
    assert body["filename"] == "gold-summer-push-square-post-alpha-secret-partner.png"
    assert body["url"] == f"http://localhost/api/v1/partner/assets/{asset_id}/renders/png/file"
    assert c.get(f"/api/v1/partner/assets/{asset_id}/renders/pdf", headers=gold).status_code == 404
    jpeg = c.get(f"/api/v1/partner/assets/{asset_id}/renders/jpeg", headers=gold).get_json()
    assert jpeg["content_type"] == "image/jpeg" and jpeg["render_key"] != body["render_key"]

    # the url is the file itself, for the same token, with an ETag to ask again cheaply
    file_url = body["url"].removeprefix("http://localhost")
    download = c.get(file_url, headers=gold)
    assert download.status_code == 200 and download.data.startswith(b"\x89PNG")
    assert download.headers["ETag"] == f'"{body["render_key"]}"'
    assert download.headers["Content-Disposition"] == f'attachment; filename="{body["filename"]}"'
    again = c.get(file_url, headers={**gold, "If-None-Match": download.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert c.get(file_url).status_code == 401  # the token is the only way in
    # a signed-in partner user gets the same file from the portal
    browser = login_as("partner_member@a.example")
    portal = browser.get(f"/portal/assets/{asset_id}/download/png")
    assert portal.data == download.data and portal.headers["ETag"] == download.headers["ETag"]

    reset = c.delete(f"/api/v1/partner/assets/{asset_id}/customization", headers=gold)
    assert reset.status_code == 200
    assert _by_name(reset.get_json()["fields"])["headline"]["source"] == "default"

    with app.app_context():
        rows = session.execute(select(EngagementEvent).order_by(EngagementEvent.id)).scalars()
        recorded = [(e.kind, e.asset_id, e.user_id, e.partner_id) for e in rows]
        session.remove()
    member = api.world.users["a_partner_member"].id
    a = api.world.a_id
    assert recorded == [
        ("view", None, member, a),  # the campaign
        ("view", asset_id, member, a),
        ("customize", asset_id, member, a),
        ("view", asset_id, member, a),
        ("download", asset_id, member, a),  # the file through the API, not the render JSON
        ("download", asset_id, member, a),  # the same again: 304
        ("download", asset_id, member, a),  # from the portal
        ("customize", asset_id, member, a),  # the reset
    ]
    dashboard = c.get(f"/api/v1/campaigns/{campaign_id}/dashboard", headers=api.h["cm"])
    assert dashboard.status_code == 200
    d = dashboard.get_json()
    assert d["partners"] == {"targeted": 1, "view": 1, "preview": 0, "customize": 1, "download": 1}
    assert d["events"]["view"] == 3 and d["by_tier"][0]["name"] == "Gold"
    assert d["top_partners"][0]["partner_id"] == a


def test_silver_partner_finds_nothing(app, api):
    campaign_id, asset_id = _launched_campaign(api)
    c, silver = api.client, api.h["silver"]
    assert c.get("/api/v1/partner/campaigns", headers=silver).get_json() == {"items": []}
    refused = [
        ("GET", f"/api/v1/partner/campaigns/{campaign_id}", None),
        ("GET", f"/api/v1/partner/assets/{asset_id}", None),
        ("PUT", f"/api/v1/partner/assets/{asset_id}/customization", {"values": {"headline": "x"}}),
        ("PUT", f"/api/v1/partner/assets/{asset_id}/customization", None),  # 404 before 400
        ("DELETE", f"/api/v1/partner/assets/{asset_id}/customization", None),
        ("GET", f"/api/v1/partner/assets/{asset_id}/renders/png", None),
        ("GET", f"/api/v1/partner/assets/{asset_id}/renders/png/file", None),
        ("GET", f"/api/v1/campaigns/{campaign_id}", None),  # vendor routes are not there either
        ("GET", "/api/v1/campaigns", None),
        ("GET", "/api/v1/templates", None),
    ]
    for method, path, json in refused:
        response = c.open(path, method=method, headers=silver, json=json)
        assert response.status_code == 404, (method, path)
        assert b"Alpha" not in response.data and b"Gold summer" not in response.data
        assert response.get_json()["error"]["code"] == 404
    with app.app_context():
        assert session.execute(select(EngagementEvent)).first() is None
        session.remove()
    # when the campaign ends, the Gold partner loses it too
    with app.app_context():
        lifecycle.end_campaign(campaign_id)
        session.remove()
    gold = api.h["gold"]
    assert c.get("/api/v1/partner/campaigns", headers=gold).get_json() == {"items": []}
    assert c.get(f"/api/v1/partner/assets/{asset_id}", headers=gold).status_code == 404


def test_partner_uploads_a_picture_and_uses_only_its_own(app, api):
    import io

    from PIL import Image

    c, gold = api.client, api.h["gold_admin"]
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (20, 160, 90)).save(buffer, format="JPEG")
    uploaded = c.post(
        "/api/v1/partner/pictures",
        headers={**gold, "Content-Type": "image/jpeg"},
        data=buffer.getvalue(),
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    body = uploaded.get_json()
    assert body["ref"].startswith(f"storage:partner-pictures/{api.world.a_id}/")
    assert (body["content_type"], body["width"], body["height"]) == ("image/jpeg", 300, 200)
    assert c.get("/api/v1/partner/pictures", headers=gold).get_json()["items"] == [body]
    # another partner's library is its own
    assert c.get("/api/v1/partner/pictures", headers=api.h["silver"]).get_json() == {"items": []}

    refused = c.post(
        "/api/v1/partner/pictures", headers={**gold, "Content-Type": "image/png"}, data=b"%PDF-1"
    )
    assert refused.status_code == 422
    assert "looks like a PDF" in refused.get_json()["error"]["fields"]["body"]
    wrong_type = c.post(
        "/api/v1/partner/pictures", headers={**gold, "Content-Type": "text/plain"}, data=b"x"
    )
    assert (
        wrong_type.status_code == 400 and "image/png" in wrong_type.get_json()["error"]["message"]
    )
    vendor = c.post(
        "/api/v1/partner/pictures",
        headers={**api.h["marketer"], "Content-Type": "image/jpeg"},
        data=buffer.getvalue(),
    )
    assert vendor.status_code == 403  # a partner's operation

    # the same bytes are stored once: the same ref again
    again = c.post(
        "/api/v1/partner/pictures",
        headers={**gold, "Content-Type": "image/jpeg"},
        data=buffer.getvalue(),
    )
    assert again.get_json() == body
    assert len(c.get("/api/v1/partner/pictures", headers=gold).get_json()["items"]) == 1
    # (that a partner can use only its own pictures in image fields is the domain's rule,
    # tested in tests/campaigns/test_pictures.py; the customization PUT calls it)


def test_validation_errors_name_the_fields(app, api):
    c, h = api.client, api.h["marketer"]

    def fields(response, status=422):
        assert response.status_code == status, response.get_json()
        return response.get_json()["error"]["fields"]

    assert "'name' is a required" in fields(c.post("/api/v1/campaigns", headers=h, json={}))["body"]
    assert "name" in fields(c.post("/api/v1/campaigns", headers=h, json={"name": " "}))
    assert "body" in fields(c.post("/api/v1/campaigns", headers=h, json={"name": "X", "colour": 1}))
    assert (
        "Diamond"
        in fields(
            c.post(
                "/api/v1/campaigns",
                headers=h,
                json={"name": "X", "targeting": {"min_tier": "Diamond"}},
            )
        )["targeting.min_tier"]
    )
    assert "targeting.countries" in fields(
        c.post(
            "/api/v1/campaigns",
            headers=h,
            json={"name": "X", "targeting": {"countries": ["Atlantis"]}},
        )
    )
    assert "ends_on" in fields(
        c.post(
            "/api/v1/campaigns",
            headers=h,
            json={"name": "X", "starts_on": "2030-02-01", "ends_on": "2030-01-01"},
        )
    )
    assert "starts_on" in fields(
        c.post("/api/v1/campaigns", headers=h, json={"name": "X", "starts_on": "tomorrow"})
    )
    assert (
        "no partner with id 99999"
        in fields(
            c.post(
                "/api/v1/campaigns", headers=h, json={"name": "X", "include_partner_ids": [99999]}
            )
        )["include_partner_ids"]
    )
    assert "include_partner_ids.0" in fields(
        c.post("/api/v1/campaigns", headers=h, json={"name": "X", "include_partner_ids": [2**40]})
    )
    assert "exclude_partner_ids" in fields(
        c.post("/api/v1/targeting/preview", headers=h, json={"exclude_partner_ids": [77777]})
    )
    no_json = c.post("/api/v1/campaigns", headers=h, data="name=X")
    assert no_json.status_code == 400 and no_json.get_json()["error"]["code"] == 400

    campaign = c.post("/api/v1/campaigns", headers=h, json={"name": "Draft"}).get_json()
    base = f"/api/v1/campaigns/{campaign['id']}"
    assert "assets" in fields(c.post(f"{base}/launch", headers=h))
    assert "assets" in fields(
        c.post(f"{base}/schedule", headers=h, json={"at": "2030-01-01T09:00Z"})
    )
    assert "template_version_id" in fields(
        c.post(f"{base}/assets", headers=h, json={"template_version_id": 4242})
    )
    assert "presets.accent" in fields(
        c.post(
            f"{base}/assets",
            headers=h,
            json={"template_version_id": api.version_id, "presets": {"accent": "red"}},
        )
    )
    assert (
        "locked"
        in fields(
            c.post(
                f"{base}/assets",
                headers=h,
                json={"template_version_id": api.version_id, "editable_fields": ["product_image"]},
            )
        )["editable_fields"]
    )
    asset = c.post(f"{base}/assets", headers=h, json={"template_version_id": api.version_id})
    assert asset.status_code == 201
    asset_id = asset.get_json()["id"]
    assert asset.get_json()["title"] == "Square post 1080×1080"
    assert "presets.nope" in fields(
        c.patch(f"{base}/assets/{asset_id}", headers=h, json={"presets": {"nope": "x"}})
    )

    for when in (
        "soon",
        "2001-01-01T00:00:00",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:30+01:00",
    ):
        assert "at" in fields(c.post(f"{base}/schedule", headers=h, json={"at": when})), when
    scheduled = c.post(f"{base}/schedule", headers=h, json={"at": "2099-05-01T08:00:00+02:00"})
    assert scheduled.status_code == 200
    assert scheduled.get_json()["status"] == "scheduled"
    assert scheduled.get_json()["scheduled_at"] == "2099-05-01T06:00:00Z"

    # an asset is reached through its own campaign only
    other = c.post("/api/v1/campaigns", headers=h, json={"name": "Other"}).get_json()
    assert (
        c.patch(
            f"/api/v1/campaigns/{other['id']}/assets/{asset_id}", headers=h, json={"title": "x"}
        ).status_code
        == 404
    )
    assert (
        c.delete(f"/api/v1/campaigns/{other['id']}/assets/{asset_id}", headers=h).status_code == 404
    )
    renamed = c.patch(
        f"{base}/assets/{asset_id}", headers=h, json={"title": "Renamed", "position": 3}
    )
    assert renamed.get_json()["title"] == "Renamed" and renamed.get_json()["position"] == 3
    removed = c.delete(f"{base}/assets/{asset_id}", headers=h)
    assert removed.get_json() == {"id": asset_id, "removed": True}
    assert c.get(base, headers=h).get_json()["assets"] == []
    assert c.get(f"{base}/progress", headers=h).get_json()["total"] == 0

    assert c.get("/api/v1/campaigns/999999", headers=h).status_code == 404
    assert c.get(f"/api/v1/campaigns/{2**31}", headers=h).status_code == 404
    anonymous = c.get("/api/v1/campaigns")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == 401


def test_openapi_document_describes_the_campaign_routes(app):
    doc = app.test_client().get("/api/openapi.json").get_json()
    paths = doc["paths"]
    for path, method in [
        ("/api/v1/campaigns", "get"),
        ("/api/v1/campaigns", "post"),
        ("/api/v1/campaigns/{campaign_id}", "patch"),
        ("/api/v1/campaigns/{campaign_id}/assets/{asset_id}", "delete"),
        ("/api/v1/campaigns/{campaign_id}/schedule", "post"),
        ("/api/v1/targeting/preview", "post"),
        ("/api/v1/templates", "get"),
        ("/api/v1/partner/campaigns", "get"),
        ("/api/v1/partner/assets/{asset_id}/customization", "put"),
        ("/api/v1/partner/assets/{asset_id}/renders/{fmt}", "get"),
        ("/api/v1/partner/assets/{asset_id}/renders/{fmt}/file", "get"),
        ("/api/v1/partner/pictures", "post"),
        ("/api/v1/partner/pictures", "get"),
    ]:
        assert paths[path][method]["tags"] == ["campaigns"], (path, method)
    params = {
        p["name"]: p["schema"]
        for p in paths["/api/v1/partner/assets/{asset_id}/renders/{fmt}"]["get"]["parameters"]
    }
    assert params["asset_id"]["type"] == "integer" and params["fmt"]["type"] == "string"


# --- the property-based run, with a live campaign to find ----------------------------------

CAMPAIGN_PATH = re.compile(r"^/api/v1/(campaigns|targeting/|templates|partner/)")
SEEDED = {"campaign_id": 1, "asset_id": 1}


@pytest.fixture
def seeded_api(app, api):
    """A live campaign (id 1, asset 1) aimed at partner A, whose admin and the vendor's admin
    hold the tokens: generated requests reach real rows, not only 404s."""
    campaign_id, asset_id = _launched_campaign(api)
    assert (campaign_id, asset_id) == (SEEDED["campaign_id"], SEEDED["asset_id"])
    return api


def _aimed_at_the_seed(operation):
    """The operation's cases, half of them with the path naming the seeded campaign and asset
    (and a format the asset has, or not)."""
    strategy = operation.as_strategy()

    def pin(pair):
        case, fmt = pair
        for name in case.path_parameters or {}:
            case.path_parameters[name] = SEEDED.get(name, fmt)
        return case

    pinned = st.tuples(strategy, st.sampled_from(["png", "jpeg", "webp", "pdf"])).map(pin)
    return st.one_of(strategy, pinned) if operation.path_parameters else strategy


def test_campaign_operations_have_no_server_errors(app, seeded_api):
    api_schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    operations = [op for op in operations if CAMPAIGN_PATH.match(op.path)]
    assert len(operations) == 22
    # removing the seeded asset last keeps it there for the others
    operations.sort(
        key=lambda op: (
            op.method.upper() == "DELETE"
            and "/assets/" in op.path
            and op.path.startswith("/api/v1/campaigns")
        )
    )
    tokens = [seeded_api.h["admin"], seeded_api.h["gold_admin"]]
    for operation in operations:

        @given(case=_aimed_at_the_seed(operation))
        @settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def run(case):
            for headers in tokens:
                response = case.call(headers=headers)
                case.validate_response(response, checks=checks)

        run()
