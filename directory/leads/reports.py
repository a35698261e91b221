"""The vendor's view of leads: the filtered list, response times against the SLA, conversion
by partner and tier, leads and searches over time, and CSV exports."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from app import validation as v
from app.db import session, utcnow
from directory.leads import rules as lead_rules
from directory.leads.models import STATUS_LABELS, Lead, LeadEvent, LeadStatus, LocatorSearch
from directory.models import Partner, Tier

PER_PAGE = 50


@dataclass
class LeadFilters:
    q: str = ""
    status: str = ""
    partner_id: int | None = None
    tier: str = ""
    conflict: bool = False
    since: date | None = None
    until: date | None = None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, args) -> LeadFilters:
        f = cls(q=(args.get("q") or "").strip()[:100])
        status = (args.get("status") or "").strip()
        if status in {s.value for s in LeadStatus}:
            f.status = status
        partner = (args.get("partner") or "").strip()
        if partner.isdigit() and v.is_row_id(int(partner)):
            f.partner_id = int(partner)
        f.tier = (args.get("tier") or "").strip()[:60]
        f.conflict = (args.get("conflict") or "") in ("1", "yes", "on")
        for name in ("since", "until"):
            raw = (args.get(name) or "").strip()
            if raw:
                try:
                    setattr(f, name, date.fromisoformat(raw))
                except ValueError:
                    f.errors.append(f"'{raw[:20]}' is not a date (use YYYY-MM-DD).")
        return f

    def query(self) -> Select:
        query = select(Lead)
        if self.q:
            like = f"%{self.q.lower()}%"
            query = query.where(
                or_(
                    func.lower(Lead.name).like(like),
                    func.lower(Lead.email).like(like),
                    func.lower(Lead.postcode).like(like),
                )
            )
        if self.status:
            query = query.where(Lead.status == self.status)
        if self.partner_id:
            query = query.where(Lead.partner_id == self.partner_id)
        if self.tier:
            query = query.join(Partner, Partner.id == Lead.partner_id).join(
                Tier, Tier.id == Partner.tier_id
            )
            query = query.where(func.lower(Tier.name) == self.tier.lower())
        if self.conflict:
            query = query.where(Lead.conflict_open.is_(True))
        if self.since:
            query = query.where(
                Lead.created_at >= datetime.combine(self.since, datetime.min.time())
            )
        if self.until:
            end = datetime.combine(self.until, datetime.min.time()) + timedelta(days=1)
            query = query.where(Lead.created_at < end)
        return query


def page_of(filters: LeadFilters, page: int = 1, per_page: int = PER_PAGE):
    total = session.execute(
        select(func.count()).select_from(filters.query().subquery())
    ).scalar_one()
    leads = (
        session.execute(
            filters.query()
            .options(joinedload(Lead.partner))
            .order_by(Lead.created_at.desc(), Lead.id.desc())
            .limit(per_page)
            .offset((max(page, 1) - 1) * per_page)
        )
        .scalars()
        .all()
    )
    return leads, total


def all_of(filters: LeadFilters, limit: int = 100_000):
    return (
        session.execute(
            filters.query()
            .options(joinedload(Lead.partner))
            .order_by(Lead.created_at.desc(), Lead.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def counts_by_status() -> dict[str, int]:
    rows = session.execute(select(Lead.status, func.count()).group_by(Lead.status)).all()
    return {status: n for status, n in rows}


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def response_times(since: datetime | None = None) -> list[dict]:
    """Per partner: leads sent, answered in time, timed out, median hours to answer."""
    rules = lead_rules.current()
    since = since or utcnow() - timedelta(days=365)
    events = session.execute(
        select(LeadEvent.lead_id, LeadEvent.partner_id, LeadEvent.kind, LeadEvent.at)
        .where(LeadEvent.at >= since, LeadEvent.partner_id.is_not(None))
        .order_by(LeadEvent.lead_id, LeadEvent.at, LeadEvent.id)
    ).all()
    sent: dict[tuple[int, int], datetime] = {}
    per: dict[int, dict] = defaultdict(
        lambda: {"sent": 0, "accepted": 0, "declined": 0, "timed_out": 0, "hours": []}
    )
    for lead_id, partner_id, kind, at in events:
        row = per[partner_id]
        if kind == "sent":
            sent[(lead_id, partner_id)] = at
            row["sent"] += 1
        elif kind in ("accepted", "declined", "timed_out"):
            row[kind] += 1
            start = sent.get((lead_id, partner_id))
            if start is not None and kind != "timed_out":
                row["hours"].append((at - start).total_seconds() / 3600)
    names = dict(session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(per))).all())
    result = []
    for partner_id, row in per.items():
        answered = row["hours"]
        in_time = sum(1 for h in answered if h <= rules.sla_hours)
        result.append(
            {
                "partner_id": partner_id,
                "name": names.get(partner_id, "?"),
                "sent": row["sent"],
                "accepted": row["accepted"],
                "declined": row["declined"],
                "timed_out": row["timed_out"],
                "median_hours": round(_median(answered), 1) if answered else None,
                "in_time_percent": round(100 * in_time / row["sent"]) if row["sent"] else 0,
            }
        )
    result.sort(key=lambda r: (-r["sent"], r["name"]))
    return result


def conversion() -> tuple[list[dict], list[dict]]:
    """Leads, won, lost and win rate by partner and by tier (of the partner holding them)."""
    rows = session.execute(
        select(Partner.id, Partner.name, Tier.name, Lead.status, func.count())
        .join(Partner, Partner.id == Lead.partner_id)
        .outerjoin(Tier, Tier.id == Partner.tier_id)
        .group_by(Partner.id, Partner.name, Tier.name, Lead.status)
    ).all()
    by_partner: dict = defaultdict(lambda: {"leads": 0, "won": 0, "lost": 0})
    by_tier: dict = defaultdict(lambda: {"leads": 0, "won": 0, "lost": 0})
    for pid, name, tier, status, n in rows:
        for key, table in (((pid, name), by_partner), (tier or "No tier", by_tier)):
            table[key]["leads"] += n
            if status in ("won", "lost"):
                table[key][status] += n

    def rate(r):
        closed = r["won"] + r["lost"]
        return round(100 * r["won"] / closed) if closed else 0

    partners = [
        {"partner_id": pid, "name": name, **r, "win_rate": rate(r)}
        for (pid, name), r in by_partner.items()
    ]
    partners.sort(key=lambda r: (-r["leads"], r["name"]))
    tiers = [{"name": t, **r, "win_rate": rate(r)} for t, r in by_tier.items()]
    tiers.sort(key=lambda r: -r["leads"])
    return partners, tiers


def leads_over_time(days: int = 90, by: str = "status") -> dict[date, dict[str, int]]:
    since = utcnow() - timedelta(days=days)
    points: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    column = Lead.country_code if by == "country" else Lead.status
    for created, key in session.execute(
        select(Lead.created_at, column).where(Lead.created_at >= since)
    ).all():
        points[created.date()][key or "?"] += 1
    return points


def leads_by_region(days: int = 365) -> list[dict]:
    since = utcnow() - timedelta(days=days)
    rows = session.execute(
        select(Lead.country_code, Lead.region, func.count())
        .where(Lead.created_at >= since)
        .group_by(Lead.country_code, Lead.region)
        .order_by(func.count().desc())
    ).all()
    return [
        {"name": " – ".join(p for p in (cc or "?", region) if p), "leads": n}
        for cc, region, n in rows
    ]


def log_search(query: str, lat, lon, radius_km, results: int) -> None:
    """Keep one search of the where-to-buy page (the caller commits)."""
    session.add(
        LocatorSearch(
            query=(query or "")[:200],
            latitude=lat,
            longitude=lon,
            radius_km=radius_km,
            results=int(results),
        )
    )


def searches_over_time(days: int = 90) -> dict[date, dict[str, int]]:
    since = utcnow() - timedelta(days=days)
    points: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for at, results in session.execute(
        select(LocatorSearch.at, LocatorSearch.results).where(LocatorSearch.at >= since)
    ).all():
        points[at.date()]["found" if results else "empty"] += 1
    return points


def top_queries(limit: int = 20) -> list[dict]:
    rows = session.execute(
        select(
            func.lower(LocatorSearch.query),
            func.count(),
            func.sum(func.coalesce(LocatorSearch.results, 0)),
        )
        .where(LocatorSearch.query != "")
        .group_by(func.lower(LocatorSearch.query))
        .order_by(func.count().desc())
        .limit(limit)
    ).all()
    return [{"name": q, "searches": n, "results": int(r or 0)} for q, n, r in rows]


CSV_COLUMNS = [
    "id",
    "created_at",
    "status",
    "partner",
    "routing",
    "name",
    "email",
    "phone",
    "postcode",
    "place",
    "country_code",
    "product_interest",
    "message",
    "consent_text",
    "distance_km",
    "accepted_at",
    "closed_at",
    "lost_reason",
    "deal_value",
    "conflict_reason",
    "explanation",
]


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # a spreadsheet must not run what a customer typed as a formula
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def leads_csv(leads) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for lead in leads:
        row = []
        for column in CSV_COLUMNS:
            if column == "partner":
                value = lead.partner.name if lead.partner else ""
            elif column == "status":
                value = STATUS_LABELS.get(LeadStatus(lead.status), lead.status)
            else:
                value = getattr(lead, column)
                if isinstance(value, datetime):
                    value = value.isoformat(timespec="seconds")
            row.append(_cell(value))
        writer.writerow(row)
    return out.getvalue()


def rows_csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()
