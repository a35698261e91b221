"""Demo campaigns: what Tandem is for, on the first page view.

Built from the starter templates through the domain's own functions, as a marketer would:
a product launch for Gold-and-above partners (the flyer and a social image), a newsletter
email to every active partner, and an event invitation scheduled for next week. The two
live campaigns are rendered here, with the worker's own function (``render_one``), so that
thumbnails and downloads are there at once; a few partners (the demo partner users' own
among them) have customized their assets, and engagement events are spread over the weeks
since each launch, so that the dashboards have something to show.
"""

from __future__ import annotations

import logging
import multiprocessing
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.db import session, utcnow
from app.models import User
from brand_templates.models import BrandTemplate, BrandTemplateVersion
from campaigns import assets, customize, lifecycle
from campaigns.models import (
    AssetRender,
    Campaign,
    CampaignPartner,
    EngagementEvent,
    EventKind,
    RenderStatus,
)
from campaigns.rendering import expected_errors, render_one, thumbnail_for_partner
from directory import activity
from directory.activity_models import PartnerActivity
from directory.models import Partner

log = logging.getLogger(__name__)
RENDER_PROCESSES = 2


@dataclass(frozen=True)
class Plan:
    name: str
    description: str
    objective: str
    targeting: dict
    # (starter slug, asset title, vendor presets)
    assets: tuple[tuple[str, str, dict], ...]
    # days since launch (None: scheduled this many days ahead instead, see ``scheduled_in``)
    launched_days_ago: int | None
    runs_for_days: int
    scheduled_in_days: int | None = None
    # share of targeted partners that engage at all, and that customize / download
    active: float = 0.7
    customizing: float = 0.3
    downloading: float = 0.6


PLANS = (
    Plan(
        name="HomeVault 10 launch",
        description="Lumora's new home battery is here. Co-branded flyer and social post for "
        "our Gold and Platinum partners: add your offer and share them this month.",
        objective="product_launch",
        targeting={"min_tier": "Gold"},
        assets=(
            ("product-flyer", "HomeVault 10 flyer (A4)", {}),
            (
                "social-landscape",
                "Launch post for LinkedIn and Facebook",
                {"subline": "Now available from your local Lumora partner."},
            ),
        ),
        launched_days_ago=34,
        runs_for_days=90,
    ),
    Plan(
        name="Customer newsletter: {month}",
        description="This month's customer newsletter, ready to send from your own mailing "
        "tool: copy the HTML, or change the stories first.",
        objective="retention",
        targeting={"statuses": ["active"]},
        assets=(("monthly-newsletter", "{month} newsletter", {"issue_label": "{month} news"}),),
        launched_days_ago=19,
        runs_for_days=40,
        active=0.6,
        customizing=0.25,
        downloading=0.5,
    ),
    Plan(
        name="Home Battery Open Evenings",
        description="Invite your customers to an open evening in your showroom: an email "
        "invitation and a square post for Instagram.",
        objective="event",
        targeting={"min_tier": "Platinum"},
        assets=(
            ("event-invitation", "Invitation email", {}),
            ("social-square", "Instagram post", {"eyebrow": "Open evening"}),
        ),
        launched_days_ago=None,
        runs_for_days=30,
        scheduled_in_days=9,
    ),
)

# what a few partners changed (by starter slug): their own words over the vendor's
CUSTOMIZATIONS = {
    "product-flyer": [
        {"headline": "Power through every outage", "offer": "10% off installation in June"},
        {"offer": "Free battery health check with every install"},
        {"headline": "Your sunshine, stored for the evening", "cta_label": "Call us today"},
    ],
    "social-landscape": [
        {"headline": "HomeVault 10 is here", "cta": "Book a visit"},
        {"subline": "Installed by certified local experts."},
    ],
    "monthly-newsletter": [
        {"tip": "Check your inverter's display once a month: a red light means call us."},
        {"headline": "Long days, full batteries", "cta_label": "Book your check-up"},
    ],
}


@dataclass
class Loaded:
    live: int = 0
    scheduled: int = 0
    renders: int = 0
    failed: int = 0
    customizations: int = 0
    events: int = 0


def _versions() -> dict[str, BrandTemplateVersion]:
    """The latest published version of each starter, by slug."""
    rows = session.execute(
        select(BrandTemplate.slug, BrandTemplateVersion)
        .join(BrandTemplateVersion.template)
        .where(BrandTemplateVersion.published.is_(True))
        .order_by(BrandTemplateVersion.number)
    )
    return {slug: version for slug, version in rows}


