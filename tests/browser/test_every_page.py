"""Every page of the three faces in Chromium, on a desktop and a phone: no serious or critical
accessibility violation (axe-core), no console error, nothing wider than the screen, and every
label points at a field.

Pages come from the URL map, as in tests/web/test_isolation.py: a new GET route is walked
without editing this test, and a route this test cannot fill, or that nobody may open, fails it.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import url_for
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import select

from app import security
from app.db import session
from app.mail import unsubscribe_token
from app.models import MailMessage, Role, User
from campaigns import lifecycle
from campaigns.journeys import applications
from directory import brand_kits, people
from directory.demo_logos import generate_logo
from directory.models import Partner
from tests.browser.conftest import ARTIFACTS, sign_in, watch_console
from tests.factories.campaigns import live_campaign
from tests.factories.directory import PASSWORD
from tests.factories.leads import assigned_lead
from tests.factories.recruitment import make_application, make_prospect
from tests.factories.scorecards import scored_with_a_recommendation

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
FAILING_IMPACTS = {"serious", "critical"}

# GET routes that answer with a file, an image or JSON, not with a page of their own
NOT_PAGES = {
    "public.health": "JSON",
    "public.favicon": "an icon",
    "public.program_logo": "an image",
    "api_docs.openapi": "JSON",
    "admin.campaign_asset_preview": "a preview shown inside the asset page's frame",
    "admin.campaign_export": "CSV",
    "admin.journey_export": "CSV",
    "admin.campaign_progress": "JSON",
    "admin.partner_logo": "an image",
    "admin.partners_export": "CSV",
    "admin.template_preview": "an image, or an email inside a frame",
    "admin.template_sample": "a PDF or PNG",
    "portal.asset_download": "a file",
    "portal.asset_preview": "an image, or an email inside a frame",
    "portal.campaign_download": "a zip",
    "portal.logo": "an image",
    "portal.asset_thumbnail": "an image",
    "admin.template_thumbnail": "an image",
    "admin.partners_search": "JSON",
    "admin.partners_import_sample": "CSV",
    "admin.prospects_import_sample": "CSV",
    "admin.scorecard_export": "CSV",
    "admin.metrics_import_sample": "CSV",
    "public.email_image": "an image of an email, for mail clients",
    "public.journey_open": "the open pixel of a journey email (a GIF)",
    "public.journey_click": "a redirect from a journey email's link",
    "admin.leads_export": "CSV",
    "admin.leads_map": "JSON",
    "admin.lead_report_csv": "CSV",
    "public.place_suggestions": "JSON",
    "public.partner_logo": "an image",
    "public.sitemap": "XML",
    "public.robots": "text",
    "public.widget_script": "JavaScript",
    "public.leaflet": "Leaflet's files",
    "public_api.locator": "JSON",
    "public_api.partner": "JSON",
}
SCREENSHOTS = {
    "portal.home",
    "portal.asset",
    "portal.campaign",
    "admin.partners",
    "admin.campaign_detail",
    "portal.brand_kit",
}
# TANDEM_SCREENSHOT_ALL=1: a screenshot of every page, to look at them all
EVERY_SCREENSHOT = os.environ.get("TANDEM_SCREENSHOT_ALL") == "1"
# who opens which pages: anonymous for the public ones, else the admin of each side
VISITORS = [
    (None, None),
    ("admin@vendor.example", Role.ADMIN),
    ("partner_admin@a.example", Role.PARTNER_ADMIN),
]


@dataclass
class Site:
    """Route parameter values (each a list: every value is walked), and values for the routes
    of one blueprint or one endpoint ("portal", "account.reset_password") that differ."""

    values: dict[str, list]
    overrides: dict[str, dict[str, list]] = field(default_factory=dict)

    def values_for(self, endpoint: str) -> dict[str, list]:
        values = dict(self.values)
        for key, more in sorted(self.overrides.items()):
            if endpoint == key or endpoint.startswith(key + "."):
                values.update(more)
        return values


@pytest.fixture
def site(app, world) -> Site:
    """A live campaign for partner A with a PDF, an image and an email asset, A's logo, a
    pending invitation, an API token and mail in the outbox."""
    with app.app_context(), app.test_request_context():
        a = session.get(Partner, world.a_id)
        brand_kits.set_logo(a, generate_logo("Alpha"), "test")
        admin = session.get(User, world.users["admin"].id)
        a_admin = session.get(User, world.users["a_partner_admin"].id)
        _invitation, invitation_token = people.invite(
            "new@a.example", Role.PARTNER_MEMBER, a_admin, partner_id=a.id, name="New Person"
        )
        people.create_api_token(admin, "CRM sync")
        people.create_api_token(a_admin, "Shop sync")
        campaign, added = live_campaign(
            "Spring promo", [a.id], ["product-flyer", "social-square", "monthly-newsletter"]
        )
        draft = lifecycle.create_campaign({"name": "Autumn draft"}, "test")
        prospect = make_prospect("Echo Energy")
        make_prospect("Echo Energy France", email="fr@echo.example")  # a duplicate to flag
        waiting = make_application()
        approved = make_application(company="Approved Applicant", email="ok@approved.example")
        a.listed_in_locator = True  # its public profile
        session.commit()
        applications.approve(approved, admin)
        declined = make_application(company="Declined Applicant", email="no@declined.example")
        applications.decline(declined, admin, "Not this year.")
        session.commit()
        journeys = _journeys(a.id)
        card, _recommendation = scored_with_a_recommendation(a.id)
        assigned_lead(a)
        lead = assigned_lead(a)  # the same customer again: a possible channel conflict
        reset_token = security.sign(
            app.config["TANDEM"].secret_key, people.RESET_SALT, [a_admin.id, a_admin.session_nonce]
        )
        message_id = session.execute(select(MailMessage.id)).scalars().first()
        return Site(
            values={
                "partner_id": [a.id],
                "location_id": [a.locations[0].id],
                "campaign_id": [campaign.id, draft.id],
                "asset_id": [asset.id for asset in added],
                "template_id": sorted({asset.template_version.template_id for asset in added}),
                "message_id": [message_id],
                "which": ["tiers", "regions", "partners"],
                "prospect_id": [prospect.id],
                "application_id": [waiting.id, approved.id, declined.id],
                "journey_id": journeys,
                "scorecard_id": [card],
                "lead_id": [lead.id],
                "slug": [a.slug],
            },
            overrides={
                "portal": {"campaign_id": [campaign.id]},  # partners never see drafts
                "account.accept_invitation": {"token": [invitation_token]},
                "account.reset_password": {"token": [reset_token]},
                "public.unsubscribe": {"token": [unsubscribe_token("someone@example.com")]},
            },
        )


def _journeys(partner_id: int) -> list[int]:
    """A draft journey (the onboarding starter: branches in the editor) and a live one with
    partner A inside, its first email sent."""
    from campaigns.journeys import lifecycle as journey_lifecycle
    from campaigns.journeys import starters, store

    draft = starters.copy_starter("onboarding", "test")
    live = starters.copy_starter("onboarding", "test", name="Onboarding, live")
    live.draft = {**live.draft, "trigger": {"kind": "manual"}, "send_window": None}
    session.flush()
    journey_lifecycle.publish(live, "test")
    journey_lifecycle.enroll_many(live, "test", partner_ids=[partner_id])
    session.commit()
    store.run_until_idle()
    return [draft.id, live.id]


def _pages(app, site: Site, role):
    """(endpoint, url) of every page that ROLE (None: anonymous) is the one to open."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if rule.endpoint.startswith("api.") or rule.endpoint in NOT_PAGES:
            continue
        allowed = app.view_functions[rule.endpoint].allowed_roles
        if (role is None) != (allowed is None) or (role is not None and role not in allowed):
            continue
        values = site.values_for(rule.endpoint)
        args = sorted(rule.arguments)
        missing = [arg for arg in args if arg not in values]
        assert not missing, f"the page walk cannot fill {missing} of {rule.rule}: add it"
        for combination in itertools.product(*(values[arg] for arg in args)):
            with app.test_request_context():
                yield (
                    rule.endpoint,
                    url_for(rule.endpoint, **dict(zip(args, combination, strict=True))),
                )


