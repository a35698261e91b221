"""Engagement: what partner users do with campaigns, and the dashboard built from it."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.db import session, utcnow
from campaigns.models import Campaign, CampaignPartner, EngagementEvent, EventKind
from directory import activity
from directory.models import Partner, Tier

KINDS = tuple(k.value for k in EventKind)
MAX_DETAIL_KEYS = 10
MAX_DETAIL_TEXT = 200
NO_TIER = "(no tier)"
NO_REGION = "(no region)"
TOP_PARTNERS = 10
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _small(detail: dict[str, Any]) -> dict[str, Any]:
    """DETAIL cut to a few short, JSON-ready values: events are many, so rows stay small."""
    out: dict[str, Any] = {}
    for key, value in list(detail.items())[:MAX_DETAIL_KEYS]:
        if not isinstance(value, (bool, int, float)) and value is not None:
            value = str(value)[:MAX_DETAIL_TEXT]
        out[str(key)[:40]] = value
    return out


def record(
    kind: str,
    partner_id: int,
    user_id: int | None,
    campaign_id: int,
    asset_id: int | None = None,
    **detail: Any,
) -> None:
    """Add one event to the current unit of work (the caller commits): one INSERT, no query.

    ``detail`` is small context such as ``format="pdf"``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown engagement event {kind!r} (kinds: {', '.join(KINDS)})")
    session.add(
        EngagementEvent(
            kind=kind,
            partner_id=partner_id,
            user_id=user_id,
            campaign_id=campaign_id,
            asset_id=asset_id,
            created_at=utcnow(),
            detail=_small(detail),
        )
    )
    activity.record(partner_id, activity.ENGAGEMENT[kind], ref=("campaign", campaign_id))


def record_by(user, kind: str, campaign_id: int, asset_id: int | None = None, **detail) -> None:
    """Add one event by partner USER (of its partner), as ``record`` does; the caller commits."""
    record(kind, user.partner_id, user.id, campaign_id, asset_id, **detail)


def _day(value) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value)[:10]


def _targeted(campaign_id: int) -> list[tuple[int, str, str, int, list[str]]]:
    """(partner id, name, tier name, tier rank, regions) of every targeted partner."""
    rows = session.execute(
        select(Partner.id, Partner.name, Tier.name, Tier.rank, Partner.regions)
        .join(CampaignPartner, CampaignPartner.partner_id == Partner.id)
        .outerjoin(Tier, Tier.id == Partner.tier_id)
        .where(CampaignPartner.campaign_id == campaign_id, CampaignPartner.left_at.is_(None))
        .order_by(Partner.name, Partner.id)
    )
    return [
        (pid, name, tier or NO_TIER, rank or 0, list(regions or []))
        for pid, name, tier, rank, regions in rows
    ]


def _counts_by_partner(campaign_id: int) -> dict[int, Counter]:
    """{partner id: Counter(kind: number of events)}."""
    counts: dict[int, Counter] = defaultdict(Counter)
    rows = session.execute(
        select(EngagementEvent.partner_id, EngagementEvent.kind, func.count())
        .where(EngagementEvent.campaign_id == campaign_id)
        .group_by(EngagementEvent.partner_id, EngagementEvent.kind)
    )
    for partner_id, kind, number in rows:
        counts[partner_id][kind] = number
    return counts


