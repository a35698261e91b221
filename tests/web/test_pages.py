"""Every screen renders for the roles it is meant for, showing what that screen is for.

Each page is checked inside its <main>: its own heading and content of its own, never what
the header and navigation print on every page (the partner's name, the user's name).
"""

import html
import re

import pytest

# path: (the <h1>, texts of the page's own content, bits of its HTML such as form fields)
ADMIN_PAGES = {
    "/admin/": (
        "Overview",
        ["Partner network", "Active 2", "Partners by tier Silver 1 Gold 1"],
        [],
    ),
    "/admin/partners": (
        "Partners (2)",
        [
            "Alpha Secret Partner Gold Reseller active DE",
            "Bravo Partner Silver Reseller active DE",
        ],
        ['name="q"', 'name="tier"'],
    ),
    "/admin/partners/new": ("New partner", ["Used in addresses"], ['name="slug"', 'name="tier"']),
    "/admin/partners/import": (
        "Import partners from CSV",
        ["Columns: name, slug, type, tier, status"],
        ['type="file" name="file"'],
    ),
    "/admin/users": (
        "Users and invitations",
        ["cm@vendor.example Channel manager", "marketer@vendor.example Channel marketer"],
        ['name="role"'],
    ),
    "/admin/settings": (
        "Program settings",
        ["A higher rank is a better tier"],
        ['name="vendor_name"', 'value="Platinum"', 'value="Registered"'],
    ),
    "/admin/outbox": ("Outbox", ["When To Subject Kind Status No messages."], []),
    "/admin/audit": (
        "Audit log",
        ["Location added", "City: Berlin", "Email: partner_member@b.example"],
        [],
    ),
    "/account": (
        "Your account",
        ["Email admin@vendor.example Role Administrator"],
        ['name="current"', 'name="confirm"'],
    ),
}
PORTAL_PAGES = {
    "/portal/": (
        "Welcome, a partner_admin",
        ["Gold · active", "Campaigns for you No live campaigns right now."],
        [],
    ),
    "/portal/profile": (
        "Company profile",
        ["Set by Tandem Tier Gold Type Reseller Status Active"],
        ['value="Alpha Secret Partner"', 'name="countries"'],
    ),
    "/portal/locations": ("Locations", ["HQ 1 Main St, Berlin, DE yes"], []),
    "/portal/locations/new": (
        "New location · Alpha Secret Partner",
        ["Two-letter code, e.g. DE"],
        ['name="street"', 'name="country_code"'],
    ),
    "/portal/brand-kit": (
        "Brand kit",
        ["Alpha Secret Partner tagline", "info@alpha.example · https://alpha.example"],
        ['name="tagline"'],
    ),
    "/portal/team": (
        "Your team",
        ["partner_admin@a.example Partner admin", "partner_member@a.example Partner member"],
        [],
    ),
    "/account": (
        "Your account",
        ["Email partner_admin@a.example Role Partner admin Partner Alpha Secret Partner"],
        ['name="current"'],
    ),
}


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def check_page(response, path: str, heading: str, texts: list[str], bits: list[str]) -> None:
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    main = page.split('<main id="main" tabindex="-1">', 1)[1].split("</main>", 1)[0]
    headings = [_text(h) for h in re.findall(r"<h1[^>]*>(.*?)</h1>", main, re.S)]
    assert headings == [heading], path
    text = _text(main)
    for expected in texts:
        assert expected in text, (path, expected, text[:600])
    for expected in bits:
        assert expected in main, (path, expected)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_render(world, login_as, path):
    client = login_as("admin@vendor.example")
    check_page(client.get(path), path, *ADMIN_PAGES[path])


@pytest.mark.parametrize("path", PORTAL_PAGES)
def test_portal_pages_render(world, login_as, path):
    client = login_as("partner_admin@a.example")
    page = client.get(path)
    check_page(page, path, *PORTAL_PAGES[path])
    assert b"partner_member@b.example" not in page.data and b"Bravo" not in page.data


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
    assert b"1 partner is in Gold" in response.data
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