# who opens which pages, in which window: one test each, so that `pytest -n 2 --dist loadgroup`
# shares the walk between its workers (each piece its own xdist group, not the "browser" one).
# The admin opens most pages: its walk is cut in PARTS, every PARTS-th page each.
PARTS = {Role.ADMIN: 2}


def _piece(visitor, size_name: str, part: int):
    name = f"{visitor[1] or 'anonymous'}-{size_name}"
    if PARTS.get(visitor[1], 1) > 1:
        name += f"-{part + 1}of{PARTS[visitor[1]]}"
    return pytest.param(
        visitor, size_name, part, id=name, marks=pytest.mark.xdist_group(f"every-page-{name}")
    )


PIECES = [
    _piece(visitor, size_name, part)
    for visitor in VISITORS
    for size_name in VIEWPORTS
    for part in range(PARTS.get(visitor[1], 1))
]


def _every_page(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.endpoint != "static"
        and not rule.endpoint.startswith("api.")
    } - set(NOT_PAGES)


def _walk(app, site: Site, role) -> list[tuple[str, str]]:
    """The (endpoint, url) pairs one visitor opens: its pages, and for anonymous the 404 page."""
    pages = list(_pages(app, site, role))
    if role is None:
        pages.append(("error", "/no-such-page"))
    return pages


# the pages do not depend on the database engine: SQLite alone keeps the walk short
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_page_is_walked(app, site):
    """Between them, the visitors of the walk open every page of the URL map."""
    walked = {endpoint for _email, role in VISITORS for endpoint, _url in _walk(app, site, role)}
    every_page = _every_page(app)
    assert every_page <= walked, f"nobody opened {sorted(every_page - walked)}"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("visitor", "size_name", "part"), PIECES)