def _create(plan: Plan, versions: dict[str, BrandTemplateVersion], author: User) -> Campaign:
    today = utcnow().date()
    start = today - timedelta(days=plan.launched_days_ago or 0)
    if plan.scheduled_in_days:
        start = today + timedelta(days=plan.scheduled_in_days)
    month = f"{start:%B}"
    campaign = lifecycle.create_campaign(
        {
            "name": plan.name.format(month=month),
            "description": plan.description,
            "objective": plan.objective,
            "targeting": plan.targeting,
            "starts_on": start,
            "ends_on": start + timedelta(days=plan.runs_for_days),
        },
        author,
    )
    for slug, title, presets in plan.assets:
        data = {
            "template_version_id": versions[slug].id,
            "title": title.format(month=month),
            "presets": {name: value.format(month=month) for name, value in presets.items()},
        }
        assets.add_asset(campaign, data, author)
    session.commit()
    return campaign


def _backdate(campaign: Campaign, launched: datetime) -> None:
    """The campaign as if it had been launched at LAUNCHED (the demo's history)."""
    campaign.launched_at = launched
    campaign.created_at = launched - timedelta(days=2)
    session.execute(
        update(CampaignPartner)
        .where(CampaignPartner.campaign_id == campaign.id)
        .values(added_at=launched, notified_at=launched)
        .execution_options(synchronize_session=False)
    )


def _targeted(campaign: Campaign) -> list[Partner]:
    return list(
        session.execute(
            select(Partner)
            .join(CampaignPartner, CampaignPartner.partner_id == Partner.id)
            .where(CampaignPartner.campaign_id == campaign.id, CampaignPartner.left_at.is_(None))
            .order_by(Partner.id)
        ).scalars()
    )


def _when(rng: random.Random, start: datetime, now: datetime, earliest: float = 0.0) -> datetime:
    """A working-hours moment between START and NOW, more often early (news gets read first),
    at least EARLIEST of the way through."""
    span = (now - start).total_seconds()
    share = earliest + (1 - earliest) * rng.betavariate(1.2, 2.8)
    moment = start + timedelta(seconds=span * share)
    moment = moment.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59))
    return min(moment, now - timedelta(minutes=5))


def _customize(
    campaign: Campaign,
    partners: list[Partner],
    demo_partner: Partner,
    demo_user: User,
    rng: random.Random,
    launched: datetime,
    now: datetime,
) -> int:
    """A few partners' own values (the demo partner's first), each with its event in the
    past; the number of customizations saved."""
    saved = 0
    others = [p for p in partners if p.id != demo_partner.id]
    for asset in campaign.assets:
        slug = asset.template_version.template.slug
        options = CUSTOMIZATIONS.get(slug, [])
        chosen = ([demo_partner] if demo_partner in partners else []) + rng.sample(
            others, min(len(others), len(options) - 1)
        )
        for partner, values in zip(chosen, options, strict=False):
            user = demo_user if partner.id == demo_partner.id else None
            customize.save_customization(asset, partner, values, user)
            saved += 1
    # the 'customize' events save_customization recorded just now, moved into the past
    recorded = session.execute(
        select(EngagementEvent).where(
            EngagementEvent.campaign_id == campaign.id,
            EngagementEvent.kind == EventKind.CUSTOMIZE.value,
        )
    ).scalars()
    for event in recorded:
        event.created_at = _when(rng, launched, now, earliest=0.1)
    session.commit()
    return saved


