"""The public locator's pages: where-to-buy (without JavaScript), profiles, sitemap, robots,
the widget and the autocomplete."""

from __future__ import annotations

import json
import re

from app.db import session
from directory.models import Partner
from tests.directory.locator.conftest import network  # noqa: F401 - the fixture


def test_where_to_buy_without_a_query_invites_one(client, network):  # noqa: F811
    page = client.get("/where-to-buy")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'role="status"' in html and "Type a city or a postcode" in html
    assert "tile.openstreetmap.org" in page.headers["Content-Security-Policy"]


def test_a_city_search_lists_the_nearest_first_with_distance(client, network):  # noqa: F811
    html = client.get("/where-to-buy?q=Berlin&radius_km=50").get_data(as_text=True)
    assert "2 partner locations within 50 km of Berlin, Germany" in html
    assert html.index("Berlin Silver") < html.index("Potsdam Gold")
    assert "Berlin Unlisted" not in html and "Berlin Inactive" not in html
    # the request form on the profile carries the point searched (for the lead's routing)
    assert re.search(
        r'href="/partners/berlin-silver\?latitude=[0-9.]+&amp;longitude=[0-9.]+&amp;q=Berlin#request"',
        html,
    )
    assert re.search(r'data-lat="52\.52" data-lon="13\.405"', html)


def test_filters_combine(client, network):  # noqa: F811
    html = client.get(
        "/where-to-buy?q=Berlin&radius_km=500&specialty=Solar&type=installer"
    ).get_data(as_text=True)
    assert "1 partner location within 500 km" in html and "Potsdam Gold" in html
    assert "Berlin Silver</a>" not in html


def test_an_empty_radius_shows_the_nearest_and_offers_to_widen(client, network):  # noqa: F811
    html = client.get("/where-to-buy?q=Seattle&radius_km=5").get_data(as_text=True)
    assert "No partner within 5 km of Seattle" in html
    assert "Search within" in html and "km</span>" in html


def test_ambiguous_and_unknown_places(client, network):  # noqa: F811
    html = client.get("/where-to-buy?q=Paris").get_data(as_text=True)
    assert "of Paris, France" in html and "Paris, Texas, USA</a>" in html
    html = client.get("/where-to-buy?q=Qwzxville").get_data(as_text=True)
    assert "could not find the place" in html


def test_bad_coordinates_are_a_clear_400(client, network):  # noqa: F811
    page = client.get("/where-to-buy?lat=100&lon=3")
    assert page.status_code == 400 and "latitude must be between" in page.get_data(as_text=True)
    assert client.get("/where-to-buy?lat=abc&lon=3").status_code == 400
    assert client.get("/where-to-buy?lat=52.5").status_code == 400


def test_use_my_location_searches_by_point(client, network):  # noqa: F811
    html = client.get("/where-to-buy?lat=52.39&lon=13.06&radius_km=10").get_data(as_text=True)
    assert "within 10 km of your location" in html and "Potsdam Gold" in html


def test_profile_page_with_json_ld_canonical_and_open_graph(client, network):  # noqa: F811
    page = client.get("/partners/hamburg-multi")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/partners/hamburg-multi">' in html
    assert 'property="og:title" content="Hamburg Multi"' in html
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(found.group(1))
    assert [d["address"]["addressLocality"] for d in data] == ["Hamburg", "Munich"]
    assert all(d["@type"] == "LocalBusiness" and d["geo"]["latitude"] for d in data)
    assert 'id="request"' in html


def test_unlisted_inactive_and_unknown_profiles_are_404(client, network):  # noqa: F811
    for slug in ("berlin-unlisted", "berlin-inactive", "nobody"):
        assert client.get(f"/partners/{slug}").status_code == 404


def test_sitemap_and_robots(client, network):  # noqa: F811
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<loc>http://localhost/partners/berlin-silver</loc>" in xml
    assert "berlin-unlisted" not in xml
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots and "Disallow: /admin/" in robots


def test_the_widget_page_may_be_framed_anywhere(client, network):  # noqa: F811
    page = client.get("/where-to-buy?embed=1&q=Berlin&color=%23ff0000")
    assert "frame-ancestors *" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers
    assert "--brand: #ff0000" in page.get_data(as_text=True)
    assert client.get("/where-to-buy").headers["X-Frame-Options"] == "SAMEORIGIN"
    script = client.get("/widget.js")
    assert script.status_code == 200 and "iframe" in script.get_data(as_text=True)


def test_leaflet_is_served_by_tandem(client):
    assert client.get("/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/vendor/leaflet/../../etc/passwd").status_code == 404
    assert (
        client.get("/static/vendor/leaflet.markercluster/leaflet.markercluster.js").status_code
        == 200
    )


def test_place_autocomplete(client, network):  # noqa: F811
    places = client.get("/where-to-buy/places?q=Hambu").get_json()
    assert places[0]["label"] == "Hamburg, Germany"
    assert client.get("/where-to-buy/places?q=").get_json() == []


def test_listing_toggle_takes_a_partner_off(app, client, network):  # noqa: F811
    with app.app_context():
        session.get(Partner, network.berlin).listed_in_locator = False
        session.commit()
    html = client.get("/where-to-buy?q=Berlin&radius_km=50").get_data(as_text=True)
    assert "Berlin Silver" not in html


def test_links_keep_every_filter_value(client, network):  # noqa: F811
    html = client.get("/where-to-buy?q=Seattle&radius_km=5&language=de&language=en").get_data(
        as_text=True
    )
    widen = re.search(r'href="([^"]*)">Search within', html).group(1)
    assert "language=de" in widen and "language=en" in widen
    small = client.get(
        "/api/public/v1/locator?q=Berlin&radius_km=600&language=de&language=en&per_page=1"
    ).get_json()
    assert small["total"] == 4 and small["pages"] == 4


def test_text_that_is_not_text_is_a_400_not_a_500(client, network):  # noqa: F811
    for url in (
        "/where-to-buy?q=Ber%00lin",
        "/where-to-buy?q=Berlin&specialty=So%01lar",
        "/api/public/v1/locator?q=Ber%00lin",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
    assert client.get("/partners/berlin%00silver").status_code == 404
    assert client.get("/api/public/v1/partners/berlin%00silver").status_code == 404


def test_a_circle_past_the_count_cap_says_more_than(client, network, monkeypatch):  # noqa: F811
    from directory.locator import search

    monkeypatch.setattr(search, "COUNT_CAP", 2)
    html = client.get("/where-to-buy?q=Berlin&radius_km=600&per_page=1").get_data(as_text=True)
    assert "More than 2 partner locations within 600 km of Berlin, Germany" in html
    assert "Berlin Silver" in html  # the nearest first, as ever
