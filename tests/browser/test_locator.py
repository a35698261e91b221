"""A customer searches a city on the where-to-buy page and finds the partner on the list and
on the map; then opens its profile; and the widget shows the locator on another origin."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import watch_console
from tests.directory.locator.conftest import network  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_customer_finds_a_partner_on_the_list_and_the_map(app, network, live_server, page):  # noqa: F811
    errors = watch_console(page)
    failed: list[str] = []  # the browser's own favicon.ico request aside
    page.on(
        "response",
        lambda r: r.status >= 400 and "favicon" not in r.url and failed.append(r.url),
    )
    page.goto(f"{live_server}/where-to-buy")
    page.get_by_label("City or postcode").fill("Berlin")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/where-to-buy?*q=Berlin*")
    status = page.get_by_role("status").filter(has_text="within")
    assert "2 partner locations within 50 km of Berlin, Germany" in status.inner_text()
    items = page.locator("ol.results > li")
    assert items.count() == 2
    assert "Berlin Silver" in items.nth(0).inner_text()
    assert "Potsdam Gold" in items.nth(1).inner_text()
    # the map has both (Leaflet's markers or a cluster of them)
    page.wait_for_selector("#locator-map[data-markers='2']")
    markers = page.locator("#locator-map .leaflet-marker-icon")
    markers.first.wait_for()
    assert markers.count() >= 1
    # a quote is requested on the partner's profile
    items.nth(0).get_by_role("link", name="Request a quote").click()
    page.wait_for_url("**/partners/berlin-silver?*#request")
    assert page.get_by_role("heading", name="Berlin Silver").is_visible()
    assert page.locator("#request").is_visible()
    assert failed == []
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []


@pytest.fixture
def other_origin(live_server):
    """A page on another origin (another port) that embeds the widget."""
    html = (
        "<!doctype html><html lang='en'><head><title>Dealer site</title></head><body>"
        "<h1>Our dealers</h1>"
        f"<script src='{live_server}/widget.js' data-q='Berlin' data-radius='25'></script>"
        "</body></html>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_widget_shows_the_locator_on_another_site(
    app,
    network,  # noqa: F811
    live_server,
    other_origin,
    page,
):
    page.goto(other_origin)
    frame = page.frame_locator("iframe.tandem-locator")
    # the widget's frame fills as it loads: wait for the text, not only the first result
    expect(frame.locator("ol.results")).to_contain_text("Berlin Silver", use_inner_text=True)
    expect(frame.get_by_role("status").first).to_contain_text(
        "within 25 km of Berlin", use_inner_text=True
    )
