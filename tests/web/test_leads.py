"""Lead pages: the customer's form (honeypot, rate limit, errors keep what was typed), the
portal inbox, the admin list, reports, rules, privacy and exports, and the leads API."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.db import session
from app.models import MailMessage
from directory.leads.models import Lead, LeadStatus
from directory.models import Partner
from tests.conftest import login


@pytest.fixture
def listed(app, world):
    with app.app_context():
        for partner in session.execute(select(Partner)).scalars():
            partner.listed_in_locator = True
        session.commit()
    return world


FORM = {
    "name": "Carla Customer",
    "email": "carla@customer.example",
    "phone": "+49 30 1234567",
    "postcode": "10115",
    "product_interest": "Solar panels",
    "message": "Call me",
    "consent": "yes",
    "latitude": "52.5",
    "longitude": "13.4",
}


def send(client, **extra):
    return client.post("/request", data={**FORM, **extra})


def test_a_customer_sends_a_request_to_the_partner_chosen(app, client, listed):
    page = client.get("/request?partner=alpha-secret-partner&q=Berlin")
    assert page.status_code == 200 and b"Request a quote from Alpha Secret Partner" in page.data
    response = send(client, partner="alpha-secret-partner")
    assert response.status_code == 302 and response.headers["Location"].endswith("/request/sent")
    assert client.get("/request/sent").status_code == 200
    with app.app_context():
        lead = session.execute(select(Lead)).scalar_one()
        assert lead.partner_id == listed.a_id and lead.routing == "direct"
        assert lead.consent_text.startswith("I agree")
        to = {m.to_address for m in session.execute(select(MailMessage)).scalars()}
        assert "carla@customer.example" in to  # the confirmation
        assert "partner_admin@a.example" in to and "partner_admin@b.example" not in to


def test_errors_keep_what_was_typed_and_save_nothing(app, client, listed):
    response = send(client, email="nope", consent="")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Carla Customer" in body and "Please agree to be contacted" in body
    assert "is not an email address" in body
    with app.app_context():
        assert session.execute(select(Lead)).first() is None
        assert session.execute(select(MailMessage)).first() is None


def test_the_honeypot_thanks_bots_and_keeps_nothing(app, client, listed):
    response = send(client, company_website="http://spam.example")
    assert response.status_code == 302
    with app.app_context():
        assert session.execute(select(Lead)).first() is None


def test_requests_are_rate_limited_per_address(app, client, listed):
    app.config["TANDEM"].lead_limit_per_address  # noqa: B018 - the setting exists
    codes = [send(client, email=f"c{n}@x.example").status_code for n in range(11)]
    assert codes[:10] == [302] * 10 and codes[10] == 429


def _lead_for_a(app, client):
    send(client, partner="alpha-secret-partner")
    with app.app_context():
        return session.execute(select(Lead.id)).scalar_one()


def test_the_partner_accepts_and_wins_in_the_portal(app, client, listed):
    lead_id = _lead_for_a(app, client)
    login(client, "partner_member@a.example")
    inbox = client.get("/portal/leads").get_data(as_text=True)
    assert "New customer request" in inbox and "carla@customer.example" not in inbox
    page = client.get(f"/portal/leads/{lead_id}").get_data(as_text=True)
    assert "Shown once you accept" in page and "carla@customer.example" not in page
    assert client.post(f"/portal/leads/{lead_id}", data={"action": "accept"}).status_code == 302
    page = client.get(f"/portal/leads/{lead_id}").get_data(as_text=True)
    assert "carla@customer.example" in page
    lost = client.post(f"/portal/leads/{lead_id}", data={"action": "lost", "reason": ""})
    assert lost.status_code == 400 and "is required" in lost.get_data(as_text=True)
    won = client.post(f"/portal/leads/{lead_id}", data={"action": "won", "value": "900"})
    assert won.status_code == 302
    with app.app_context():
        assert session.get(Lead, lead_id).status == LeadStatus.WON.value


def test_a_decline_sends_it_to_the_other_partner(app, client, listed):
    lead_id = _lead_for_a(app, client)
    login(client, "partner_admin@a.example")
    client.post(f"/portal/leads/{lead_id}", data={"action": "decline", "reason": "Busy"})
    assert client.get(f"/portal/leads/{lead_id}").status_code == 404
    with app.app_context():
        lead = session.get(Lead, lead_id)
        assert lead.partner_id == listed.b_id and lead.tried_partner_ids == [
            listed.a_id,
            listed.b_id,
        ]
    # the vendor sees who declined and why, on the lead, in the list and in the API
    client.post("/logout")
    login(client, "admin@vendor.example")
    detail = client.get(f"/admin/leads/{lead_id}").get_data(as_text=True)
    assert "Declined by" in detail and "Alpha Secret Partner" in detail and "“Busy”" in detail
    listing = client.get("/admin/leads").get_data(as_text=True)
    assert "Alpha Secret Partner: “Busy”" in listing
    with app.app_context():
        from directory import people

        _, cm = people.create_api_token(people.find_user("cm@vendor.example"), "t")
        _, b = people.create_api_token(people.find_user("partner_admin@b.example"), "t")
        session.commit()
    shown = client.get(f"/api/v1/leads/{lead_id}", headers={"Authorization": f"Bearer {cm}"})
    assert [(d["partner_id"], d["reason"]) for d in shown.json["declines"]] == [
        (listed.a_id, "Busy")
    ]
    listed_api = client.get("/api/v1/leads", headers={"Authorization": f"Bearer {cm}"}).json
    assert listed_api["items"][0]["declines"][0]["partner"] == "Alpha Secret Partner"
    # the partner now holding it does not learn which other partner passed
    theirs = client.get(f"/api/v1/leads/{lead_id}", headers={"Authorization": f"Bearer {b}"})
    assert theirs.status_code == 200 and theirs.json["declines"] == []


def test_vendor_pages_and_exports(app, client, listed):
    lead_id = _lead_for_a(app, client)
    send(client, partner="any", email="carla@customer.example")  # the same customer again
    login(client, "admin@vendor.example")
    page = client.get("/admin/leads?conflict=1").get_data(as_text=True)
    assert "possible conflict" in page
    second = lead_id + 1
    detail = client.get(f"/admin/leads/{second}").get_data(as_text=True)
    assert "Possible channel conflict" in detail and f"Lead #{lead_id}" in detail
    csv = client.get("/admin/leads/export.csv?status=new")
    assert csv.mimetype == "text/csv" and b"carla@customer.example" in csv.data
    assert client.get("/admin/leads/map.json").json["items"][0]["lat"] == 52.5
    reports = client.get("/admin/leads/reports")
    assert reports.status_code == 200 and b"Leads over time" in reports.data
    assert client.get("/admin/leads/reports/conversion.csv").data.startswith(b"name,leads")
    bad = client.post("/admin/leads/settings", data={"sla_hours": "-1", "consent_text": "ok"})
    assert bad.status_code == 400
    exported = client.post(
        "/admin/leads/privacy", data={"email": "carla@customer.example", "action": "export"}
    )
    assert len(json.loads(exported.data)["leads"]) == 2
    client.post("/admin/leads/privacy", data={"email": "carla@customer.example", "action": "erase"})
    with app.app_context():
        assert {lead.email for lead in session.execute(select(Lead)).scalars()} == {""}


def test_the_leads_api(app, client, listed):
    from directory import people

    lead_id = _lead_for_a(app, client)
    with app.app_context():
        _, a_token = people.create_api_token(people.find_user("partner_admin@a.example"), "t")
        _, b_token = people.create_api_token(people.find_user("partner_admin@b.example"), "t")
        _, cm_token = people.create_api_token(people.find_user("cm@vendor.example"), "t")
        session.commit()

    def api(method, path, token, **kw):
        return client.open(
            f"/api/v1{path}", method=method, headers={"Authorization": f"Bearer {token}"}, **kw
        )

    mine = api("GET", "/leads", a_token).json
    assert mine["total"] == 1 and mine["items"][0]["email"] is None  # not accepted yet
    assert api("GET", "/leads", b_token).json["total"] == 0
    assert api("GET", f"/leads/{lead_id}", b_token).status_code == 404
    accepted = api("POST", f"/leads/{lead_id}/answer", a_token, json={"action": "accept"})
    assert accepted.status_code == 200 and accepted.json["email"] == "carla@customer.example"
    again = api("POST", f"/leads/{lead_id}/answer", a_token, json={"action": "accept"})
    assert again.status_code == 422
    created = api(
        "POST",
        "/leads",
        cm_token,
        json={
            "name": "Via API",
            "email": "api@x.example",
            "consent": True,
            "latitude": 52.5,
            "longitude": 13.4,
        },
    )
    assert created.status_code == 201 and created.json["partner_id"] in (listed.a_id, listed.b_id)
    assert api("GET", "/leads?status=bogus", cm_token).status_code == 200
    spec = client.get("/api/openapi.json").json
    assert "/api/v1/leads/{lead_id}/answer" in spec["paths"]
