"""Hostile and malformed input to the pages and the API: text that is not valid Unicode (lone
surrogates), control characters and NUL, and JSON nested thousands of levels deep. Each is a
4xx with a message naming the field; nothing of it is stored; and rows that already hold
such text (stored before it was refused) take no page down."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.db import session
from app.models import AuditEntry
from campaigns.models import Campaign, CampaignAsset, Customization
from directory.models import Partner
from tests.factories.campaigns import gold_push_with_tokens

SURROGATE = "x\ud800"
NOT_TEXT = [
    pytest.param(SURROGATE, "lone surrogate", id="surrogate"),
    pytest.param("x\x01y", "control characters", id="control"),
    pytest.param("x\x00y", "NUL", id="nul"),
]
TOKENS = {
    "cm": "cm@vendor.example",
    "marketer": "marketer@vendor.example",
    "partner_admin": "partner_admin@a.example",
}


@pytest.fixture
def hostile(app, world):
    """A live campaign aimed at partner A (Gold) with a square image asset whose headline
    partners may change, and API tokens of a channel manager, a marketer and A's admin."""
    with app.app_context(), app.test_request_context():
        headers, made = gold_push_with_tokens(TOKENS, "hostile")
        ids = SimpleNamespace(campaign=made["campaign"], asset=made["asset"], partner=world.a_id)
    return SimpleNamespace(api=app.test_client(), h=headers, ids=ids)


def _state(app) -> dict:
    """What a refused request must leave as it was."""
    with app.app_context():
        partners = session.execute(select(Partner).order_by(Partner.id)).scalars()
        campaigns = session.execute(select(Campaign).order_by(Campaign.id)).scalars()
        customizations = session.execute(select(Customization)).scalars()
        state = {
            "partners": [
                (p.name, p.description, p.specialties, p.regions, p.updated_at) for p in partners
            ],
            "campaigns": [(c.name, c.description, c.updated_at) for c in campaigns],
            "customizations": [dict(c.values) for c in customizations],
            "audit": session.scalar(select(func.count(AuditEntry.id))),
        }
        session.remove()
        return state


def _pages_answer(app, world, ids, login_as) -> None:
    """The pages that show partner A and the campaign answer 200 to their users."""
    vendor = login_as("cm@vendor.example")
    for path in (
        f"/admin/partners/{ids.partner}",
        f"/admin/partners/{ids.partner}/edit",
        "/admin/partners",
        "/admin/partners/export.csv",
        f"/admin/campaigns/{ids.campaign}",
        "/admin/audit",
    ):
        response = vendor.get(path)
        assert response.status_code == 200, (path, response.status_code)
    partner = login_as("partner_admin@a.example")
    for path in (
        "/portal/profile",
        "/portal/",
        f"/portal/campaigns/{ids.campaign}",
        f"/portal/assets/{ids.asset}",
    ):
        response = partner.get(path)
        assert response.status_code == 200, (path, response.status_code)
    assert partner.get(f"/api/v1/partners/{ids.partner}").status_code == 401  # no token


# --- 1. text that is not text, through the API --------------------------------------------


def _api_requests(ids, value):
    """(who, method, path, body, the field the error names) for each way in."""
    return [
        ("partner_admin", "PATCH", f"/api/v1/partners/{ids.partner}", {"specialties": [value]},
         "specialties.0"),
        ("partner_admin", "PATCH", f"/api/v1/partners/{ids.partner}", {"regions": ["ok", value]},
         "regions.1"),
        ("partner_admin", "PATCH", f"/api/v1/partners/{ids.partner}", {"name": value}, "name"),
        ("cm", "PATCH", f"/api/v1/partners/{ids.partner}", {"description": value},
         "description"),
        ("cm", "POST", "/api/v1/partners", {"name": value}, "name"),
        ("marketer", "POST", "/api/v1/campaigns", {"name": value}, "name"),
        ("marketer", "PATCH", f"/api/v1/campaigns/{ids.campaign}", {"name": value}, "name"),
        ("marketer", "PATCH", f"/api/v1/campaigns/{ids.campaign}",
         {"targeting": {"regions": [value]}}, "targeting.regions.0"),
        ("marketer", "PATCH", f"/api/v1/campaigns/{ids.campaign}/assets/{ids.asset}",
         {"presets": {"cta": value}}, "presets.cta"),
        ("partner_admin", "PUT", f"/api/v1/partner/assets/{ids.asset}/customization",
         {"values": {"headline": value}}, "values.headline"),
        ("partner_admin", "PUT", f"/api/v1/partner/assets/{ids.asset}/customization",
         {"values": {value: "a key that is not text"}}, "values"),
    ]  # fmt: skip


