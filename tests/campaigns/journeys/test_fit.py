"""The recruitment scorecard on both databases: market by the partners already in the
country, fit by the specialties the partners sell, reach by website, company email and
phone; each line explained; prospects scored with what their application added."""

from __future__ import annotations

import pytest

from app.db import session
from campaigns.journeys import fit, prospects
from directory import partners
from directory.models import Partner
from tests.factories.directory import make_partner
from tests.factories.recruitment import make_application, make_prospect


@pytest.fixture
def program(app, world):
    """Alpha and Bravo serve Germany (Alpha sells Solar and Storage); Charlie, only a
    prospect partner, is not counted."""
    with app.app_context():
        alpha = session.get(Partner, world.a_id)
        partners.update_partner(alpha, {"specialties": "Solar, Storage"}, "test")
        make_partner("Charlie Maybe", status="prospect", countries="FR", specialties="Wind")
        session.commit()
    return world


def test_the_program_side_is_read_from_serving_partners(app, program):
    with app.app_context():
        loaded = fit.Program.load()
        assert loaded.partners_per_country == {"DE": 2}
        assert loaded.specialties == {"solar", "storage"}


def test_an_applicant_is_scored_line_by_line(app, program):
    with app.app_context(), app.test_request_context():
        # Germany has two partners, two of three specialties match, website+company+phone
        application = make_application(specialties="Solar, storage, Wind")
        session.commit()
        scored = fit.for_application(application)
        lines = {line.criterion: line for line in scored.lines}
        assert lines["market"].normalized == pytest.approx(33.3)
        assert lines["market"].why == "Germany: 2 partners serve it already."
        assert lines["fit"].normalized == pytest.approx(66.7)
        assert lines["fit"].why == "2 of 3 specialties match: Solar, storage."
        assert lines["reach"].normalized == 100
        assert lines["reach"].why == "Has a website, a company email, a phone."
        # weighted: 33.3 * 0.40 + 66.7 * 0.35 + 100 * 0.25
        assert [line.contribution for line in scored.lines] == [13.3, 23.3, 25.0]
        assert scored.score == 61.6  # the points shown, added up
        assert scored.as_dict()["lines"][0]["criterion"] == "market"

        # an open market, nothing the partners sell, a free-mail address and no website
        other = fit.for_application(
            make_application(
                country="PL",
                specialties="Wind",
                email="someone@gmail.com",
                website="",
                phone="",
            )
        )
        lines = {line.criterion: line for line in other.lines}
        assert (lines["market"].normalized, lines["market"].why) == (
            100,
            "Poland: no partner serves it yet, an open market.",
        )
        assert lines["fit"].normalized == 0 and "(Wind)" in lines["fit"].why
        assert lines["reach"].normalized == 0
        assert other.score == 40


def test_prospects_take_what_their_application_added(app, program):
    with app.app_context(), app.test_request_context():
        bare = make_prospect("Echo Energy")  # France, a website, a company email
        applied = make_prospect("Foxtrot Solar", country="DE", email="hi@foxtrot.example")
        session.flush()
        make_application(company="Foxtrot Solar", email="hi@foxtrot.example", specialties="Solar")
        session.commit()
        scores = fit.for_prospects([bare, applied])
        lines = {line.criterion: line for line in scores[bare.id].lines}
        assert lines["market"].normalized == 100  # Charlie (a prospect) does not serve France
        assert lines["fit"].why == "No specialties given."
        assert lines["reach"].why == "Has a website, a company email. No phone."
        assert scores[bare.id].score == pytest.approx(58.8)  # 40 + 75 % of reach (25)
        applied_lines = {line.criterion: line for line in scores[applied.id].lines}
        assert applied_lines["fit"].normalized == 100  # from the application
        assert applied_lines["reach"].normalized == 100  # the application's phone

        assert scores[applied.id].score == pytest.approx(73.3)  # 13.3 + 35 + 25

        # the list ordered by score, best first (by company it is the other way round)
        f = prospects.ProspectFilters.from_args({"sort": "score", "per_page": "5"})
        page, page_scores = fit.search_by_score(f)
        assert [p.company for p in page.items] == ["Foxtrot Solar", "Echo Energy"]
        assert set(page_scores) == {bare.id, applied.id}
        assert prospects.ProspectFilters.from_args({"sort": "nonsense"}).errors
