"""A channel manager in Chromium: opens the 80/20 view, sends the "potential" partners to a
campaign's include list, and accepts a tier recommendation; the scorecard pages pass axe."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.db import session, utcnow
from campaigns import lifecycle
from campaigns.models import Campaign
from directory import activity
from directory.models import Partner
from directory.scorecards import runs
from tests.browser.conftest import sign_in, watch_console
from tests.factories.directory import PASSWORD, make_partner
from tests.factories.scorecards import add_activity, add_revenue, simple_card

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def scored(app, world, monkeypatch):
    from app import jobs

    monkeypatch.setattr(jobs, "send", lambda *args, **kwargs: None)  # no worker here
    with app.app_context():
        c = make_partner("Charlie Partner", tier="Silver")
        session.flush()
        start = date.today() - timedelta(days=60)
        for pid, revenue, reach in ((world.a_id, 100, 10), (world.b_id, 900, 50), (c.id, 500, 90)):
            add_revenue(pid, revenue, start=start)
            add_revenue(pid, reach, start=start, metric="market_reach")
        add_activity(world.b_id, activity.ASSET_DOWNLOADED, 12, at=utcnow())
        card = simple_card()
        campaign = lifecycle.create_campaign({"name": "Win-back push"}, "test")
        session.commit()
        run = runs.request_run(card, "test")
        session.commit()
        runs.run(run.id)
        return {"card": card.id, "c": c.id, "campaign": campaign.id}


def _no_serious_violations(page, axe) -> list[str]:
    results = axe.run(page, options={"resultTypes": ["violations"], "iframes": False})
    return [
        f"{page.url}: {v['id']} ({v['impact']})"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_channel_manager_uses_the_80_20_view_and_accepts_a_recommendation(
    app, world, scored, live_server, browser
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    console = watch_console(page)
    axe = Axe()
    problems = []
    # (each wait below is for the next page itself: the load state alone can be the last's)
    sign_in(page, live_server, "cm@vendor.example", PASSWORD)
    console.clear()  # the sign-in page's favicon request

    page.get_by_role("link", name="Scorecards").click()
    page.wait_for_url("**/admin/scorecards*")
    problems += _no_serious_violations(page, axe)
    page.get_by_role("link", name="80/20 view").click()
    page.wait_for_url("**/admin/scorecards/pareto*")
    problems += _no_serious_violations(page, axe)
    assert "carry 60 %" in page.locator("#top-share").inner_text()
    quadrant = page.locator("section", has=page.get_by_role("heading", name="Potential: low"))
    assert "Charlie Partner" in quadrant.inner_text()
    quadrant.get_by_label("Send these partners to").select_option(label="Win-back push")
    with page.expect_navigation():
        quadrant.get_by_role("button", name="Send").click()
    expect(page.locator(".flash").first).to_contain_text("1 partners sent", use_inner_text=True)
    with app.app_context():
        assert session.get(Campaign, scored["campaign"]).include_partner_ids == [scored["c"]]

    page.goto(f"{live_server}/admin/scorecards/recommendations?scorecard={scored['card']}")
    problems += _no_serious_violations(page, axe)
    card = page.locator("section", has=page.get_by_role("heading", name="Bravo Partner"))
    assert "promote from Silver to Gold" in card.inner_text()
    with page.expect_navigation():
        card.get_by_role("button", name="Accept: move to Gold").click()
    expect(page.locator(".flash").first).to_contain_text(
        "Bravo Partner is now Gold.", use_inner_text=True
    )
    with app.app_context():
        assert session.get(Partner, world.b_id).tier.name == "Gold"

    page.goto(f"{live_server}/admin/scorecards/partners/{world.b_id}?scorecard={scored['card']}")
    problems += _no_serious_violations(page, axe)
    page.goto(f"{live_server}/admin/scorecards/{scored['card']}/edit")
    problems += _no_serious_violations(page, axe)
    page.goto(f"{live_server}/admin/scorecards/metrics/import")
    problems += _no_serious_violations(page, axe)
    assert not console, console
    assert not problems, problems

    # the partner's own scorecard in the portal
    page.goto(f"{live_server}/logout")
    context.clear_cookies()
    sign_in(page, live_server, "partner_admin@b.example", PASSWORD)
    page.get_by_role("link", name="Scorecard").click()
    page.wait_for_url("**/portal/scorecard*")
    assert "Your score: 100" in page.content()
    assert not _no_serious_violations(page, axe)
    context.close()
