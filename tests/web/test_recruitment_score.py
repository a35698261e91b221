"""The recruitment scorecard on the screens and in the API: the application review and the
prospect page explain it line by line, the prospects list shows and sorts by it, and the
API carries it."""

from __future__ import annotations

import pytest

from app.db import session
from directory import people
from tests.factories.recruitment import make_application, make_prospect


@pytest.fixture
def recruits(app, world):
    with app.app_context(), app.test_request_context():
        echo = make_prospect("Echo Energy", website="", email="echo@gmail.com")  # weak reach
        zulu = make_prospect("Zulu Power", country="PL")  # open market, site, company email
        application = make_application(country="PL", specialties="Solar")
        _row, token = people.create_api_token(people.find_user("marketer@vendor.example"), "t")
        session.commit()
        return {"echo": echo.id, "zulu": zulu.id, "application": application.id, "token": token}


def test_the_review_and_the_prospect_page_explain_the_score(app, recruits, login_as):
    client = login_as("marketer@vendor.example")
    page = client.get(f"/admin/applications/{recruits['application']}").get_data(as_text=True)
    assert 'id="recruitment-score"' in page and "Recruitment score: <strong>" in page
    assert "Poland: no partner serves it yet, an open market." in page
    assert 'data-criterion="fit"' in page and "None of its specialties (Solar)" in page
    page = client.get(f"/admin/prospects/{recruits['echo']}").get_data(as_text=True)
    assert "Recruitment score" in page and "No website, company email or phone." in page


def test_the_prospects_list_sorts_by_score(app, recruits, login_as):
    client = login_as("marketer@vendor.example")
    by_company = client.get("/admin/prospects").get_data(as_text=True)
    assert by_company.index("Echo Energy") < by_company.index("Zulu Power")
    by_score = client.get("/admin/prospects?sort=score").get_data(as_text=True)
    assert by_score.index("Zulu Power") < by_score.index("Echo Energy")
    assert 'aria-sort="descending"' in by_score and 'data-score="40.0"' in by_score
    bad = client.get("/admin/prospects?sort=nonsense", follow_redirects=True)
    assert bad.status_code == 200 and "Unknown order" in bad.get_data(as_text=True)


def test_the_api_carries_the_score(app, recruits):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {recruits['token']}"}
    listed = client.get("/api/v1/prospects?sort=score", headers=headers)
    assert listed.status_code == 200, listed.json
    # the applicant (its prospect has the application's phone) before Zulu, Echo last
    companies = [p["company"] for p in listed.json["items"]]
    assert companies == ["Delta Solar GmbH", "Zulu Power", "Echo Energy"]
    score = listed.json["items"][0]["recruitment_score"]
    assert score["score"] == sum(line["contribution"] for line in score["lines"])
    assert [line["criterion"] for line in score["lines"]] == ["market", "fit", "reach"]
    one = client.get(f"/api/v1/applications/{recruits['application']}", headers=headers)
    assert one.json["recruitment_score"]["lines"][0]["why"].startswith("Poland")
    many = client.get("/api/v1/applications", headers=headers)
    assert many.json["items"][0]["recruitment_score"] == one.json["recruitment_score"]
    assert client.get("/api/v1/prospects?sort=x", headers=headers).status_code == 400
