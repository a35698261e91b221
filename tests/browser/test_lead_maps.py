"""The admin area's lead maps drawn in Chromium: the leads of many cities as markers and
clusters (Leaflet and markercluster served by Tandem, the page's CSP kept: no console error),
and the searches with no result as circles by area, with the table read without the map."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from app.db import session, utcnow
from directory.leads.models import LocatorSearch
from tests.browser.conftest import sign_in, watch_console
from tests.factories.directory import PASSWORD
from tests.factories.leads import new_lead, partner_at

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# where the demo's customers ask: several in Berlin (a cluster), one in each other city
CITIES = ["berlin"] * 6 + ["potsdam", "hamburg", "hamburg", "munich", "paris"]


@pytest.fixture
def demo_like_leads(app, world, monkeypatch):
    from app import jobs

    monkeypatch.setattr(jobs, "send", lambda *args, **kwargs: None)  # no worker here
    with app.app_context():
        partner_at("Berlin Solar", "berlin")
        partner_at("Hamburg Solar", "hamburg", service_radius_km=300.0)
        partner_at("Munich Solar", "munich")
        session.commit()
        for n, city in enumerate(CITIES):
            new_lead(city, email=f"customer{n}@example.com", phone="")
        for query, lat, lon in [
            ("Leipzig", 51.34, 12.37),
            ("Leipzig", 51.35, 12.38),
            ("Dresden", 51.05, 13.74),
        ]:
            session.add(
                LocatorSearch(
                    query=query,
                    latitude=lat,
                    longitude=lon,
                    results=0,
                    radius_km=25,
                    at=utcnow() - timedelta(days=2),
                )
            )
        session.commit()
    return world


def _drawn(page) -> tuple[list[str], int]:
    """The clusters' counts and the markers drawn alone."""
    box = page.locator("#leads-map")
    clusters = box.locator(".marker-cluster").all_inner_texts()
    return clusters, box.locator(".leaflet-marker-icon:not(.marker-cluster)").count()


# what _drawn reads, summed in the page: the clusters' counts and the markers drawn alone
DRAWN_IN_ALL = """(expected) => {
  const box = document.getElementById("leads-map");
  const counts = [...box.querySelectorAll(".marker-cluster")]
    .map((cluster) => cluster.innerText.trim())
    .filter((text) => /^[0-9]+$/.test(text))
    .map(Number);
  const alone = box.querySelectorAll(".leaflet-marker-icon:not(.marker-cluster)").length;
  return counts.reduce((a, b) => a + b, 0) + alone === expected;
}"""


def _settled(page, expected: int) -> bool:
    try:
        page.wait_for_function(DRAWN_IN_ALL, arg=expected, timeout=15_000)
    except PlaywrightTimeoutError:
        return False
    return True


def _click_for_popup(target, popup, *, force: bool = False) -> None:
    """Click TARGET on the map until Leaflet opens its POPUP: a click that lands while the map
    still moves after its zoom (the clusters redrawn) misses what it aimed at, so it is tried
    again, a few times at most; never while the popup is open (a click would close it)."""
    for _attempt in range(5):
        if popup.count() == 1:
            break
        target.click(force=force)
        try:
            expect(popup).to_have_count(1, timeout=3_000)
            break
        except AssertionError:
            continue
    expect(popup).to_have_count(1)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_lead_map_and_the_map_of_searches_with_no_result(
    app, demo_like_leads, live_server, browser
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    console = watch_console(page)
    sign_in(page, live_server, "admin@vendor.example", PASSWORD)

    page.goto(f"{live_server}/admin/leads")
    page.wait_for_load_state("load")
    assert page.locator("#leads-map").is_hidden()  # the list is the view; the map on demand
    page.get_by_role("button", name="Show on a map").click()
    expect(page.locator("#leads-map")).to_have_attribute("data-drawn", str(len(CITIES)))
    # once the zoom to the leads has settled, each lead is drawn once: alone or in a cluster
    assert _settled(page, len(CITIES)), _drawn(page)
    clusters = page.locator("#leads-map .marker-cluster")
    markers = page.locator("#leads-map .leaflet-marker-icon:not(.marker-cluster)")
    expect(clusters.first).to_be_attached()
    expect(markers.first).to_be_attached()
    # a lone lead's marker opens a popup linking to the lead
    popup = page.locator(".leaflet-popup-content a")
    _click_for_popup(markers.first, popup)
    expect(popup).to_have_attribute("href", re.compile(r"/admin/leads/"))
    # a cluster opens on click into more markers

    page.goto(f"{live_server}/admin/leads/reports")
    page.wait_for_load_state("load")
    table = page.locator("#gaps-table")
    assert "Leipzig" in table.text_content() and "Around 51.12, 13.62" in table.text_content()
    page.get_by_role("button", name="Show on a map").click()
    page.wait_for_selector("#leads-map[data-drawn='2']")
    circles = page.locator("#leads-map path.leaflet-interactive")
    expect(circles).to_have_count(2)
    _click_for_popup(circles.first, page.locator(".leaflet-popup-content"), force=True)
    expect(page.locator(".leaflet-popup-content")).to_contain_text("search", use_inner_text=True)
    assert not console, console
    context.close()
