"""A customer in Chromium searches a city on /where-to-buy, sees the partner on the list and
the map, opens its profile and sends a request; that partner's admin accepts it in the portal.
The lead pages pass axe."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from app.db import session
from directory.leads.models import Lead
from directory.models import Partner
from tests.browser.conftest import sign_in, watch_console
from tests.factories.directory import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def listed(app, world, monkeypatch):
    from app import jobs

    monkeypatch.setattr(jobs, "send", lambda *args, **kwargs: None)  # no worker here
    with app.app_context():
        a = session.get(Partner, world.a_id)
        a.listed_in_locator = True
        session.commit()
    return world


def _serious(page, axe) -> list[str]:
    # the map's attribution is Leaflet's own control (the locator's pages are walked apart)
    results = axe.run(
        page,
        context={"exclude": [[".leaflet-control-attribution"]]},
        options={"resultTypes": ["violations"], "iframes": False},
    )
    return [
        f"{page.url}: {v['id']} ({v['impact']}) {[n['html'][:120] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_customer_requests_a_quote_and_the_partner_accepts_it(app, listed, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    axe = Axe()
    problems: list[str] = []

    page.goto(f"{live_server}/where-to-buy")
    page.get_by_label("City or postcode").fill("Berlin")
    # (the load state alone can still be the search form's, before the results replace it)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/where-to-buy?*q=Berlin*")
    result = page.locator(".result", has_text="Alpha Secret Partner")
    expect(result.first).to_be_attached()
    # the map's markers are drawn by locator.js
    expect(page.locator(".leaflet-marker-icon, .marker-cluster").first).to_be_attached()
    result.first.get_by_role("link", name="Request a quote").click()
    page.wait_for_url("**/partners/**")
    expect(page.locator("h1")).to_contain_text("Alpha Secret Partner", use_inner_text=True)
    console = watch_console(page)
    problems += _serious(page, axe)
    form = page.locator("form.lead-form")
    form.get_by_label("Your name").fill("Carla Customer")
    form.get_by_label("Email").fill("carla@customer.example")
    form.get_by_label("Phone").fill("+49 30 1234567")
    form.get_by_label("What are you interested in?").fill("Solar panels")
    form.get_by_label("Message").fill("Please call me in the afternoon.")
    # the refused form comes back at the same address: wait for that page itself
    with page.expect_navigation():
        form.get_by_role("button", name="Send my request").click()
    # the consent is required: the typed values stay
    assert "Please agree to be contacted" in page.content()
    assert page.get_by_label("Your name").input_value() == "Carla Customer"
    problems += _serious(page, axe)
    page.locator("#f-consent").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send my request").click()
    assert "your request is on its way" in page.content()
    with app.app_context():
        lead = session.execute(select(Lead)).scalar_one()
        assert lead.partner_id == listed.a_id and lead.status == "new"

    # (each wait below is for the next page itself: the load state alone can be the last's)
    sign_in(page, live_server, "partner_admin@a.example", PASSWORD)
    console.clear()
    page.get_by_role("link", name="Leads", exact=True).click()
    page.wait_for_url("**/portal/leads")
    problems += _serious(page, axe)
    page.get_by_role("link", name="New customer request").click()
    page.wait_for_url("**/portal/leads/*")
    problems += _serious(page, axe)
    with page.expect_navigation():
        page.get_by_role("button", name="Accept the lead").click()
    expect(page.locator(".flash").first).to_contain_text("Lead accepted", use_inner_text=True)
    assert "carla@customer.example" in page.content()
    with app.app_context():
        session.expire_all()
        assert session.get(Lead, lead.id).status == "accepted"
    assert not console, console
    assert not problems, problems
    context.close()
