"""Whom to preview an asset as: the partners the campaign targets first, then the others,
searched by name however many partners there are (SQLite and PostgreSQL)."""

from __future__ import annotations

from app.db import session
from campaigns import lifecycle, targeting
from tests.factories.directory import make_partner


def _campaign(network, **extra):
    campaign = lifecycle.create_campaign(
        {"name": "Gold push", "targeting": {"min_tier": "Gold"}, **extra},
        network.users["marketer"],
    )
    session.commit()
    return campaign


def _many(count: int = 25) -> list[int]:
    # named to sort before every partner of the network: a list by name alone shows only them
    ids = [make_partner(f"Aardvark {n:02d}", tier="Silver").id for n in range(count)]
    session.commit()
    return ids


def test_targeted_partners_come_first_then_the_others_marked(network):
    _many()
    campaign = _campaign(network)  # alpha (Gold) and charlie (Platinum)
    choices = targeting.preview_choices(campaign, limit=20)
    assert len(choices) == 20
    assert [(c.partner.name, c.targeted) for c in choices[:3]] == [
        ("Alpha Solar", True),
        ("Charlie Power", True),
        ("Aardvark 00", False),
    ]
    assert not any(c.targeted for c in choices[2:])


def test_search_by_name_reaches_any_partner(network):
    _many()
    campaign = _campaign(network)
    assert [c.partner.name for c in targeting.preview_choices(campaign, "VARK 2")] == [
        "Aardvark 20",
        "Aardvark 21",
        "Aardvark 22",
        "Aardvark 23",
        "Aardvark 24",
    ]
    found = targeting.preview_choices(campaign, "charl")
    assert [(c.partner.name, c.targeted) for c in found] == [("Charlie Power", True)]
    assert targeting.preview_choices(campaign, "100%_") == []  # wildcards are plain text


def test_included_and_excluded_partners(network):
    ids = _many()
    campaign = _campaign(
        network, include_partner_ids=[ids[24]], exclude_partner_ids=[network.ids["alpha"]]
    )
    first = targeting.preview_choices(campaign, limit=3)
    assert [(c.partner.name, c.targeted) for c in first] == [
        ("Aardvark 24", True),
        ("Charlie Power", True),
        ("Aardvark 00", False),
    ]
    alpha = targeting.preview_choices(campaign, "alpha")
    assert [(c.partner.name, c.targeted) for c in alpha] == [("Alpha Solar", False)]
