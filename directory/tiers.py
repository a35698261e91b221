"""The tier ladder: a configurable list of tiers ordered by rank (Registered < Silver < Gold…)."""

from __future__ import annotations

from functools import partial

from sqlalchemy import func, select

from app import audit
from app import validation as v
from app.db import session
from directory.models import Partner, Tier

CLEANERS = {
    "name": partial(v.text, max_length=60, required=True, label="The tier name"),
    "rank": partial(v.float_in, low=0, high=10_000, label="The rank"),
    "color": v.color,
}


def _clean(data, tier: Tier | None) -> dict:
    clean = v.collect(CLEANERS, data)
    if clean.get("rank") is None:
        if tier is None:
            raise v.ValidationFailed(
                {"rank": "The rank is required (a higher rank is a better tier)."}
            )
        clean.pop("rank", None)
    else:
        clean["rank"] = int(clean["rank"])
    errors = {}
    others = select(Tier).where(Tier.id != tier.id) if tier else select(Tier)
    for other in session.execute(others).scalars():
        if "name" in clean and other.name.lower() == clean["name"].lower():
            errors["name"] = f"There is already a tier called {other.name}."
        if "rank" in clean and other.rank == clean["rank"]:
            errors["rank"] = f"{other.name} already has rank {other.rank}."
    if errors:
        raise v.ValidationFailed(errors)
    return clean


def create_tier(data, actor) -> Tier:
    tier = Tier(**_clean(data, None))
    session.add(tier)
    session.flush()
    audit.record(actor, "tier.create", tier, changes={"name": [None, tier.name]})
    return tier


def update_tier(tier: Tier, data, actor) -> Tier:
    clean = _clean(data, tier)
    before = {k: getattr(tier, k) for k in clean}
    for key, value in clean.items():
        setattr(tier, key, value)
    audit.record(actor, "tier.update", tier, changes=audit.diff(before, clean))
    return tier


def delete_tier(tier: Tier, actor) -> None:
    members = session.execute(
        select(func.count(Partner.id)).where(Partner.tier_id == tier.id)
    ).scalar_one()
    if members:
        who = "1 partner is" if members == 1 else f"{members} partners are"
        raise v.ValidationFailed(
            {"tier": f"{who} in {tier.name}; move them to another tier first."}
        )
    audit.record(actor, "tier.delete", tier, changes={"name": [tier.name, None]})
    session.delete(tier)
