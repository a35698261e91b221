"""Every screen renders for the roles it is meant for."""

import pytest

ADMIN_PAGES = [
    "/admin/",
    "/admin/partners",
    "/admin/partners/new",
    "/admin/partners/import",
    "/admin/users",
    "/admin/settings",
    "/admin/outbox",
    "/admin/audit",
    "/account",
]
PORTAL_PAGES = [
    "/portal/",
    "/portal/profile",
    "/portal/locations",
    "/portal/locations/new",
    "/portal/brand-kit",
    "/portal/team",
    "/account",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_render(world, login_as, path):
    client = login_as("admin@vendor.example")
    response = client.get(path)
    assert response.status_code == 200, path
    assert b"Partner" in response.data


@pytest.mark.parametrize("path", PORTAL_PAGES)
def test_portal_pages_render(world, login_as, path):
    client = login_as("partner_admin@a.example")
    response = client.get(path)
    assert response.status_code == 200, path
    assert b"Alpha Secret Partner" in response.data or b"Your account" in response.data


def test_partner_detail_and_edit(world, login_as):
    client = login_as("cm@vendor.example")
    assert b"Alpha Secret Partner" in client.get(f"/admin/partners/{world.a_id}").data
    assert client.get(f"/admin/partners/{world.a_id}/edit").status_code == 200


def test_admin_configures_the_tier_ladder(world, login_as, app):
    from sqlalchemy import select

    from app.db import session
    from directory.models import Tier

    client = login_as("admin@vendor.example")
    assert (
        client.post(
            "/admin/tiers", data={"name": "Diamond", "rank": "50", "color": "#00aaff"}
        ).status_code
        == 302
    )
    response = client.post(
        "/admin/tiers",
        data={"name": "gold", "rank": "60", "color": "#00aaff"},
        follow_redirects=True,
    )
    assert b"There is already a tier called Gold." in response.data
    with app.app_context():
        gold = session.execute(select(Tier).where(Tier.name == "Gold")).scalar_one()
        registered = session.execute(select(Tier).where(Tier.name == "Registered")).scalar_one()
        gold_id, registered_id = gold.id, registered.id
        session.remove()
    # a tier with partners cannot be removed; an empty one can
    response = client.post(
        f"/admin/tiers/{gold_id}", data={"action": "delete"}, follow_redirects=True
    )
    assert b"1 partner(s) are in Gold" in response.data
    client.post(f"/admin/tiers/{registered_id}", data={"action": "delete"})
    with app.app_context():
        from campaigns import lifecycle

        promo = lifecycle.create_campaign(
            {"name": "Gold promo", "targeting": {"min_tier": "Gold", "tiers": ["Diamond"]}}, None
        )
        session.commit()
        promo_id = promo.id
        session.remove()
    client.post(
        f"/admin/tiers/{gold_id}",
        data={"action": "save", "name": "Gold+", "rank": "35", "color": "#ffcc00"},
    )
    with app.app_context():
        ladder = [
            (t.name, t.rank) for t in session.execute(select(Tier).order_by(Tier.rank)).scalars()
        ]
        session.remove()
    assert ladder == [("Silver", 20), ("Gold+", 35), ("Platinum", 40), ("Diamond", 50)]
    # campaigns name tiers in their rules: a new name follows, a named tier stays
    with app.app_context():
        from campaigns.models import Campaign

        rules = session.get(Campaign, promo_id).targeting
        diamond_id = session.execute(select(Tier.id).where(Tier.name == "Diamond")).scalar_one()
        session.remove()
    assert rules["min_tier"] == "Gold+" and rules["tiers"] == ["Diamond"]
    response = client.post(
        f"/admin/tiers/{diamond_id}", data={"action": "delete"}, follow_redirects=True
    )
    assert b"Campaigns target Diamond: Gold promo. Change their targeting first." in response.data
    # only the admin configures tiers
    client = login_as("marketer@vendor.example")
    assert client.post("/admin/tiers", data={"name": "X", "rank": "70"}).status_code == 403
