"""Which partners a campaign targets: rules on tier, type, geography, skills and status.

Rules are AND-ed; the values of one list are OR-ed ("Gold or Platinum, in DE or AT").
Partners listed in ``include_partner_ids`` are always targeted, those in
``exclude_partner_ids`` never (exclusion wins).

    {"tiers": ["Gold"], "min_tier": "Silver", "types": ["reseller"], "countries": ["DE"],
     "regions": ["Bavaria"], "specialties": ["Solar"], "certifications": ["HV-Pro"],
     "statuses": ["active"]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    func,
    or_,
    select,
)

from app import validation as v
from app.db import session
from directory.models import Partner, PartnerStatus, PartnerType, Tier

LIST_RULES = ("tiers", "types", "countries", "regions", "specialties", "certifications", "statuses")
RULES = (*LIST_RULES, "min_tier")
DEFAULT_STATUSES = [PartnerStatus.ACTIVE.value]
# partner columns holding JSON lists, matched element-wise
JSON_LIST_RULES = ("countries", "regions", "specialties", "certifications")
PREVIEW_SIZE = 20


def _tier_names(value) -> list[str]:
    names = v.word_list(value, max_items=50)
    return [_tier_name(name) for name in names]


def _tier_name(value) -> str:
    """The tier's name as configured, found case-insensitively."""
    name = v.text(value, max_length=60, label="The tier")
    tier = session.execute(
        select(Tier).where(func.lower(Tier.name) == name.lower())
    ).scalar_one_or_none()
    if tier is None:
        known = ", ".join(session.execute(select(Tier.name).order_by(Tier.rank)).scalars())
        raise v.Invalid(f"'{name}' is not a tier (tiers: {known or 'none defined'}).")
    return tier.name


def _min_tier(value) -> str | None:
    if value is None or not str(value).strip():
        return None
    return _tier_name(value)


def _choices(value, options: Iterable[str], what: str) -> list[str]:
    options = list(options)
    result = []
    for item in v.word_list(value, max_items=len(options)):
        word = item.lower()
        if word not in options:
            raise v.Invalid(f"'{item}' is not a partner {what} (use {', '.join(options)}).")
        result.append(word)
    return result


CLEANERS = {
    "tiers": _tier_names,
    "min_tier": _min_tier,
    "types": partial(_choices, options=[t.value for t in PartnerType], what="type"),
    "countries": v.country_list,
    "regions": partial(v.word_list, max_items=100),
    "specialties": partial(v.word_list, max_items=100),
    "certifications": partial(v.word_list, max_items=100),
    "statuses": partial(_choices, options=[s.value for s in PartnerStatus], what="status"),
}


def validate_rules(data: Mapping | None) -> dict:
    """Clean targeting rules (lists may also be comma-separated text); ValidationFailed on errors.

    The result always holds every rule: empty lists for rules that do not restrict, statuses
    defaulting to active partners only.
    """
    data = dict(data or {})
    unknown = sorted(set(data) - set(RULES))
    if unknown:
        raise v.ValidationFailed(
            {
                name: f"'{name}' is not a targeting rule (rules: {', '.join(RULES)})."
                for name in unknown
            }
        )
    clean = v.collect(CLEANERS, data)
    rules: dict = {name: clean.get(name) or [] for name in LIST_RULES}
    rules["min_tier"] = clean.get("min_tier")
    if not rules["statuses"]:
        rules["statuses"] = list(DEFAULT_STATUSES)
    return rules


def clean_partner_ids(value, *, label: str = "The partner list") -> list[int]:
    """Partner ids from a list or comma-separated text; each must name an existing partner."""
    items = value if isinstance(value, (list, tuple, set)) else str(value or "").split(",")
    ids: list[int] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            number = int(text)
        except ValueError as exc:
            raise v.Invalid(f"{label}: '{text}' is not a partner id.") from exc
        if not v.is_row_id(number):
            raise v.Invalid(f"{label}: no partner with id {text}.")
        if number not in ids:
            ids.append(number)
    if len(ids) > 10_000:
        raise v.Invalid(f"{label} may name at most 10000 partners.")
    if ids:
        found = set(session.execute(select(Partner.id).where(Partner.id.in_(ids))).scalars())
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise v.Invalid(f"{label}: no partner with id {', '.join(missing[:10])}.")
    return ids


