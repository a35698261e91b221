"""The shared layout: navigation with the current page, a theme that stays readable,
right-sized thumbnails with one link per card, locked fields without orphan labels, and the
brand kit's colour buttons and on-dark advice. (Looks on a phone: tests/browser/test_looks.py;
every page under axe: tests/browser/test_every_page.py.)"""

from __future__ import annotations

from html.parser import HTMLParser

from app.db import session
from app.models import ProgramSettings
from directory import brand_kits
from directory.demo_logos import generate_logo
from directory.models import Partner
from tests.factories.campaigns import live_campaign
from tests.imagefiles import encode, two_colour_logo


class Elements(HTMLParser):
    """Every start tag of a page as (tag, attributes), and which element each one is in."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict, tuple]] = []
        self._open: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.found.append((tag, attributes, tuple(self._open)))
        if tag not in ("img", "input", "br", "meta", "link", "hr", "source"):
            self._open.append((tag, attributes))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def all(self, tag: str, **where) -> list[dict]:
        return [
            attrs
            for name, attrs, _ in self.found
            if name == tag and all(attrs.get(k.rstrip("_")) == v for k, v in where.items())
        ]

    def inside(self, tag: str, css_class: str) -> list[list[tuple[str, dict]]]:
        """The elements inside each element TAG of class CSS_CLASS, one list per such element."""
        groups: dict[int, list] = {}
        for name, attrs, parents in self.found:
            for parent, parent_attrs in parents:
                if parent == tag and css_class in parent_attrs.get("class", "").split():
                    groups.setdefault(id(parent_attrs), []).append((name, attrs))
                    break
        return list(groups.values())


def page(client, path: str) -> Elements:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return Elements(response.get_data(as_text=True))


def current_links(elements: Elements) -> dict[str, str]:
    return {a["href"]: a["aria-current"] for a in elements.all("a") if "aria-current" in a}


def test_navigation_marks_the_current_page_and_its_section(app, world, login_as):
    client = login_as("admin@vendor.example")
    assert current_links(page(client, "/admin/partners")) == {"/admin/partners": "page"}
    on_a_partner = current_links(page(client, f"/admin/partners/{world.a_id}"))
    assert on_a_partner == {"/admin/partners": "true"}
    assert current_links(page(client, "/admin/settings")) == {"/admin/settings": "page"}
    assert current_links(page(client, "/account")) == {"/account": "page"}

    client = login_as("partner_admin@a.example")
    with app.app_context():
        campaign, (asset,) = live_campaign("Promo", [world.a_id], ["social-square"])
        campaign_id, asset_id = campaign.id, asset.id
    assert current_links(page(client, "/portal/")) == {"/portal/": "page"}
    assert current_links(page(client, f"/portal/assets/{asset_id}")) == {"/portal/": "true"}
    assert current_links(page(client, f"/portal/campaigns/{campaign_id}")) == {"/portal/": "true"}
    assert current_links(page(client, "/portal/brand-kit")) == {"/portal/brand-kit": "page"}


def test_navigation_is_a_menu_button_that_needs_no_script(world, login_as):
    elements = page(login_as("admin@vendor.example"), "/admin/")
    (menu,) = elements.all("details", class_="menu")
    navs = [parents for tag, _, parents in elements.found if tag == "nav"]
    assert [p[-1][0] for p in navs] == ["details"], "the main navigation is inside the menu"
    assert menu is not None and elements.all("summary")


def test_a_light_brand_colour_gets_dark_text_in_the_top_bar_and_on_buttons(app, client):
    dark = client.get("/login").get_data(as_text=True)
    assert "--on-brand: #ffffff; --link: #1e3a8a;" in dark
    with app.app_context():
        program = ProgramSettings.saved() or ProgramSettings.with_defaults()
        program.primary_color = "#fde047"  # yellow: white text on it would be unreadable
        session.add(program)
        session.commit()
    light = client.get("/login").get_data(as_text=True)
    assert "--on-brand: #111827; --link: #111827;" in light


def test_thumbnails_are_right_sized_lazy_and_one_link_per_card(app, world, login_as):
    with app.app_context():
        campaign, assets = live_campaign(
            "Spring promo", [world.a_id], ["monthly-newsletter", "social-square"]
        )
        campaign_id, email_id, square_id = campaign.id, assets[0].id, assets[1].id
    client = login_as("partner_member@a.example")
    for path in ("/portal/", f"/portal/campaigns/{campaign_id}"):
        elements = page(client, path)
        cards = elements.inside("div", "linked-card")
        assert cards, path
        for card in cards:
            links = [attrs for tag, attrs in card if tag == "a"]
            assert len(links) == 1 and links[0]["class"] == "card-link", (path, card)
        thumbs = elements.all("img", class_="thumb")
        assert thumbs, path
        for thumb in thumbs:
            # the preview is 400 px wide: the stylesheet never shows it wider
            assert (thumb["width"], thumb["height"], thumb["loading"]) == ("400", "300", "lazy")
            assert thumb["alt"] == "", "the card's title names it"
    # the home page shows the campaign's picture rather than the top of its email
    home_thumbs = page(client, "/portal/").all("img", class_="thumb")
    assert [t["src"] for t in home_thumbs] == [f"/portal/assets/{square_id}/thumbnail.png"]
    # the campaign page shows each asset, the email as the top of the email
    campaign_thumbs = page(client, f"/portal/campaigns/{campaign_id}").all("img", class_="thumb")
    assert [t["src"] for t in campaign_thumbs] == [
        f"/portal/assets/{email_id}/thumbnail.png",
        f"/portal/assets/{square_id}/thumbnail.png",
    ]

    # the vendor's side: asset cards and the template picker show the templates' thumbnails
    client = login_as("marketer@vendor.example")
    elements = page(client, f"/admin/campaigns/{campaign_id}")
    radios = elements.all("input", type="radio", name="template_version_id")
    assert len(radios) == 2 and "checked" in radios[0]
    picker = elements.inside("fieldset", "pick")[0]
    assert sum(tag == "img" for tag, _ in picker) == 2  # the email's too: the top of it
    email_card, square_card = elements.inside("div", "linked-card")
    assert [attrs["class"] for tag, attrs in email_card if tag == "img"] == ["thumb"]
    assert [attrs["class"] for tag, attrs in square_card if tag == "img"] == ["thumb"]
    templates = page(client, "/admin/templates")
    for card in templates.inside("div", "linked-card"):
        assert [tag for tag, _ in card].count("a") == 1


def test_locked_fields_have_no_label_that_points_at_nothing(app, world, login_as):
    with app.app_context():
        _campaign, (asset,) = live_campaign("Promo", [world.a_id], ["product-flyer"])
        asset_id = asset.id
    elements = page(login_as("partner_member@a.example"), f"/portal/assets/{asset_id}")
    ids = {attrs["id"] for _, attrs, _ in elements.found if "id" in attrs}
    labels = elements.all("label")
    assert labels and all(label["for"] in ids for label in labels if "for" in label)
    shown = page(login_as("partner_member@a.example"), f"/portal/assets/{asset_id}")
    assert shown.all("div", class_="locked-value"), "the flyer has fields set by the vendor"


def test_brand_kit_offers_each_logo_colour_as_primary_and_as_secondary(app, world, login_as):
    with app.app_context():
        brand_kits.set_logo(session.get(Partner, world.a_id), generate_logo("Alpha"), "test")
        session.commit()
        colors = session.get(Partner, world.a_id).brand_kit.logo_colors
    elements = page(login_as("partner_admin@a.example"), "/portal/brand-kit")
    buttons = elements.all("button", class_="secondary suggest")
    assert [(b["data-color"], b["data-target"]) for b in buttons] == [
        (color, target) for color in colors for target in ("f-primary_color", "f-secondary_color")
    ]
    assert buttons[1]["aria-label"] == f"Use {colors[0]} as secondary colour"


def test_brand_kit_advises_when_the_logo_fades_on_dark(app, world, login_as):
    client = login_as("partner_admin@a.example")
    with app.app_context():
        # the demo logo: a violet mark and a navy wordmark, both too dark for a dark background
        brand_kits.set_logo(session.get(Partner, world.a_id), generate_logo("Alpha"), "test")
        session.commit()
    text = client.get("/portal/brand-kit").get_data(as_text=True)
    assert "Your logo may disappear on dark backgrounds:" in text
    assert "#1e1b4b (1.1:1)" in text and 'aria-describedby="advice-dark"' in text

    with app.app_context():  # red and navy: the red stands out on dark, the navy does not
        kit = brand_kits.set_logo(
            session.get(Partner, world.a_id), encode(two_colour_logo()), "test"
        )
        assert brand_kits.logo_colors_fading_on_dark(kit) == [("#1d3557", 1.4)]
        kit.logo_colors = ["#ffffff", "#d62828"]  # a light logo
        assert brand_kits.logo_colors_fading_on_dark(kit) == []
        kit.logo_colors, kit.logo_mime = ["#1d3557"], "image/jpeg"  # brings its own background
        assert brand_kits.logo_colors_fading_on_dark(kit) == []
        session.commit()
    assert "may disappear" not in client.get("/portal/brand-kit").get_data(as_text=True)
