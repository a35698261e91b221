"""A small network of listed partners at real cities' coordinates."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.db import session
from directory.models import Location, Partner, Tier

CITIES = {
    "berlin": (52.52, 13.405),
    "potsdam": (52.3906, 13.0645),
    "hamburg": (53.5511, 9.9937),
    "munich": (48.1351, 11.582),
    "paris": (48.8566, 2.3522),
    "seattle": (47.6062, -122.3321),
    "fiji_east": (-17.7134, 179.9),  # the antimeridian: search from the other side
    "fiji_west": (-17.7134, -179.95),
}


def add_partner(name, tier, *, type="reseller", status="active", listed=True, **lists):
    partner = Partner(
        name=name,
        slug=name.lower().replace(" ", "-"),
        type=type,
        tier=tier,
        status=status,
        listed_in_locator=listed,
        specialties=lists.get("specialties", []),
        certifications=lists.get("certifications", []),
        services=lists.get("services", []),
        languages=lists.get("languages", []),
    )
    session.add(partner)
    session.flush()
    return partner


def add_location(partner, city, *, point=True, public=True):
    lat, lon = CITIES[city]
    location = Location(
        partner_id=partner.id,
        city=city.title(),
        country_code="DE",
        latitude=lat if point else None,
        longitude=lon if point else None,
        geocode_state="manual" if point else "failed",
        public=public,
    )
    session.add(location)
    session.flush()
    return location


@pytest.fixture
def network(app):
    with app.app_context():
        silver = Tier(name="Silver", rank=20)
        gold = Tier(name="Gold", rank=30)
        session.add_all([silver, gold])
        session.flush()
        berlin = add_partner(
            "Berlin Silver",
            silver,
            specialties=["Solar", "Heat pumps"],
            languages=["de", "en"],
            services=["Installation"],
        )
        potsdam = add_partner(
            "Potsdam Gold",
            gold,
            type="installer",
            specialties=["Solar"],
            certifications=["Certified Installer"],
            languages=["de"],
        )
        hamburg = add_partner("Hamburg Multi", silver, languages=["en"])
        hidden = add_partner("Berlin Unlisted", gold, listed=False)
        inactive = add_partner("Berlin Inactive", gold, status="inactive")
        nowhere = add_partner("No Point", gold)
        add_location(berlin, "berlin")
        add_location(potsdam, "potsdam")
        add_location(hamburg, "hamburg")
        add_location(hamburg, "munich")
        add_location(hamburg, "paris", public=False)
        add_location(hidden, "berlin")
        add_location(inactive, "berlin")
        add_location(nowhere, "berlin", point=False)
        fiji = add_partner("Fiji Islands", silver)
        add_location(fiji, "fiji_west")
        session.commit()
        yield SimpleNamespace(
            berlin=berlin.id,
            potsdam=potsdam.id,
            hamburg=hamburg.id,
            hidden=hidden.id,
            inactive=inactive.id,
            nowhere=nowhere.id,
            fiji=fiji.id,
        )