def _json_list_contains_any(column, values: list[str]) -> ColumnElement[bool]:
    """COLUMN (a JSON list) holds one of VALUES, case-insensitively, on SQLite and PostgreSQL.

    JSON lists are stored as text on both databases, serialized by json.dumps; a quoted,
    JSON-encoded value is an exact element.
    """
    text = func.lower(cast(column, String))
    return or_(
        *(
            text.like(f"%{_like_escape(json.dumps(value).lower())}%", escape="\\")
            for value in values
        )
    )


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def rule_conditions(rules: Mapping) -> list[ColumnElement[bool]]:
    """One SQL condition per rule that restricts (empty lists match every partner)."""
    conditions: list[ColumnElement[bool]] = []
    if rules.get("tiers"):
        names = [name.lower() for name in rules["tiers"]]
        conditions.append(
            Partner.tier_id.in_(select(Tier.id).where(func.lower(Tier.name).in_(names)))
        )
    if rules.get("min_tier"):
        floor = (
            select(Tier.rank)
            .where(func.lower(Tier.name) == rules["min_tier"].lower())
            .scalar_subquery()
        )
        conditions.append(Partner.tier_id.in_(select(Tier.id).where(Tier.rank >= floor)))
    if rules.get("types"):
        conditions.append(Partner.type.in_(rules["types"]))
    for name in JSON_LIST_RULES:
        if rules.get(name):
            conditions.append(_json_list_contains_any(getattr(Partner, name), rules[name]))
    statuses = rules.get("statuses") or DEFAULT_STATUSES
    conditions.append(Partner.status.in_(statuses))
    return conditions


def rules_query(
    rules: Mapping | None,
    include: Iterable[int] = (),
    exclude: Iterable[int] = (),
) -> Select[tuple[Partner]]:
    """The partners that RULES (already validated) match, plus INCLUDE, minus EXCLUDE."""
    include, exclude = list(include or ()), list(exclude or ())
    matched = and_(*rule_conditions(rules or {}))
    query = select(Partner).where(or_(matched, Partner.id.in_(include)) if include else matched)
    if exclude:
        query = query.where(Partner.id.not_in(exclude))
    return query.order_by(Partner.name, Partner.id)


def matching_query(campaign) -> Select[tuple[Partner]]:
    """The partners CAMPAIGN targets now (by its rules, include and exclude lists)."""
    return rules_query(
        campaign.targeting, campaign.include_partner_ids or (), campaign.exclude_partner_ids or ()
    )


def matching_ids(campaign, *, only: Iterable[int] | None = None) -> list[int]:
    """The ids of the partners CAMPAIGN targets now (among ONLY, when given)."""
    query = matching_query(campaign).with_only_columns(Partner.id).order_by(Partner.id)
    if only is not None:
        only = list(only)
        query = query.where(Partner.id.in_(only) if only else false())
    return list(session.execute(query).scalars())


def preview(
    rules: Mapping | None,
    include: Iterable[int] = (),
    exclude: Iterable[int] = (),
    *,
    limit: int = PREVIEW_SIZE,
) -> tuple[int, list[Partner]]:
    """How many partners RULES (validated: ``validate_rules``) match, and the first LIMIT of
    them by name."""
    query = rules_query(rules, include, exclude)
    count = session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    first = list(session.execute(query.limit(limit)).scalars())
    return count, first


def preview_summary(
    rules: Mapping | None, include: Iterable[int] = (), exclude: Iterable[int] = ()
) -> dict:
    """What a targeting preview answers (the admin form as you type, the API): the count and
    the first partners, for RULES already validated."""
    count, first = preview(rules, include, exclude)
    return {
        "count": count,
        "partners": [
            {
                "id": p.id,
                "name": p.name,
                "tier": p.tier.name if p.tier else None,
                "countries": list(p.countries or []),
            }
            for p in first
        ],
    }


@dataclass(frozen=True)
class PreviewChoice:
    """A partner to preview an asset as, and whether the campaign targets it."""

    partner: Partner
    targeted: bool


def preview_choices(campaign, query: str = "", limit: int = PREVIEW_SIZE) -> list[PreviewChoice]:
    """The partners to offer for "preview as partner": those CAMPAIGN targets now first, then
    the others (each by name), whose name holds QUERY (any case), at most LIMIT of them."""
    try:
        rules = validate_rules(campaign.targeting)
    except v.ValidationFailed:  # e.g. a tier named in the rules was removed since
        targeted_ids = select(Partner.id).where(false())
    else:
        targeted_ids = (
            rules_query(
                rules, campaign.include_partner_ids or (), campaign.exclude_partner_ids or ()
            )
            .with_only_columns(Partner.id)
            .order_by(None)
        )
    targeted = Partner.id.in_(targeted_ids)
    query_select = select(Partner, case((targeted, 1), else_=0).label("targeted"))
    words = str(query or "").strip().lower()[:200]
    if words:
        query_select = query_select.where(
            func.lower(Partner.name).like(f"%{_like_escape(words)}%", escape="\\")
        )
    rows = session.execute(
        query_select.order_by(case((targeted, 0), else_=1), Partner.name, Partner.id).limit(limit)
    )
    return [PreviewChoice(partner, bool(is_targeted)) for partner, is_targeted in rows]