@pytest.mark.parametrize(("value", "says"), NOT_TEXT)
def test_api_refuses_text_that_is_not_text_naming_the_field(
    app, world, hostile, login_as, value, says
):
    before = _state(app)
    for who, method, path, body, field in _api_requests(hostile.ids, value):
        response = hostile.api.open(path, method=method, json=body, headers=hostile.h[who])
        assert response.status_code == 422, (method, path, body, response.get_data(as_text=True))
        error = response.get_json()["error"]
        named = [name for name in error["fields"] if name.startswith(field)]
        assert named, (path, body, error)
        assert says in error["fields"][named[0]], error
    assert _state(app) == before, "a refused request left something behind"
    _pages_answer(app, world, hostile.ids, login_as)


def test_api_takes_tabs_newlines_and_any_real_unicode(app, world, hostile):
    text = "Tab\there, line\nbreak\r\n, emoji 😀, Ω, 日本"
    response = hostile.api.patch(
        f"/api/v1/partners/{hostile.ids.partner}",
        json={"description": text, "specialties": ["😀 solar"]},
        headers=hostile.h["partner_admin"],
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["description"] == text.strip()
    assert response.get_json()["specialties"] == ["😀 solar"]


# --- 1. ... through the forms --------------------------------------------------------------


@pytest.mark.parametrize(("value", "says"), NOT_TEXT[1:])
def test_forms_refuse_control_characters_naming_the_field(
    app, world, hostile, login_as, value, says
):
    before = _state(app)
    vendor = login_as("cm@vendor.example")
    a = hostile.ids.partner
    for path, data in [
        ("/admin/partners/new", {"name": value}),
        (f"/admin/partners/{a}/edit", {"name": "Alpha", "specialties": value}),
        (f"/admin/partners/{a}/locations/new", {"city": value, "country_code": "DE"}),
    ]:
        response = vendor.post(path, data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (path, response.status_code)
        assert says in page, (path, page[:2000])
        field = next(iter(k for k, v in data.items() if v == value))
        assert f"The field &#39;{field}&#39;" in page
    # the status change's note: the page again, the note named
    response = vendor.post(
        f"/admin/partners/{a}/status", data={"status": "inactive", "note": value}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and says in page
    assert "The field &#39;note&#39;" in page
    marketer = login_as("marketer@vendor.example")
    response = marketer.post("/admin/campaigns/new", data={"name": value, "objective": "promotion"})
    assert response.status_code == 400 and says in response.get_data(as_text=True)
    partner = login_as("partner_admin@a.example")
    response = partner.post("/portal/profile", data={"description": value})
    assert response.status_code == 400
    assert "The field &#39;description&#39;" in response.get_data(as_text=True)
    response = partner.post(f"/portal/assets/{hostile.ids.asset}", data={"field_headline": value})
    assert response.status_code == 400 and says in response.get_data(as_text=True)
    assert _state(app) == before
    _pages_answer(app, world, hostile.ids, login_as)


def test_csv_import_refuses_control_characters_and_nul_by_row_and_field(
    app, world, hostile, login_as
):
    before = _state(app)
    client = login_as("cm@vendor.example")
    csv = (
        "name,specialties,regions,description\n"
        # past the first 4 KB, where a NUL says "not a text file" for the whole file
        f"Good Partner,solar,North,{'long ' * 900}\n"
        "Bell Partner,so\x07lar,North,fine\n"
        "Nul Partner,solar,No\x00rth,fine\n"
    ).encode()
    response = client.post(
        "/admin/partners/import",
        data={"action": "commit", "file": (io.BytesIO(csv), "p.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "control characters (U+0007)" in page and "NUL" in page
    assert _state(app) == before


# --- 1. rows that already hold such text ---------------------------------------------------


def test_rows_stored_before_the_rule_take_no_page_down(app, world, hostile, login_as):
    """Inserted straight through the session, as an older version let them in: JSON columns
    keep a lone surrogate (as a \\ud800 escape) on both databases; text columns keep control
    characters."""
    with app.app_context():
        a = session.get(Partner, hostile.ids.partner)
        a.specialties = [SURROGATE, "ok"]
        a.regions = ["North\ud800"]
        a.certifications = ["bell\x07"]
        a.description = "a\x01b\x1fc"
        asset = session.get(CampaignAsset, hostile.ids.asset)
        asset.presets = {"cta": "Call\ud800"}
        session.add(
            Customization(asset_id=asset.id, partner_id=a.id, values={"headline": SURROGATE})
        )
        campaign = session.get(Campaign, hostile.ids.campaign)
        campaign.targeting = {**campaign.targeting, "regions": ["South\ud800"]}
        campaign.description = "bell\x07"
        session.commit()
        session.remove()
    _pages_answer(app, world, hostile.ids, login_as)
    vendor = login_as("cm@vendor.example")
    page = vendor.get(f"/admin/partners/{hostile.ids.partner}").get_data(as_text=True)
    assert "x\ufffd" in page  # shown, with U+FFFD for what is not text
    export = vendor.get("/admin/partners/export.csv").get_data(as_text=True)
    assert "x\ufffd, ok" in export and "North\ufffd" in export
    # the API answers with JSON a strict parser reads
    response = hostile.api.get(
        f"/api/v1/partners/{hostile.ids.partner}", headers=hostile.h["partner_admin"]
    )
    assert response.status_code == 200
    response.get_data().decode("utf-8")
    assert (
        hostile.api.get(
            f"/api/v1/partner/assets/{hostile.ids.asset}", headers=hostile.h["partner_admin"]
        ).status_code
        == 200
    )


# --- 2. JSON nested thousands of levels deep -----------------------------------------------

DEEP = 5000


@pytest.mark.parametrize(
    "body",
    [
        "[" * DEEP + "]" * DEEP,
        '{"name": ' + "[" * DEEP + "]" * DEEP + "}",
        '{"values": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}",
        # deep enough for the schema's error message, shallow enough for the parser
        '{"name": ' + "[" * 200 + "]" * 200 + "}",
    ],
    ids=["array", "in-a-field", "objects", "moderate"],
)
def test_deeply_nested_json_is_a_clear_400(app, world, hostile, body):
    before = _state(app)
    ids = hostile.ids
    for who, method, path in [
        ("cm", "POST", "/api/v1/partners"),
        ("partner_admin", "PATCH", f"/api/v1/partners/{ids.partner}"),
        ("marketer", "POST", "/api/v1/campaigns"),
        ("marketer", "POST", "/api/v1/targeting/preview"),
        ("partner_admin", "PUT", f"/api/v1/partner/assets/{ids.asset}/customization"),
    ]:
        response = hostile.api.open(
            path,
            method=method,
            data=body,
            content_type="application/json",
            headers=hostile.h[who],
        )
        assert response.status_code == 400, (path, response.status_code)
        error = response.get_json()["error"]
        assert error["code"] == 400
        assert "nested more than 32 levels deep" in error["message"], error
    assert _state(app) == before


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"name": "unfinished', "not valid JSON"),
        (b'{"name": "\xff\xfe"}', "not UTF-8"),
        (b'{"name": ' + b"9" * 5000 + b"}", "not valid JSON"),
    ],
)
def test_malformed_json_is_a_clear_400(app, world, hostile, body, says):
    response = hostile.api.post(
        "/api/v1/partners", data=body, content_type="application/json", headers=hostile.h["cm"]
    )
    assert response.status_code == 400
    assert says in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "target", ["/admin/%0d%0aSet-Cookie:%20x=1", "/admin/%0a", "/admin/%01", "/admin/%00"]
)
def test_a_next_address_with_line_breaks_or_controls_is_ignored(app, client, world, target):
    response = client.post(
        f"/login?next={target}",
        data={"email": "cm@vendor.example", "password": "correct-horse-battery"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert "x=1" not in " ".join(response.headers.getlist("Set-Cookie"))
