"""The metrics a scorecard can weigh, and their values for every partner as SQL aggregates.

Three sources, one grouped query each over all partners at once (never a query per
partner): the activity record (``directory.activity``), the imported metrics, and the
partner's profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, exists, func, select, text

from app.db import session
from directory import activity
from directory.activity_models import ImportedMetric, PartnerActivity
from directory.models import BrandKit, Location, Partner


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    source: str  # activity | imported | profile | derived
    unit: str = ""
    lower_is_better: bool = False
    money: bool = False


IMPORTED = {
    "revenue": "Sales revenue",
    "pipeline": "Pipeline",
    "employees": "Employees",
    "market_reach": "Market reach",
    "customer_satisfaction": "Customer satisfaction",
}
# how the periods of an imported metric inside a scorecard's window add up
IMPORTED_AGGREGATE = {
    "revenue": func.sum,
    "pipeline": func.sum,
    "employees": func.max,
    "market_reach": func.max,
    "customer_satisfaction": func.avg,
}

METRICS: dict[str, Metric] = {
    m.key: m
    for m in [
        Metric("assets_viewed", "Assets viewed", "activity"),
        Metric("assets_customized", "Assets customized", "activity"),
        Metric("assets_downloaded", "Assets downloaded", "activity"),
        Metric("campaigns_used", "Campaigns used", "activity"),
        Metric("portal_logins", "Portal sign-ins", "activity"),
        Metric("leads_received", "Leads received", "activity"),
        Metric("leads_accepted", "Leads accepted", "activity"),
        Metric("lead_response_hours", "Median lead response time", "activity", "h", True),
        Metric("leads_won", "Leads won", "activity"),
        Metric("win_rate", "Win rate", "derived", "%"),
        Metric("journey_goals", "Journey goals reached", "activity"),
        Metric("days_to_goal", "Days to reach a journey goal", "activity", "days", True),
        Metric("certifications", "Certifications held", "profile"),
        Metric("profile_completeness", "Profile completeness", "profile", "%"),
        Metric("partnership_days", "Partnership age", "profile", "days"),
        Metric("revenue", "Sales revenue", "imported", money=True),
        Metric("pipeline", "Pipeline", "imported", money=True),
        Metric("employees", "Employees", "imported"),
        Metric("market_reach", "Market reach", "imported"),
        Metric("customer_satisfaction", "Customer satisfaction", "imported"),
    ]
}


def _count(kind: str):
    return func.sum(case((PartnerActivity.kind == kind, 1), else_=0))


def _average(kind: str):
    return func.avg(case((PartnerActivity.kind == kind, PartnerActivity.value), else_=None))


# the kind each activity column reads: the grouped query reads only those rows
KIND_OF = {
    "assets_viewed": activity.ASSET_VIEWED,
    "assets_customized": activity.ASSET_CUSTOMIZED,
    "assets_downloaded": activity.ASSET_DOWNLOADED,
    "portal_logins": activity.PORTAL_LOGIN,
    "leads_received": activity.LEAD_RECEIVED,
    "leads_accepted": activity.LEAD_ACCEPTED,
    "leads_won": activity.LEAD_WON,
    "leads_lost": activity.LEAD_LOST,
    "journey_goals": activity.JOURNEY_GOAL_REACHED,
    "days_to_goal": activity.JOURNEY_GOAL_REACHED,
}
ACTIVITY_COLUMNS = {
    "assets_viewed": lambda: _count(activity.ASSET_VIEWED),
    "assets_customized": lambda: _count(activity.ASSET_CUSTOMIZED),
    "assets_downloaded": lambda: _count(activity.ASSET_DOWNLOADED),
    "portal_logins": lambda: _count(activity.PORTAL_LOGIN),
    "leads_received": lambda: _count(activity.LEAD_RECEIVED),
    "leads_accepted": lambda: _count(activity.LEAD_ACCEPTED),
    "leads_won": lambda: _count(activity.LEAD_WON),
    "leads_lost": lambda: _count(activity.LEAD_LOST),
    "journey_goals": lambda: _count(activity.JOURNEY_GOAL_REACHED),
    "days_to_goal": lambda: _average(activity.JOURNEY_GOAL_REACHED),
}
# metrics that are the median of a kind's values (the response time: one slow lead should not
# outweigh many quick ones, as it would in an average)
MEDIANS = {"lead_response_hours": activity.LEAD_ACCEPTED}
# metrics that count the distinct things (refs) some kinds were about
DISTINCT_REFS = {
    "campaigns_used": ((activity.ASSET_CUSTOMIZED, activity.ASSET_DOWNLOADED), "campaign"),
}
# what a derived metric needs, and how it is made from those
DERIVED = {
    "win_rate": (
        ("leads_won", "leads_lost"),
        lambda won, lost: 100.0 * won / (won + lost) if (won or 0) + (lost or 0) else None,
    )
}


def _needed(keys: list[str]) -> set[str]:
    wanted = set(keys)
    for key in keys:
        if key in DERIVED:
            wanted.update(DERIVED[key][0])
    return wanted


def _activity_values(keys: set[str], start: datetime, end: datetime, partner_ids=None):
    names = sorted(k for k in keys if k in ACTIVITY_COLUMNS)
    if not names:
        return {}
    query = (
        select(PartnerActivity.partner_id, *(ACTIVITY_COLUMNS[n]().label(n) for n in names))
        .where(
            PartnerActivity.kind.in_(sorted({KIND_OF[n] for n in names})),
            PartnerActivity.occurred_at >= start,
            PartnerActivity.occurred_at < end,
        )
        .group_by(PartnerActivity.partner_id)
    )
    if partner_ids is not None:
        query = query.where(PartnerActivity.partner_id.in_(partner_ids))
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in session.execute(query)}


def _distinct_ref_values(keys: set[str], start: datetime, end: datetime, partner_ids=None):
    """One query per such metric: DISTINCT (partner, ref) first, then a count per partner,
    which PostgreSQL hashes (a COUNT(DISTINCT) inside the grouped query would sort)."""
    out: dict[int, dict] = {}
    for name in sorted(k for k in keys if k in DISTINCT_REFS):
        kinds, ref_type = DISTINCT_REFS[name]
        pairs = (
            select(PartnerActivity.partner_id, PartnerActivity.ref_id)
            .where(
                PartnerActivity.kind.in_(kinds),
                PartnerActivity.ref_type == ref_type,
                PartnerActivity.occurred_at >= start,
                PartnerActivity.occurred_at < end,
            )
            .distinct()
        )
        if partner_ids is not None:
            pairs = pairs.where(PartnerActivity.partner_id.in_(partner_ids))
        pairs = pairs.subquery()
        query = select(pairs.c.partner_id, func.count()).group_by(pairs.c.partner_id)
        for pid, number in session.execute(query):
            out.setdefault(pid, {})[name] = number
    return out


def _median_values(keys: set[str], start: datetime, end: datetime, partner_ids=None):
    """One grouped query per such metric: PostgreSQL's percentile_cont; elsewhere (SQLite)
    the middle row or the two middle rows of each partner's ordered values, by window
    functions, averaged."""
    out: dict[int, dict] = {}
    for name in sorted(k for k in keys if k in MEDIANS):
        where = [
            PartnerActivity.kind == MEDIANS[name],
            PartnerActivity.occurred_at >= start,
            PartnerActivity.occurred_at < end,
        ]
        if partner_ids is not None:
            where.append(PartnerActivity.partner_id.in_(partner_ids))
        if session.get_bind().dialect.name == "postgresql":
            median = func.percentile_cont(0.5).within_group(PartnerActivity.value)
            query = select(PartnerActivity.partner_id, median).where(*where)
            query = query.group_by(PartnerActivity.partner_id)
        else:
            by_partner = {"partition_by": PartnerActivity.partner_id}
            ranked = select(
                PartnerActivity.partner_id,
                PartnerActivity.value,
                func.row_number().over(order_by=PartnerActivity.value, **by_partner).label("n"),
                func.count().over(**by_partner).label("of"),
            ).where(*where)
            ranked = ranked.subquery()
            # rows (of + 1) / 2 and (of + 2) / 2 in integer division: the middle one or two
            middle = ranked.c.n.in_([(ranked.c.of + 1) // 2, (ranked.c.of + 2) // 2])
            query = select(ranked.c.partner_id, func.avg(ranked.c.value)).where(middle)
            query = query.group_by(ranked.c.partner_id)
        for pid, median_value in session.execute(query):
            out.setdefault(pid, {})[name] = median_value
    return out


def _imported_values(keys: set[str], start: datetime, end: datetime, partner_ids=None):
    names = sorted(k for k in keys if k in IMPORTED)
    if not names:
        return {}
    columns = [
        IMPORTED_AGGREGATE[n](case((ImportedMetric.metric == n, ImportedMetric.value))).label(n)
        for n in names
    ]
    query = (
        select(ImportedMetric.partner_id, *columns)
        .where(
            ImportedMetric.metric.in_(names),
            ImportedMetric.period_start >= start.date(),
            ImportedMetric.period_start < end.date(),
        )
        .group_by(ImportedMetric.partner_id)
    )
    if partner_ids is not None:
        query = query.where(ImportedMetric.partner_id.in_(partner_ids))
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in session.execute(query)}


def _profile_values(keys: set[str], end: datetime, partner_ids):
    names = [k for k in keys if METRICS.get(k) and METRICS[k].source == "profile"]
    if not names:
        return {}
    has_logo = exists().where(BrandKit.partner_id == Partner.id, BrandKit.logo_key.is_not(None))
    geocoded = exists().where(Location.partner_id == Partner.id, Location.latitude.is_not(None))
    query = select(
        Partner.id,
        func.json_array_length(Partner.certifications),
        has_logo,
        geocoded,
        Partner.description != "",
        Partner.created_at,
    )
    if partner_ids is not None:
        query = query.where(Partner.id.in_(partner_ids))
    out = {}
    for pid, certs, logo, located, described, created in session.execute(query):
        out[pid] = {
            "certifications": certs or 0,
            "profile_completeness": round(
                100.0 * (bool(logo) + bool(located) + bool(described)) / 3, 1
            ),
            "partnership_days": max(0, (end - created).days) if created else 0,
        }
    return out


# the memory a grouped query of a run may hash in on PostgreSQL before it spills to disk (the
# default, 4 MB, spills the distinct campaigns of 10,000 partners): for this transaction only
SCORING_WORK_MEM = "64MB"


def tune_session() -> None:
    """Give the current transaction's grouped queries room to hash (PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{SCORING_WORK_MEM}'"))


