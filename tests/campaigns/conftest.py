"""Fixtures for the campaign tests: a partner network, two published starters, and the
task dispatch recorded in-process (tests run the renders themselves, in order)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

import pytest

from app.db import session
from app.models import Role
from directory import people
from tests.factories.directory import PASSWORD, make_partner, make_tiers

# brochure-stamp: a pdf-stamp with one editable field (partner_name); social-square: an image
STARTERS = ("brochure-stamp", "social-square")


@dataclass
class SentTasks:
    """What the campaign domain sent to the broker, recorded instead of sent, by the name
    of the function in workers/campaigns.py that would run it."""

    calls: list[tuple[str, list, datetime | None]] = field(default_factory=list)

    def __call__(self, task: str, args: list, *, eta: datetime | None = None) -> None:
        self.calls.append((_CAMPAIGN_TASKS.get(task, task), args, eta))

    def of(self, task: str) -> list[tuple[list, datetime | None]]:
        return [(args, eta) for name, args, eta in self.calls if name == task]

    def render_ids(self) -> list[int]:
        return [i for args, _eta in self.of("render_chunk") for i in args[0]]

    def clear(self) -> None:
        self.calls.clear()

    def run_renders(self) -> dict[int, str]:
        """Run the render chunks sent so far, as a worker would, and forget them."""
        from campaigns.rendering import render_one

        ids = self.render_ids()
        self.calls = [call for call in self.calls if call[0] != "render_chunk"]
        return {render_id: render_one(render_id) for render_id in ids}


def _task_functions() -> dict[str, str]:
    from workers import campaigns as campaign_tasks

    return {
        task.name: attr
        for attr, task in vars(campaign_tasks).items()
        if hasattr(task, "apply_async")
    }


_CAMPAIGN_TASKS = _task_functions()


@pytest.fixture
def sent(app, monkeypatch) -> SentTasks:
    from app import jobs

    recorder = SentTasks()
    monkeypatch.setattr(jobs, "send", recorder)
    return recorder


@pytest.fixture
def versions(app):
    """Two starters imported and published: ``versions.stamp`` and ``versions.square``."""
    from brand_templates import load_starter
    from brand_templates.versions import import_template, publish

    made = {}
    for slug in STARTERS:
        version = import_template(session, load_starter(slug), slug=slug)
        publish(session, version)
        made[slug] = version
    session.commit()
    return SimpleNamespace(stamp=made["brochure-stamp"], square=made["social-square"])


@pytest.fixture
def network(app):
    """Five partners across tiers, types, countries and statuses, with users.

    alpha   Gold        reseller     DE     Bavaria        Solar, Storage  HV-Pro   active
    bravo   Silver      installer    AT     Tyrol          Storage                  active
    charlie Platinum    distributor  DE FR  Upper Bavaria  Wind            HV-Pro   active
    delta   Registered  reseller     FR                                            inactive
    echo    (none)      msp          US     Bavaria                                 prospect
    """
    make_tiers()
    partners = {
        "alpha": make_partner(
            "Alpha Solar",
            tier="Gold",
            regions="Bavaria",
            specialties="Solar, Storage",
            certifications="HV-Pro",
        ),
        "bravo": make_partner(
            "Bravo Energy",
            tier="Silver",
            type="installer",
            countries="AT",
            regions="Tyrol",
            specialties="Storage",
        ),
        "charlie": make_partner(
            "Charlie Power",
            tier="Platinum",
            type="distributor",
            countries="DE, FR",
            regions="Upper Bavaria",
            specialties="Wind",
            certifications="HV-Pro",
        ),
        "delta": make_partner("Delta Volt", tier="Registered", countries="FR", status="inactive"),
        "echo": make_partner(
            "Echo Grid", tier="", type="msp", countries="US", regions="Bavaria", status="prospect"
        ),
    }
    users = {}
    for key, partner in partners.items():
        users[key] = people.create_user(
            f"admin@{key}.example",
            PASSWORD,
            Role.PARTNER_ADMIN,
            partner_id=partner.id,
            name=f"{key} admin",
        )
    users["alpha_member"] = people.create_user(
        "member@alpha.example", PASSWORD, Role.PARTNER_MEMBER, partner_id=partners["alpha"].id
    )
    users["alpha_gone"] = people.create_user(
        "gone@alpha.example", PASSWORD, Role.PARTNER_MEMBER, partner_id=partners["alpha"].id
    )
    users["alpha_gone"].active = False
    users["marketer"] = people.create_user("marketer@vendor.example", PASSWORD, Role.MARKETER)
    session.commit()
    return SimpleNamespace(**partners, users=users, ids={key: p.id for key, p in partners.items()})


@pytest.fixture
def make_campaign(versions, network):
    """A draft campaign with the two starters as assets (unless told otherwise)."""
    from campaigns import lifecycle
    from campaigns.assets import add_asset

    def _make(
        name: str = "Summer push",
        *,
        targeting: dict | None = None,
        assets: tuple[str, ...] = ("stamp", "square"),
        **extra,
    ):
        campaign = lifecycle.create_campaign(
            {"name": name, "targeting": targeting or {}, **extra}, network.users["marketer"]
        )
        for key in assets:
            add_asset(
                campaign,
                {"template_version_id": getattr(versions, key).id},
                network.users["marketer"],
            )
        session.commit()
        return campaign

    return _make


@pytest.fixture
def launched(network, make_campaign, sent):
    """A live campaign of the brochure for alpha and charlie (Gold and above), rendered."""
    from campaigns import lifecycle

    campaign = make_campaign(targeting={"min_tier": "Gold"}, assets=("stamp",))
    lifecycle.launch(campaign.id)
    assert set(sent.run_renders().values()) == {"done"}
    session.expire_all()
    return campaign


def row_of(asset, partner):
    """The AssetRender row of ASSET for PARTNER."""
    from sqlalchemy import select

    from campaigns.models import AssetRender

    return session.execute(
        select(AssetRender).where(
            AssetRender.asset_id == asset.id, AssetRender.partner_id == partner.id
        )
    ).scalar_one()
