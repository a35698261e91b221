"""Test data built through the domain functions, as the app builds it."""

from __future__ import annotations

from types import SimpleNamespace

from app.db import session
from app.models import Role
from directory import brand_kits, locations, partners, people
from directory.models import Tier

PASSWORD = "correct-horse-battery"


def make_tiers() -> list[Tier]:
    tiers = [
        Tier(name="Registered", rank=10),
        Tier(name="Silver", rank=20),
        Tier(name="Gold", rank=30),
        Tier(name="Platinum", rank=40),
    ]
    session.add_all(tiers)
    session.flush()
    return tiers


def make_partner(name: str, tier: str = "Silver", **extra):
    data = {
        "name": name,
        "tier": tier,
        "type": "reseller",
        "status": "active",
        "countries": "DE",
        "website": f"https://{name.split()[0].lower()}.example",
        "email": f"info@{name.split()[0].lower()}.example",
        **extra,
    }
    return partners.create_partner(data, "test")


def make_world() -> SimpleNamespace:
    make_tiers()
    a = make_partner("Alpha Secret Partner", tier="Gold")
    b = make_partner("Bravo Partner", tier="Silver")
    users = {}
    for role, email in [
        (Role.ADMIN, "admin@vendor.example"),
        (Role.MARKETER, "marketer@vendor.example"),
        (Role.CHANNEL_MANAGER, "cm@vendor.example"),
    ]:
        users[role.value] = people.create_user(email, PASSWORD, role, name=role.value)
    for partner, key in [(a, "a"), (b, "b")]:
        for role in (Role.PARTNER_ADMIN, Role.PARTNER_MEMBER):
            user = people.create_user(
                f"{role.value}@{key}.example",
                PASSWORD,
                role,
                partner_id=partner.id,
                name=f"{key} {role.value}",
            )
            users[f"{key}_{role.value}"] = user
        locations.add_location(
            partner,
            {
                "label": "HQ",
                "street": "1 Main St",
                "city": "Berlin",
                "country_code": "DE",
                "latitude": "52.5",
                "longitude": "13.4",
            },
            "test",
        )
        brand_kits.update_brand_kit(partner, {"tagline": f"{partner.name} tagline"}, "test")
    session.commit()
    return SimpleNamespace(a=a, b=b, users=users, a_id=a.id, b_id=b.id)
