"""What a search reads of the partner lives on each location (``search_listed``,
``search_tier_id``, ``search_tags``), kept by the database's triggers whoever writes; and the
search with its count cap and growing circle finds exactly what a full scan finds."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import text

from app.db import bulk_insert, session
from directory.locator import search as locator
from directory.locator.search import Filters, naive_query, query
from directory.models import Location, Partner, Tier
from tests.directory.locator.conftest import CITIES, add_location, add_partner


def columns(location_id: int) -> tuple:
    row = session.execute(
        text("SELECT search_listed, search_tier_id, search_tags FROM locations WHERE id = :id"),
        {"id": location_id},
    ).one()
    return bool(row[0]), row[1], row[2]


def test_the_columns_follow_every_write_of_the_partner_and_the_location(app):
    with app.app_context():
        gold = Tier(name="Gold", rank=30)
        silver = Tier(name="Silver", rank=20)
        session.add_all([gold, silver])
        session.flush()
        partner = add_partner(
            "Berlin Solar",
            gold,
            type="Installer",
            specialties=["Solar", "Heat pumps"],
            certifications=["Expert"],
            services=["A|B"],  # the separator inside a value cannot fake another tag
            languages=["DE", "en"],
        )
        location = add_location(partner, "berlin")
        session.commit()
        # the same text on both databases
        expected = "|t:installer|s:solar|s:heat pumps|c:expert|v:a/b|l:de|l:en|"
        assert columns(location.id) == (True, gold.id, expected)

        partner.status = "inactive"
        session.commit()
        assert columns(location.id)[0] is False
        partner.status = "active"
        partner.listed_in_locator = False
        session.commit()
        assert columns(location.id)[0] is False
        partner.listed_in_locator = True
        partner.tier = silver
        partner.type = "reseller"
        partner.languages = ["fr"]
        session.commit()
        listed, tier_id, tags = columns(location.id)
        assert listed and tier_id == silver.id
        assert tags.startswith("|t:reseller|") and tags.endswith("|l:fr|") and "l:de" not in tags

        # a location moved to another partner takes that partner's fields
        other = add_partner("Hidden", gold, listed=False, specialties=["Storage"])
        session.commit()
        location.partner_id = other.id
        session.commit()
        assert columns(location.id) == (False, gold.id, "|t:reseller|s:storage|")

        # rows written in bulk (COPY on PostgreSQL) are filled as well
        [bulk_id] = bulk_insert(
            Location.__table__,
            [
                {
                    "partner_id": partner.id,
                    "city": "Potsdam",
                    "latitude": CITIES["potsdam"][0],
                    "longitude": CITIES["potsdam"][1],
                    "public": True,
                    "geocode_state": "manual",
                    "version": 1,
                }
            ],
            return_ids=True,
        )
        session.commit()
        fields = "|t:reseller|s:solar|s:heat pumps|c:expert|v:a/b|l:fr|"
        assert columns(bulk_id) == (True, silver.id, fields)

        # a bulk update of the partners table (the CSV import's path) is followed too
        session.execute(
            Partner.__table__.update()
            .where(Partner.id == partner.id)
            .values(specialties=["EV charging"])
        )
        session.commit()
        assert columns(bulk_id)[2] == fields.replace("s:solar|s:heat pumps", "s:ev charging")
        # and the search reads them: a filter on the new specialty finds it
        found = query(*CITIES["potsdam"], 5, Filters.of(specialties="ev charging"))
        assert [row[0] for row in found.rows] == [bulk_id]

        # a list holding text an older version let in (a lone surrogate) does not fail the
        # partner's write, and the rest of the partner stays searchable
        session.execute(
            Partner.__table__.update()
            .where(Partner.id == partner.id)
            .values(specialties=["x\ud800", "ok"])
        )
        session.commit()
        found = query(*CITIES["potsdam"], 5, Filters.of(types="reseller", languages="fr"))
        assert [row[0] for row in found.rows] == [bulk_id]
        assert session.get(Location, bulk_id).city == "Potsdam"  # the row loads


def _random_network(rng: random.Random) -> None:
    """300 locations around three cities, partners with random types, tiers and lists."""
    tiers = [Tier(name=name, rank=rank) for name, rank in (("Silver", 20), ("Gold", 30))]
    session.add_all(tiers)
    session.flush()
    centres = [CITIES["berlin"], CITIES["hamburg"], CITIES["munich"]]
    partners = []
    for i in range(120):
        partners.append(
            {
                "name": f"P{i}",
                "slug": f"p{i}",
                "type": rng.choice(["reseller", "installer", "msp"]),
                "tier_id": rng.choice([None, tiers[0].id, tiers[1].id]),
                "status": "active" if rng.random() < 0.9 else "inactive",
                "listed_in_locator": rng.random() < 0.95,
                "specialties": rng.sample(["Solar", "Storage", "Cloud"], rng.randint(0, 2)),
                "certifications": [],
                "services": [],
                "languages": rng.sample(["de", "en", "fr"], rng.randint(1, 2)),
                "countries": [],
                "regions": [],
                "tags": [],
            }
        )
    partner_ids = bulk_insert(Partner.__table__, partners, return_ids=True)
    rows = []
    for _ in range(300):
        lat, lon = rng.choice(centres)
        # some share a point exactly (city-level geocodes): ties broken by id
        point = (lat, lon) if rng.random() < 0.1 else (rng.gauss(lat, 0.3), rng.gauss(lon, 0.4))
        rows.append(
            {
                "partner_id": rng.choice(partner_ids),
                "city": "X",
                "latitude": point[0],
                "longitude": point[1],
                "public": rng.random() < 0.95,
                "geocode_state": "exact",
                "version": 1,
            }
        )
    bulk_insert(Location.__table__, rows)
    session.commit()


FILTERS = [
    {},
    {"specialties": "solar"},
    {"types": "installer", "languages": "de,fr"},
    {"tiers": "gold"},
]


def test_the_search_finds_what_a_full_scan_finds_also_past_the_count_cap(app, monkeypatch):
    # a cap of 40 makes the dense circles of this small network take the capped path: a
    # first reading stopped at 41, then the page from a smaller circle grown until exact
    monkeypatch.setattr(locator, "COUNT_CAP", 40)
    rng = random.Random(7)
    with app.app_context():
        _random_network(rng)
        steps = locator._tier_steps()
        checked_capped = checked_exact = 0
        for _ in range(60):
            lat, lon = rng.choice([CITIES["berlin"], CITIES["hamburg"], CITIES["munich"]])
            lat, lon = lat + rng.uniform(-0.2, 0.2), lon + rng.uniform(-0.2, 0.2)
            radius = rng.choice([10, 25, 50, 100, 300])
            filters = Filters.of(**rng.choice(FILTERS))
            per_page, page = rng.choice([5, 10]), rng.randint(1, 4)
            offset = (page - 1) * per_page
            every = naive_query(lat, lon, radius, filters, limit=1000).rows
            fast = query(lat, lon, radius, filters, limit=per_page, offset=offset)
            assert fast.total == min(len(every), 40)
            assert fast.capped == (len(every) > 40)
            expected = every[offset : offset + per_page] if offset < 40 else []
            assert [r[0] for r in fast.rows] == [r[0] for r in expected]
            assert [r[2] for r in fast.rows] == pytest.approx([r[2] for r in expected])
            # the tier boost: the full scan's rows ranked by distance less the boost
            boosted = query(
                lat, lon, radius, filters, sort="tier", tier_boost_km=15, limit=per_page,
                offset=offset,
            )  # fmt: skip
            ranked = sorted(every, key=lambda r: (r[2] - 15 * steps.get(_tier(r[1]), 0), r[0]))
            expected = ranked[offset : offset + per_page] if offset < 40 else []
            assert [r[0] for r in boosted.rows] == [r[0] for r in expected]
            if fast.capped:
                checked_capped += 1
            elif fast.rows:
                checked_exact += 1
        assert checked_capped >= 10 and checked_exact >= 10  # both paths were taken


def _tier(partner_id: int) -> int | None:
    return session.get(Partner, partner_id).tier_id


def test_nearest_beyond_the_radius_grows_the_circle(app):
    rng = random.Random(11)
    with app.app_context():
        _random_network(rng)
        # from Paris, nothing within 25 km: the five nearest anyway, as a full scan finds them
        results = locator.search(*CITIES["paris"], radius_km=25)
        every = naive_query(*CITIES["paris"], locator.MAX_RADIUS_KM, Filters(), limit=5).rows
        assert results.nearest_instead and results.total == 0
        assert [hit.location.id for hit in results.hits] == [r[0] for r in every]
