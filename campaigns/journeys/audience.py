"""Who a journey addresses: partners by the campaigns' targeting rules, or prospects."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, false, select

from app.db import session
from campaigns import targeting
from campaigns.journeys import definition as d
from campaigns.journeys.models import Prospect
from directory.models import Partner


def partner_query(definition: dict) -> Select:
    """The ids of the partners the journey's audience matches now."""
    audience = definition.get("audience") or {}
    return (
        targeting.rules_query(
            audience.get("rules") or {},
            audience.get("include_partner_ids") or (),
            audience.get("exclude_partner_ids") or (),
        )
        .with_only_columns(Partner.id)
        .order_by(Partner.id)
    )


def prospect_query(definition: dict) -> Select:
    audience = definition.get("audience") or {}
    query = select(Prospect.id).order_by(Prospect.id)
    if audience.get("statuses"):
        query = query.where(Prospect.status.in_(audience["statuses"]))
    return query


def matching_partner_ids(definition: dict, only: Iterable[int] | None = None) -> set[int]:
    """The partners (among ONLY, when given) the audience matches now: one query."""
    query = partner_query(definition)
    if only is not None:
        only = list(only)
        query = query.where(Partner.id.in_(only) if only else false())
    return set(session.execute(query).scalars())


def matching_prospect_ids(definition: dict, only: Iterable[int] | None = None) -> set[int]:
    query = prospect_query(definition)
    if only is not None:
        only = list(only)
        query = query.where(Prospect.id.in_(only) if only else false())
    return set(session.execute(query).scalars())


def matches(definition: dict, *, partner_id: int | None, prospect_id: int | None) -> bool:
    if d.audience_kind(definition) == "prospects":
        return prospect_id is not None and bool(matching_prospect_ids(definition, [prospect_id]))
    return partner_id is not None and bool(matching_partner_ids(definition, [partner_id]))


def count(definition: dict) -> int:
    from sqlalchemy import func

    query = (
        prospect_query(definition)
        if d.audience_kind(definition) == "prospects"
        else partner_query(definition)
    )
    return session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
