"""Prospects and applications through the REST API: vendor staff list, add and change
prospects (duplicates named), managers approve and decline applications; partners see none
of it; bad input is a 4xx with the fields named."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import session
from app.models import Invitation, MailMessage
from campaigns.journeys.models import Application
from directory import people
from directory.models import Partner
from tests.factories.recruitment import make_application, make_prospect

pytestmark = pytest.mark.xdist_group("api")

TOKEN_USERS = {
    "admin": "admin@vendor.example",
    "marketer": "marketer@vendor.example",
    "cm": "cm@vendor.example",
    "partner": "partner_admin@a.example",
}


@pytest.fixture
def api(app, world):
    """A client and a bearer header per user."""
    headers = {}
    with app.app_context():
        for key, email in TOKEN_USERS.items():
            _row, token = people.create_api_token(people.find_user(email), "test")
            headers[key] = {"Authorization": f"Bearer {token}"}
        session.commit()
    return app.test_client(), headers


def test_prospects_add_list_get_change_with_duplicates(app, api):
    client, h = api
    first = client.post(
        "/api/v1/prospects",
        json={"company": "India Power", "email": "info@indiapower.example", "country": "in"},
        headers=h["marketer"],
    )
    assert first.status_code == 201, first.json
    assert first.json["country"] == "IN" and first.json["domain"] == "indiapower.example"
    assert first.json["status"] == "new" and first.json["duplicates"]["prospects"] == []
    second = client.post(
        "/api/v1/prospects",
        json={"company": "India Power Ltd", "email": "sales@indiapower.example"},
        headers=h["cm"],
    )
    assert second.json["duplicates"]["prospects"] == [first.json["id"]]
    partner_like = client.post(
        "/api/v1/prospects",
        json={"company": "Alpha Again", "email": "x@alpha.example"},
        headers=h["admin"],
    )
    with app.app_context():
        alpha = session.execute(
            select(Partner.id).where(Partner.name == "Alpha Secret Partner")
        ).scalar_one()
    assert partner_like.json["duplicates"]["partners"] == [alpha]
    listing = client.get("/api/v1/prospects?q=india", headers=h["marketer"]).json
    assert listing["total"] == 2 and {p["company"] for p in listing["items"]} == {
        "India Power",
        "India Power Ltd",
    }
    pid = first.json["id"]
    shown = client.get(f"/api/v1/prospects/{pid}", headers=h["marketer"])
    assert shown.json["duplicates"]["prospects"] == [second.json["id"]]
    changed = client.patch(
        f"/api/v1/prospects/{pid}", json={"status": "invited"}, headers=h["marketer"]
    )
    assert changed.status_code == 200 and changed.json["status"] == "invited"
    assert client.get("/api/v1/prospects?status=invited", headers=h["cm"]).json["total"] == 1


def test_prospect_bad_input_names_the_fields(app, api):
    client, h = api
    bad = client.post(
        "/api/v1/prospects",
        json={"company": "Juliet", "email": "juliet", "country": "Atlantis"},
        headers=h["admin"],
    )
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {"email", "country"}
    unknown = client.post(
        "/api/v1/prospects",
        json={"company": "K", "email": "k@k.example", "x": 1},
        headers=h["admin"],
    )
    assert unknown.status_code == 422
    assert client.get("/api/v1/prospects?status=nope", headers=h["admin"]).status_code == 400
    assert client.get("/api/v1/prospects/999999", headers=h["admin"]).status_code == 404


def _applications(app, count: int = 2) -> list[int]:
    with app.app_context(), app.test_request_context():
        made = [
            make_application(company=f"Kilo {n}", email=f"kilo{n}@kilo{n}.example")
            for n in range(count)
        ]
        session.commit()
        return [a.id for a in made]


def test_applications_list_get_approve_decline(app, api):
    client, h = api
    approve_id, decline_id = _applications(app)
    listing = client.get("/api/v1/applications?status=submitted", headers=h["marketer"])
    assert listing.json["total"] == 2
    shown = client.get(f"/api/v1/applications/{approve_id}", headers=h["marketer"]).json
    assert shown["company"] == "Kilo 0" and shown["specialties"] == ["Solar", "Storage"]
    assert "I agree" in shown["consent_text"] and "duplicates" in shown
    refused = client.post(
        f"/api/v1/applications/{approve_id}/approve", json={}, headers=h["marketer"]
    )
    assert refused.status_code == 403
    approved = client.post(f"/api/v1/applications/{approve_id}/approve", json={}, headers=h["cm"])
    assert approved.status_code == 200, approved.json
    assert approved.json["application"]["status"] == "approved" and approved.json["invited"]
    with app.app_context():
        partner = session.get(Partner, approved.json["partner_id"])
        assert (partner.name, partner.status) == ("Kilo 0", "onboarding")
        assert session.execute(select(Invitation.email)).scalar_one() == "kilo0@kilo0.example"
    again = client.post(f"/api/v1/applications/{approve_id}/approve", json={}, headers=h["cm"])
    assert (
        again.status_code == 422 and "already approved" in again.json["error"]["fields"]["status"]
    )
    declined = client.post(
        f"/api/v1/applications/{decline_id}/decline",
        json={"reason": "Outside our regions."},
        headers=h["admin"],
    )
    assert declined.status_code == 200
    assert (declined.json["status"], declined.json["decline_reason"]) == (
        "declined",
        "Outside our regions.",
    )
    with app.app_context():
        last = session.execute(select(MailMessage).order_by(MailMessage.id.desc())).scalars()
        message = next(iter(last))
        assert message.to_address == "kilo1@kilo1.example"
        assert "Outside our regions." in message.text_body
        assert session.get(Application, decline_id).reviewed_at is not None
    assert client.get("/api/v1/applications?status=bogus", headers=h["admin"]).status_code == 400


def test_partners_reach_no_recruitment_route(app, api):
    client, h = api
    (app_id,) = _applications(app, 1)
    with app.app_context():
        prospect_id = make_prospect("Lima Light").id
        session.commit()
    for method, path, body in [
        ("GET", "/api/v1/prospects", None),
        ("POST", "/api/v1/prospects", {"company": "P", "email": "p@p.example"}),
        ("GET", f"/api/v1/prospects/{prospect_id}", None),
        ("PATCH", f"/api/v1/prospects/{prospect_id}", {"notes": "x"}),
        ("GET", "/api/v1/applications", None),
        ("GET", f"/api/v1/applications/{app_id}", None),
        ("POST", f"/api/v1/applications/{app_id}/approve", {}),
        ("POST", f"/api/v1/applications/{app_id}/decline", {}),
    ]:
        response = client.open(path, method=method, json=body, headers=h["partner"])
        assert response.status_code == 404, (method, path)
        assert b"Lima Light" not in response.data and b"Kilo" not in response.data


def test_openapi_documents_the_recruitment_operations(app):
    doc = app.test_client().get("/api/openapi.json").json
    paths = doc["paths"]
    assert set(paths["/api/v1/prospects"]) == {"get", "post"}
    assert set(paths["/api/v1/prospects/{prospect_id}"]) == {"get", "patch"}
    assert set(paths["/api/v1/applications"]) == {"get"}
    assert "post" in paths["/api/v1/applications/{application_id}/approve"]
    decline = paths["/api/v1/applications/{application_id}/decline"]["post"]
    assert decline["tags"] == ["recruitment"]
    assert "reason" in decline["requestBody"]["content"]["application/json"]["schema"]["properties"]
