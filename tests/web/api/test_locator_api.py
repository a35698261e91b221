"""The public locator API: results with distance, CORS for any origin, ETag, errors as JSON,
the OpenAPI document, and no server error under generated requests."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.directory.locator.conftest import network  # noqa: F401 - the fixture

pytestmark = pytest.mark.xdist_group("api")


def test_locator_by_place_with_distances(client, network):  # noqa: F811
    response = client.get("/api/public/v1/locator?q=Berlin&radius_km=300")
    assert response.status_code == 200
    data = response.get_json()
    assert data["place"]["label"] == "Berlin, Germany" and data["total"] == 3
    names = [r["partner"]["name"] for r in data["results"]]
    assert names == ["Berlin Silver", "Potsdam Gold", "Hamburg Multi"]
    distances = [r["distance_km"] for r in data["results"]]
    assert distances == sorted(distances) and distances[0] < 1
    first = data["results"][0]
    assert first["partner"]["request_url"].endswith("/partners/berlin-silver#request")
    assert first["location"]["latitude"] == pytest.approx(52.52)


def test_locator_by_point_with_filters(client, network):  # noqa: F811
    data = client.get(
        "/api/public/v1/locator?lat=52.52&lon=13.405&radius_km=600&tier=Silver&language=en"
    ).get_json()
    assert {r["partner"]["name"] for r in data["results"]} == {"Berlin Silver", "Hamburg Multi"}
    assert data["total"] == 3  # Hamburg Multi's Hamburg and Munich


def test_empty_radius_answers_the_nearest(client, network):  # noqa: F811
    data = client.get("/api/public/v1/locator?q=Seattle&radius_km=5").get_json()
    assert data["total"] == 0 and data["nearest_instead"] and data["results"]
    assert data["results"][0]["distance_km"] > 5 and data["suggested_radius_km"]


def test_cors_etag_and_cache_control(client, network):  # noqa: F811
    url = "/api/public/v1/locator?q=Berlin"
    first = client.get(url, headers={"Origin": "https://dealer.example"})
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    preflight = client.options(url, headers={"Origin": "https://dealer.example"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    profile = client.get("/api/public/v1/partners/hamburg-multi")
    assert profile.headers["Access-Control-Allow-Origin"] == "*" and profile.headers["ETag"]
    cities = [loc["city"] for loc in profile.get_json()["locations"]]
    assert cities == ["Hamburg", "Munich"]


def test_errors_are_json_with_cors(client, network):  # noqa: F811
    for url, code in [
        ("/api/public/v1/locator", 400),
        ("/api/public/v1/locator?lat=95&lon=0", 400),
        ("/api/public/v1/locator?q=Berlin&per_page=500", 400),
        ("/api/public/v1/locator?q=Qwzxville", 404),
        ("/api/public/v1/partners/berlin-unlisted", 404),
    ]:
        response = client.get(url)
        assert response.status_code == code, url
        assert response.get_json()["error"]["code"] == code
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_rate_limited_per_client_address(app, network):  # noqa: F811
    app.config["TANDEM"].public_api_limit = "3 per minute"
    client = app.test_client()
    codes = [client.get("/api/public/v1/partners/hamburg-multi").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = app.test_client().get(
        "/api/public/v1/partners/hamburg-multi", environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert other.status_code == 200


def test_in_the_openapi_document(client):
    doc = client.get("/api/openapi.json").get_json()
    operation = doc["paths"]["/api/public/v1/locator"]["get"]
    assert operation["security"] == []
    assert {"q", "lat", "lon", "radius_km", "type", "tier", "specialty", "page"} <= {
        p["name"] for p in operation["parameters"]
    }
    assert "/api/public/v1/partners/{slug}" in doc["paths"]


def test_no_server_error_under_generated_requests(app, network):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path.startswith("/api/public/v1")
    ]
    assert len(operations) == 2
    app.config["TANDEM"].public_api_limit = "100000 per minute"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def run(case):
            case.validate_response(
                case.call(), checks=[not_a_server_error, response_schema_conformance]
            )

        run()


def test_a_total_past_the_count_cap_is_flagged(client, network, monkeypatch):  # noqa: F811
    from directory.locator import search

    monkeypatch.setattr(search, "COUNT_CAP", 2)
    data = client.get("/api/public/v1/locator?q=Berlin&radius_km=600&per_page=1").get_json()
    assert data["total"] == 2 and data["total_capped"] is True and data["pages"] == 2
    assert [r["partner"]["name"] for r in data["results"]] == ["Berlin Silver"]
    data = client.get("/api/public/v1/locator?q=Berlin&radius_km=600&per_page=1&page=2").get_json()
    assert [r["partner"]["name"] for r in data["results"]] == ["Potsdam Gold"]
    data = client.get("/api/public/v1/locator?q=Berlin&radius_km=50").get_json()
    assert data["total"] == 2 and data["total_capped"] is False