def test_every_page_is_accessible_on_desktop_and_phone(
    app, site, live_server, browser, visitor, size_name, part
):
    email, role = visitor
    size = VIEWPORTS[size_name]
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    console = watch_console(page)
    axe = Axe()
    problems: list[str] = []
    report: dict[str, list] = {}
    shot: set[str] = set()
    ARTIFACTS.mkdir(exist_ok=True)
    if email:
        _sign_in(page, live_server, email)
    page.set_viewport_size(size)
    for endpoint, url in _walk(app, site, role)[part :: PARTS.get(role, 1)]:
        console.clear()
        response = page.goto(live_server + url, wait_until="load")
        where = f"{size_name} {url} ({endpoint}, {role or 'anonymous'})"
        expected = 404 if endpoint == "error" else 200
        if response.status != expected or "text/html" not in response.headers["content-type"]:
            problems.append(f"{where}: {response.status} {response.headers['content-type']}")
            continue
        errors = [e for e in console if endpoint != "error" or "status of 404" not in e]
        problems += [f"{where}: console error: {e}" for e in errors]
        wide = page.evaluate(TOO_WIDE)
        if wide:
            problems.append(f"{where}: wider than the screen: {wide}")
        problems += [f"{where}: {p}" for p in page.evaluate(LABELS_AND_IDS)]
        problems += [f"{where}: {p}" for p in page.evaluate(UNSTYLED_OR_BLURRY)]
        results = axe.run(page, options={"resultTypes": ["violations"], "iframes": False})
        for violation in results.response["violations"]:
            nodes = [", ".join(n["target"]) for n in violation["nodes"]]
            report.setdefault(where, []).append(
                {"id": violation["id"], "impact": violation["impact"], "nodes": nodes}
            )
            if violation["impact"] in FAILING_IMPACTS:
                problems.append(
                    f"{where}: axe {violation['impact']} {violation['id']}: "
                    f"{violation['help']} at {'; '.join(nodes[:5])}"
                )
        if (endpoint in SCREENSHOTS or EVERY_SCREENSHOT) and endpoint not in shot:
            shot.add(endpoint)
            name = f"{endpoint.replace('.', '-')}-{size_name}.png"
            _load_every_image(page)
            page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    piece = f"{role or 'anonymous'}-{size_name}-{part + 1}"
    (ARTIFACTS / f"axe-report-{piece}.json").write_text(json.dumps(report, indent=1))
    context.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def _load_every_image(page) -> None:
    """Lazy images below the fold load too, and previews rendered on demand get their time."""
    page.evaluate(
        "document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
    )
    # up to a minute, as before; a picture still loading then is only a worse screenshot
    try:
        page.wait_for_function(
            "() => [...document.images].every((image) => image.complete)", timeout=60_000
        )
    except PlaywrightTimeoutError:
        pass


def _sign_in(page, base: str, email: str) -> None:
    page.set_viewport_size(VIEWPORTS["desktop"])
    sign_in(page, base, email, PASSWORD)


# how much wider than the screen the page is, and the outermost elements that stick out
TOO_WIDE = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return "";
  const out = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.getBoundingClientRect().right <= width + 0.5) continue;
    if (out.some((outer) => outer.contains(element))) continue;
    out.push(element);
  }
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (typeof e.className === "string" && e.className ? "." + e.className.split(" ")[0] : "");
  return `${document.documentElement.scrollWidth} px on a ${width} px screen; ` +
    out.slice(0, 4).map((e) => `${name(e.parentElement)} > ${name(e)}`).join(", ");
}"""

# labels that point at no field, and ids used twice (a label then names the wrong field)
LABELS_AND_IDS = """() => {
  const problems = [];
  for (const label of document.querySelectorAll("label[for]")) {
    const target = document.getElementById(label.htmlFor);
    if (!target || !target.matches("input, select, textarea, button, meter, output, progress"))
      problems.push(`label "${label.textContent.trim()}" points at no field (#${label.htmlFor})`);
  }
  const seen = new Set();
  for (const element of document.querySelectorAll("[id]")) {
    if (seen.has(element.id)) problems.push(`id "${element.id}" is used twice`);
    seen.add(element.id);
  }
  return problems;
}"""

# form controls left to the browser's defaults (its 13 px font and 1 px padding), and
# pictures shown larger than they are (blurry)
UNSTYLED_OR_BLURRY = """() => {
  const problems = [];
  const boxes = "input:not([type=hidden], [type=checkbox], [type=radio], [type=file]," +
    " [type=submit], [type=button], [type=image], [type=range], [type=reset]), select, textarea";
  const body = getComputedStyle(document.body).fontSize;
  for (const box of document.querySelectorAll(boxes)) {
    if (!box.getClientRects().length) continue;
    const style = getComputedStyle(box);
    if (style.fontSize !== body || parseFloat(style.paddingLeft) < 4)
      problems.push(`${box.tagName.toLowerCase()}#${box.id} (${box.type}) is not styled`);
  }
  for (const image of document.images) {
    if (!image.complete || !image.naturalWidth || !image.getClientRects().length) continue;
    if (image.classList.contains("leaflet-tile")) continue;  // map tiles are scaled by design
    if (image.clientWidth > image.naturalWidth + 1)
      problems.push(`${image.src} is ${image.naturalWidth} px wide, shown ${image.clientWidth} px`);
  }
  return problems;
}"""