def _per_day(campaign_id: int, campaign: Campaign | None) -> list[dict[str, Any]]:
    day = func.date(EngagementEvent.created_at)
    rows = session.execute(
        select(day, EngagementEvent.kind, func.count())
        .where(EngagementEvent.campaign_id == campaign_id)
        .group_by(day, EngagementEvent.kind)
    )
    by_day: dict[str, Counter] = defaultdict(Counter)
    for value, kind, number in rows:
        by_day[_day(value)][kind] += number
    if not by_day:
        return []
    # every day from the launch (or the first event) to the last, so a chart has no gaps
    first = min(by_day)
    if campaign is not None and campaign.launched_at is not None:
        first = min(first, campaign.launched_at.date().isoformat())
    start, end = date.fromisoformat(first), date.fromisoformat(max(by_day))
    days = [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    return [{"date": d, **{kind: by_day[d][kind] for kind in KINDS}} for d in days]


def _group_rows(groups: dict[str, list[int]], counts: dict[int, Counter]) -> list[dict[str, Any]]:
    rows = []
    for name, partner_ids in groups.items():
        row: dict[str, Any] = {"name": name, "targeted": len(partner_ids)}
        for kind in KINDS:
            row[kind] = sum(1 for pid in partner_ids if counts.get(pid, {}).get(kind))
        rows.append(row)
    return rows


def dashboard(campaign_id: int, top_partners: int | None = TOP_PARTNERS) -> dict[str, Any]:
    """What the campaign's dashboard shows, from three queries.

    ``partners``: targeted, and how many distinct partners viewed / previewed / customized /
    downloaded; ``events``: totals per kind; ``by_tier`` and ``by_region``: the same per
    group (a partner in several regions counts in each); ``per_day``: events per kind and
    day, gap-free, for a chart; ``top_partners``: the TOP_PARTNERS most active partners
    (None: every partner with activity), most active first; ``active_partners``: how many
    partners did anything.
    """
    campaign = session.get(Campaign, campaign_id)
    targeted = _targeted(campaign_id)
    counts = _counts_by_partner(campaign_id)
    targeted_ids = [row[0] for row in targeted]

    tiers: dict[str, list[int]] = {}  # best tier first
    regions: dict[str, list[int]] = defaultdict(list)
    for pid, _name, tier, _rank, partner_regions in sorted(targeted, key=lambda r: -r[3]):
        tiers.setdefault(tier, []).append(pid)
        for region in partner_regions or [NO_REGION]:
            regions[region].append(pid)

    names = {pid: name for pid, name, *_ in targeted}
    activity = []
    for pid, kinds in counts.items():
        total = sum(kinds.values())
        activity.append(
            {
                "partner_id": pid,
                "name": names.get(pid, ""),
                "total": total,
                **{kind: kinds.get(kind, 0) for kind in KINDS},
            }
        )
    activity.sort(key=lambda row: (-row["total"], row["name"], row["partner_id"]))

    events_total = Counter()
    for kinds in counts.values():
        events_total.update(kinds)
    return {
        "partners": {
            "targeted": len(targeted_ids),
            **{kind: sum(1 for kinds in counts.values() if kinds.get(kind)) for kind in KINDS},
        },
        "events": {kind: events_total.get(kind, 0) for kind in KINDS},
        "by_tier": _group_rows(tiers, counts),
        "by_region": sorted(
            _group_rows(dict(regions), counts), key=lambda row: (-row["targeted"], row["name"])
        ),
        "per_day": _per_day(campaign_id, campaign),
        "top_partners": activity[:top_partners] if top_partners is not None else activity,
        "active_partners": len(activity),
    }


def _cell(value) -> str:
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    elif isinstance(value, datetime):
        value = value.strftime("%Y-%m-%d %H:%M")
    value = "" if value is None else str(value)
    # keep spreadsheets from running a cell as a formula
    return "'" + value if value.startswith(FORMULA_START) else value


CSV_COLUMNS = [
    "partner",
    "slug",
    "tier",
    "countries",
    "regions",
    "targeted_at",
    "source",
    "left_at",
    *KINDS,
    "first_activity",
    "last_activity",
]


def export_csv(campaign_id: int) -> str:
    """One row per partner the campaign targeted: who it is, when it joined (and left, if it
    stopped matching), what it did and when."""
    span = {
        pid: (first, last)
        for pid, first, last in session.execute(
            select(
                EngagementEvent.partner_id,
                func.min(EngagementEvent.created_at),
                func.max(EngagementEvent.created_at),
            )
            .where(EngagementEvent.campaign_id == campaign_id)
            .group_by(EngagementEvent.partner_id)
        )
    }
    counts = _counts_by_partner(campaign_id)
    rows = session.execute(
        select(
            Partner,
            Tier.name,
            CampaignPartner.added_at,
            CampaignPartner.source,
            CampaignPartner.left_at,
        )
        .join(CampaignPartner, CampaignPartner.partner_id == Partner.id)
        .outerjoin(Tier, Tier.id == Partner.tier_id)
        .where(CampaignPartner.campaign_id == campaign_id)
        .order_by(Partner.name, Partner.id)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for partner, tier, added_at, source, left_at in rows:
        first, last = span.get(partner.id, (None, None))
        kinds = counts.get(partner.id, Counter())
        writer.writerow(
            [
                _cell(x)
                for x in [
                    partner.name,
                    partner.slug,
                    tier or "",
                    partner.countries,
                    partner.regions,
                    added_at,
                    source,
                    left_at,
                    *(kinds.get(kind, 0) for kind in KINDS),
                    first,
                    last,
                ]
            ]
        )
    return out.getvalue()