def _events(
    campaign: Campaign,
    partners: list[Partner],
    plan: Plan,
    users: dict[int, list[int]],
    rng: random.Random,
    launched: datetime,
    now: datetime,
) -> int:
    """What partner users did since the launch: views, previews, customizations (beyond
    the saved ones) and downloads, each partner in its own rhythm; the number of events."""
    formats = {"pdf": ["pdf", "pdf", "png"], "image": ["png", "png", "jpeg", "webp"]}
    rows = []
    for partner in partners:
        if rng.random() > plan.active and partner.id not in users:
            continue
        first = _when(rng, launched, now)
        # (kind, when, asset, detail)
        done: list[tuple[str, datetime, int | None, dict]] = [("view", first, None, {})]
        again = rng.choices([0, 1, 2, 3, 5], [3, 3, 2, 1, 1])[0]
        done += [("view", _when(rng, first, now), None, {}) for _ in range(again)]
        for asset in campaign.assets:
            kind = asset.template_version.template.kind
            previews = rng.choices([0, 1, 2, 3], [2, 4, 2, 1])[0]
            done += [("preview", _when(rng, first, now), asset.id, {}) for _ in range(previews)]
            if rng.random() < plan.customizing:
                done.append(("customize", _when(rng, first, now), asset.id, {}))
            if rng.random() < plan.downloading or partner.id in users:
                for _ in range(rng.choices([1, 2, 3], [5, 3, 1])[0]):
                    fmt = rng.choice(formats.get(kind, ["html"]))
                    when = _when(rng, first, now, earliest=0.05)
                    done.append(("download", when, asset.id, {"format": fmt}))
        who = users.get(partner.id) or [None]
        rows += [
            EngagementEvent(
                kind=kind,
                partner_id=partner.id,
                user_id=rng.choice(who),
                campaign_id=campaign.id,
                asset_id=asset_id,
                created_at=when,
                detail=detail,
            )
            for kind, when, asset_id, detail in done
        ]
    session.add_all(rows)
    # what the events record in the partner activity record, as events.record does
    session.add_all(
        PartnerActivity(
            partner_id=row.partner_id,
            kind=activity.ENGAGEMENT[row.kind],
            occurred_at=row.created_at,
            value=1.0,
            ref_type="campaign",
            ref_id=str(row.campaign_id),
        )
        for row in rows
    )
    session.commit()
    return len(rows)


def _render(campaign_ids: list[int]) -> tuple[int, int]:
    """Render every pending render of the campaigns now, as the workers would; (done,
    failed). The tasks the launches sent find these rows done and leave them alone.

    Two processes, like the worker ``tandem run`` starts: the renders are independent, and
    each claims its row as a worker does.
    """
    pending = list(
        session.execute(
            select(AssetRender.id)
            .where(
                AssetRender.campaign_id.in_(campaign_ids),
                AssetRender.status == RenderStatus.PENDING.value,
            )
            .order_by(AssetRender.id)
        ).scalars()
    )
    session.commit()
    context = multiprocessing.get_context("fork")
    with context.Pool(RENDER_PROCESSES, initializer=_fresh_connections) as pool:
        results = pool.map(render_one, pending, chunksize=2)
    return results.count(RenderStatus.DONE.value), results.count(RenderStatus.FAILED.value)


def _fresh_connections() -> None:
    # a forked process must not share the parent's database connections
    session.registry.clear()  # the parent's session object stays the parent's
    session.get_bind().dispose(close=False)


def load_campaigns(author: User, demo_partner: Partner, rng: random.Random) -> Loaded:
    """The demo campaigns (see the module's docstring); commits."""
    loaded = Loaded()
    versions = _versions()
    demo_users = list(
        session.execute(
            select(User.id).where(User.partner_id == demo_partner.id).order_by(User.id)
        ).scalars()
    )
    users = {demo_partner.id: demo_users}
    demo_user = session.get(User, demo_users[-1]) if demo_users else None
    now = utcnow()
    live = []
    for plan in PLANS:
        campaign = _create(plan, versions, author)
        if plan.scheduled_in_days:
            lifecycle.schedule(campaign.id, now + timedelta(days=plan.scheduled_in_days), author)
            loaded.scheduled += 1
            continue
        lifecycle.launch(campaign.id, author)
        campaign = session.get(Campaign, campaign.id)
        launched = (now - timedelta(days=plan.launched_days_ago or 0)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
        _backdate(campaign, launched)
        session.commit()
        partners = _targeted(campaign)
        loaded.customizations += _customize(
            campaign, partners, demo_partner, demo_user, rng, launched, now
        )
        loaded.events += _events(campaign, partners, plan, users, rng, launched, now)
        live.append(campaign.id)
        loaded.live += 1
    loaded.renders, loaded.failed = _render(live)
    # the demo partner's first look at its portal: an email's thumbnail is made when first
    # shown (the worker renders the email itself); made here, it is there at once
    for campaign_id in live:
        for asset in session.get(Campaign, campaign_id).assets:
            if asset.template_version.template.kind != "email":
                continue
            try:
                thumbnail_for_partner(asset, demo_partner)
            except expected_errors():  # made again when first shown
                log.exception("no thumbnail of demo asset %s", asset.id)
    session.commit()
    return loaded
