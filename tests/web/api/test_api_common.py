"""The API's shared query checks (app/web/api/common.py): a value outside the allowed ones is a
400 that names them, on every resource that uses them; filters' errors are a 400 too."""

from __future__ import annotations

import pytest

from tests.web.api import test_journeys_api

pytestmark = pytest.mark.xdist_group("api")

api = test_journeys_api.api  # an admin's token: api(method, path, json=None)


@pytest.fixture
def get(api):
    return lambda path: api("GET", path)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_value_outside_the_choices_is_a_400_naming_them(get):
    campaigns = get("/campaigns?status=zombie")
    assert campaigns.status_code == 400
    assert campaigns.json["error"]["message"].startswith("'zombie' is not a campaign status (use ")
    journeys = get("/journeys?status=zombie")
    assert journeys.status_code == 400
    assert "'zombie' is not a journey status (use draft" in journeys.json["error"]["message"]
    assert get("/journeys?status=live").json == {"items": []}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_filters_that_do_not_read_are_a_400(get):
    partners = get("/partners?type=spaceship")
    assert partners.status_code == 400
    assert partners.json["error"]["message"] == "Unknown partner type 'spaceship'."
    assert get("/prospects?status=nope").status_code == 400
    page = get("/partners")
    assert page.status_code == 200
    assert set(page.json) == {"items", "total", "page", "per_page"}
