"""The campaign dashboard's charts in Chromium, with data that broke the hand-drawn ones: one
day of activity, a year of it, and forty regions. The page never scrolls sideways, at a
desktop's width or a phone's, each chart fits its container, and axis labels are drawn at
a normal size."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest

from app.db import session, utcnow
from campaigns.models import Campaign, EngagementEvent
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.factories.directory import PASSWORD, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def _campaign(name: str, partner_ids: list[int], days: int, rng: random.Random) -> int:
    """A live campaign of the partners, with events on each of the last DAYS days."""
    from brand_templates.library import load_starter
    from brand_templates.versions import import_template, publish
    from campaigns import assets, lifecycle

    version = import_template(session, load_starter("social-square"), slug="social-square")
    publish(session, version)
    campaign = lifecycle.create_campaign({"name": name, "targeting": {}}, "test")
    asset = assets.add_asset(campaign, {"template_version_id": version.id}, "test")
    session.commit()
    lifecycle.launch(campaign.id)
    now = utcnow()
    campaign = session.get(Campaign, campaign.id)
    campaign.launched_at = now - timedelta(days=days - 1)
    for back in range(days):
        for partner_id in rng.sample(partner_ids, min(len(partner_ids), rng.randint(1, 4))):
            for kind in rng.choices(["view", "preview", "customize", "download"], k=3):
                session.add(
                    EngagementEvent(
                        kind=kind,
                        partner_id=partner_id,
                        campaign_id=campaign.id,
                        asset_id=asset.id,
                        created_at=now - timedelta(days=back, hours=rng.randint(0, 3)),
                    )
                )
    session.commit()
    return campaign.id


@pytest.fixture
def campaigns(app, world, monkeypatch):
    """{"one-day": id, "one-year": id, "forty-regions": id}."""
    from app import jobs

    monkeypatch.setattr(jobs, "send", lambda *args, **kwargs: None)  # no worker here
    rng = random.Random(2026)
    with app.app_context():
        regional = [
            make_partner(
                f"Region{i} Partner",
                tier=rng.choice(["Silver", "Gold", "Platinum"]),
                regions=f"Region number {i:02d} of a rather long name",
            ).id
            for i in range(40)
        ]
        session.commit()
        made = {
            "one-day": _campaign("One day", [world.a_id, world.b_id], 1, rng),
            "one-year": _campaign("One year", [world.a_id, world.b_id], 365, rng),
            "forty-regions": _campaign("Forty regions", regional, 30, rng),
        }
        session.remove()
        return made


def _problem(message, problems: list[str]) -> None:
    """Console errors and warnings (a blocked inline script would be one; so would a
    missing favicon)."""
    if message.type in ("error", "warning"):
        problems.append(message.text)


MEASURE = """() => {
  const root = document.documentElement;
  const figures = [...document.querySelectorAll('figure.chart')].map(figure => {
    const box = figure.getBoundingClientRect();
    const shown = [...figure.querySelectorAll('svg')].filter(
      svg => svg.getBoundingClientRect().width > 0);
    return shown.map(svg => {
      const rect = svg.getBoundingClientRect();
      const scale = rect.width / svg.viewBox.baseVal.width;
      const labels = [...svg.querySelectorAll('.axis text')].map(
        text => parseFloat(getComputedStyle(text).fontSize) * scale);
      return {figure: [box.left, box.right], svg: [rect.left, rect.right], count: shown.length,
              labels, heights: [...svg.querySelectorAll('.axis text')].map(
                text => text.getBoundingClientRect().height)};
    });
  });
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
          bodyScroll: document.body.scrollWidth, figures};
}"""


@pytest.mark.parametrize("data", ["one-day", "one-year", "forty-regions"])
def test_dashboard_charts_fit_at_desktop_and_phone_widths(browser, live_server, campaigns, data):
    ARTIFACTS.mkdir(exist_ok=True)
    for device, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(30_000)
        problems: list[str] = []
        page.on("console", lambda message, problems=problems: _problem(message, problems))
        page.on("pageerror", lambda error, problems=problems: problems.append(str(error)))
        sign_in(page, live_server, "marketer@vendor.example", PASSWORD)
        page.goto(f"{live_server}/admin/campaigns/{campaigns[data]}/dashboard")
        page.wait_for_load_state("load")
        found = page.evaluate(MEASURE)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{data}-{device}.png"), full_page=True)

        assert found["scrollWidth"] <= found["clientWidth"], (data, device, found["scrollWidth"])
        assert found["bodyScroll"] <= width
        # activity over time, by tier, by region, most active partners
        assert len(found["figures"]) == 4, found["figures"]
        for shown in found["figures"]:
            assert len(shown) == 1, "exactly one drawing of each chart is shown"
            chart = shown[0]
            left, right = chart["figure"]
            assert left - 1 <= chart["svg"][0] and chart["svg"][1] <= right + 1
            assert 0 <= chart["svg"][0] and chart["svg"][1] <= width
            assert chart["labels"], "the chart has axis labels"
            for size in chart["labels"]:
                assert 9 <= size <= 20, (data, device, size)
            for label_height in chart["heights"]:
                assert label_height <= 30, (data, device, label_height)
        assert problems == [], problems  # no blocked inline script, nothing broken

        if data == "forty-regions":
            # the top ten regions in the chart and its table, and a page with all of them
            assert page.locator("#by-region table tbody tr").count() == 10
            page.get_by_role("link", name=re.compile(r"^All 4\d regions$")).click()
            page.wait_for_url(lambda url: url.endswith("/dashboard/regions"))
            page.wait_for_load_state("load")
            assert page.locator("table tbody tr").count() >= 40
            listed = page.evaluate(MEASURE)
            assert listed["scrollWidth"] <= listed["clientWidth"]
            [[drawn]] = listed["figures"]  # one chart, of them all
            assert drawn["figure"][1] <= width and all(9 <= s <= 20 for s in drawn["labels"])
            page.screenshot(
                path=str(ARTIFACTS / f"dashboard-all-regions-{device}.png"), full_page=True
            )
        context.close()
