"""The spatial search, on SQLite (R*Tree) and PostgreSQL (cube + earthdistance)."""

from __future__ import annotations

import pytest

from directory.locator.search import Filters, haversine_km, nearest_locations, search
from tests.directory.locator.conftest import CITIES

BERLIN = CITIES["berlin"]


def names(results):
    return [(hit.partner.name, hit.location.city) for hit in results.hits]


def test_distance_order_and_only_listed_active_with_a_point(app, network):
    with app.app_context():
        results = search(*BERLIN, radius_km=300)
        assert names(results) == [
            ("Berlin Silver", "Berlin"),
            ("Potsdam Gold", "Potsdam"),
            ("Hamburg Multi", "Hamburg"),
        ]
        assert results.total == 3 and not results.nearest_instead
        distances = [hit.distance_km for hit in results.hits]
        assert distances == sorted(distances)
        assert distances[0] == pytest.approx(0, abs=0.01)
        assert distances[2] == pytest.approx(haversine_km(*BERLIN, *CITIES["hamburg"]), abs=0.01)
        assert all(hit.location.latitude is not None for hit in results.hits)


def test_each_location_is_a_result_and_the_radius_bounds(app, network):
    with app.app_context():
        results = search(*BERLIN, radius_km=600)
        cities = [city for name, city in names(results) if name == "Hamburg Multi"]
        assert cities == ["Hamburg", "Munich"]  # Paris is not public
        assert names(search(*BERLIN, radius_km=50)) == [
            ("Berlin Silver", "Berlin"),
            ("Potsdam Gold", "Potsdam"),
        ]


def test_filters_and_across_or_within(app, network):
    with app.app_context():

        def found(**filters):
            return {
                n for n, _ in names(search(*BERLIN, radius_km=300, filters=Filters.of(**filters)))
            }

        assert found(specialties="solar") == {"Berlin Silver", "Potsdam Gold"}
        assert found(specialties="Solar", types="installer") == {"Potsdam Gold"}
        assert found(languages=["en"]) == {"Berlin Silver", "Hamburg Multi"}
        assert found(languages="de,en") == {"Berlin Silver", "Potsdam Gold", "Hamburg Multi"}
        assert found(languages="en", specialties="solar") == {"Berlin Silver"}
        assert found(tiers="gold") == {"Potsdam Gold"}
        assert found(certifications="Certified Installer") == {"Potsdam Gold"}
        assert found(services="installation") == {"Berlin Silver"}
        assert found(types="distributor") == set()


def test_nothing_in_the_radius_gives_the_nearest_anyway(app, network):
    with app.app_context():
        results = search(*CITIES["seattle"], radius_km=25)
        assert results.total == 0 and results.nearest_instead
        assert results.hits and results.hits[0].distance_km > 25
        assert results.suggested_radius_km >= results.hits[-1].distance_km
        assert search(*CITIES["seattle"], radius_km=25, nearest_if_empty=0).hits == []


def test_tier_boost_moves_a_higher_tier_up(app, network):
    with app.app_context():
        plain = search(*BERLIN, radius_km=100)
        boosted = search(*BERLIN, radius_km=100, sort="tier", tier_boost_km=50)
        assert names(plain)[0][0] == "Berlin Silver"
        assert names(boosted)[0][0] == "Potsdam Gold"


def test_pages(app, network):
    with app.app_context():
        first = search(*BERLIN, radius_km=600, per_page=2)
        second = search(*BERLIN, radius_km=600, per_page=2, page=2)
        beyond = search(*BERLIN, radius_km=600, per_page=2, page=9)
        assert first.total == second.total == beyond.total == 4 and first.pages == 2
        assert len(first.hits) == 2 and len(second.hits) == 2
        assert not {h.location.id for h in first.hits} & {h.location.id for h in second.hits}
        assert beyond.hits == [] and not beyond.nearest_instead


def test_across_the_antimeridian(app, network):
    with app.app_context():
        results = search(*CITIES["fiji_east"], radius_km=50)
        assert names(results) == [("Fiji Islands", "Fiji_West")]
        assert 15 < results.hits[0].distance_km < 17


def test_nearest_locations_for_lead_routing(app, network):
    with app.app_context():
        hits = nearest_locations(*CITIES["munich"], limit=2)
        assert [h.partner.name for h in hits] == ["Hamburg Multi", "Potsdam Gold"]
        only = nearest_locations(*CITIES["munich"], partner_ids=[network.potsdam], limit=3)
        assert [h.partner.name for h in only] == ["Potsdam Gold"]
        assert nearest_locations(*CITIES["munich"], partner_ids=[network.hidden]) == []
        assert nearest_locations(*CITIES["munich"], limit=5, max_km=10)[0].partner.name == (
            "Hamburg Multi"
        )


def test_a_point_off_the_earth_is_refused(app, network):
    with app.app_context(), pytest.raises(ValueError):
        search(91, 0)


def test_the_index_follows_moves_and_deletes(app, network):
    from app.db import session
    from directory.models import Location

    with app.app_context():
        location = session.get(Location, search(*BERLIN, radius_km=5).hits[0].location.id)
        location.latitude, location.longitude = CITIES["seattle"]
        session.commit()
        assert "Berlin Silver" in {n for n, _ in names(search(*CITIES["seattle"], radius_km=5))}
        location.latitude = location.longitude = None
        session.commit()
        assert search(*CITIES["seattle"], radius_km=5, nearest_if_empty=0).hits == []
        assert search(0, 0, radius_km=100, nearest_if_empty=0).hits == []
