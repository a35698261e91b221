"""Geocoding: the offline gazetteer, the online geocoder (the public service mocked), the
states of locations, and the hand-over to the worker."""

from __future__ import annotations

import pytest
from geopy.geocoders import Nominatim
from geopy.location import Location as GeopyLocation

from app import jobs, runtime
from app.db import session
from directory import locations
from directory.locator import gazetteer, geocoding
from directory.locator.models import GeocodeCache
from directory.models import Location
from tests.factories.directory import make_partner, make_tiers


@pytest.fixture
def in_app(app):
    with app.app_context():
        yield


def test_ambiguous_names_pick_the_likeliest_and_offer_the_others(in_app):
    places = gazetteer.lookup("Paris")
    assert places[0].label == "Paris, France"
    assert "Paris, Texas, USA" in [p.label for p in places[1:]]
    assert [p.label for p in gazetteer.lookup("Paris, Texas")] == ["Paris, Texas, USA"]
    assert [p.label for p in gazetteer.lookup("paris, tx")] == ["Paris, Texas, USA"]
    resolution = gazetteer.resolve("Paris")
    assert resolution.place.country_code == "FR" and resolution.others


def test_spellings_postcodes_and_nothing(in_app):
    assert gazetteer.lookup("München")[0].country_code == "DE"
    assert gazetteer.lookup("Munchen")[0].label == gazetteer.lookup("Munich")[0].label
    seattle = gazetteer.lookup("98101")[0]
    assert seattle.kind == "postcode" and round(seattle.latitude) == 48
    assert gazetteer.lookup("Nowhereville Upon Nothing") == []
    assert gazetteer.lookup("") == []


def test_autocomplete_offers_the_largest_first(in_app):
    labels = [p.label for p in gazetteer.suggest("Berl")]
    assert labels[0] == "Berlin, Germany"
    assert [p.label for p in gazetteer.suggest("Paris, Tex")] == ["Paris, Texas, USA"]
    assert gazetteer.suggest("B") == []


@pytest.fixture
def sent(app, monkeypatch):
    tasks = []
    monkeypatch.setattr(jobs, "send", lambda task, args, eta=None: tasks.append((task, args)))
    return tasks


def test_a_saved_location_is_geocoded_by_the_worker_task(app, sent):
    with app.app_context():
        make_tiers()
        partner = make_partner("Geo Partner")
        location = locations.add_location(
            partner, {"city": "Hamburg", "country_code": "DE", "postal_code": "20095"}, "test"
        )
        assert location.geocode_state == "pending" and location.latitude is None
        session.commit()
        assert sent == [(geocoding.TASK, [location.id])]
        assert geocoding.geocode_locations([location.id]) == {str(location.id): "city"}
        location = session.get(Location, location.id)
        assert round(location.latitude) == 54 and round(location.longitude) == 10
        assert "Hamburg" in location.geocode_note

        nowhere = locations.add_location(
            partner, {"city": "Qwzxville", "country_code": "DE"}, "test"
        )
        session.commit()
        assert geocoding.geocode_locations([nowhere.id]) == {str(nowhere.id): "failed"}
        assert nowhere.latitude is None and nowhere.longitude is None
        assert [loc.id for loc in geocoding.failures()] == [nowhere.id]

        # coordinates typed (or a pin moved) are kept as placed by hand
        locations.update_location(nowhere, {"latitude": "53.1", "longitude": "8.8"}, "test")
        session.commit()
        assert nowhere.geocode_state == "manual" and geocoding.failures() == []
        # a new address sends it to the geocoder again
        sent.clear()
        locations.update_location(nowhere, {"city": "Bremen"}, "test")
        session.commit()
        assert nowhere.geocode_state == "pending" and nowhere.latitude is None
        assert sent == [(geocoding.TASK, [nowhere.id])]


def test_the_online_geocoder_is_asked_once_per_address(app, sent, monkeypatch):
    calls = []

    def fake_geocode(self, query, **kwargs):  # the public service, mocked
        calls.append(query)
        return GeopyLocation(
            "Jungfernstieg 1, 20354 Hamburg", (53.5526, 9.9936), {"addresstype": "building"}
        )

    monkeypatch.setattr(Nominatim, "geocode", fake_geocode)
    monkeypatch.setattr(runtime.settings(), "geocoder", "nominatim")
    with app.app_context():
        make_tiers()
        partner = make_partner("Online Partner")
        ids = []
        for _ in range(2):
            location = locations.add_location(
                partner,
                {"street": "Jungfernstieg 1", "city": "Hamburg", "country_code": "DE"},
                "test",
            )
            ids.append(location.id)
        session.commit()
        assert geocoding.geocode_locations(ids) == {str(i): "exact" for i in ids}
        assert calls == ["Jungfernstieg 1, Hamburg, DE"]
        assert session.query(GeocodeCache).count() == 1
        assert session.get(Location, ids[0]).latitude == pytest.approx(53.5526)