def values(
    keys: list[str], start: datetime, end: datetime, partner_ids: list[int] | None = None
) -> dict[int, dict[str, float | None]]:
    """{partner id: {metric: value}} for KEYS over [START, END), for PARTNER_IDS (None: all
    partners with any data). A count without activity is 0, an average or a median without
    any is None;
    an imported figure counts when its period starts within the window."""
    wanted = _needed(keys)
    tune_session()
    # a few partners: filtered in SQL; many (a whole run): every partner's rows are grouped
    # anyway, and a long IN list would only slow the planner (and meet SQLite's limits)
    where = (
        partner_ids if partner_ids is not None and len(partner_ids) <= SQL_FILTER_UP_TO else None
    )
    merged: dict[int, dict[str, float | None]] = {}
    for part in (
        _activity_values(wanted, start, end, where),
        _distinct_ref_values(wanted, start, end, where),
        _median_values(wanted, start, end, where),
        _imported_values(wanted, start, end, where),
        _profile_values(wanted, end, where),
    ):
        for pid, row in part.items():
            merged.setdefault(pid, {}).update(row)
    pids = partner_ids if partner_ids is not None else list(merged)
    out = {}
    for pid in pids:
        row = merged.get(pid, {})
        for key, (needs, make) in DERIVED.items():
            if key in wanted:
                row[key] = make(*(float(row.get(n) or 0) for n in needs))
        out[pid] = {key: _plain(key, row.get(key)) for key in keys}
    return out


SQL_FILTER_UP_TO = 500
# averages and medians: without any activity there is no value (rather than 0, which would
# be perfect)
AVERAGES = {"lead_response_hours", "days_to_goal"}


def _plain(key: str, value) -> float | None:
    if value is None:
        counted = key in ACTIVITY_COLUMNS or key in DISTINCT_REFS
        return 0.0 if counted and key not in AVERAGES else None
    return float(value)
