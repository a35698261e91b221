"""The facts the stepper reads about a batch of enrollments, from the database.

A batch's rows are answered with a few queries for all of them (``load_batch``: recipients,
audience, suppression, recent sends; ``Batch.known``: one query per simple condition asked);
the other conditions are asked row by row (``holds``, also used by the preview).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app import clock, runtime
from app.db import session
from app.models import Suppression, User
from campaigns.journeys import audience, messages
from campaigns.journeys import definition as d
from campaigns.journeys.models import Application, JourneySend, Prospect
from campaigns.models import EngagementEvent
from directory.models import BrandKit, Partner, PartnerStatusChange, Tier


@dataclass
class Batch:
    """What a batch's facts need, loaded with a few queries for all its rows."""

    now: datetime
    recipients: dict[tuple[str, int], messages.Recipient] = field(default_factory=dict)
    in_audience: dict[tuple[int, str, int], bool] = field(default_factory=dict)
    suppressed: set[str] = field(default_factory=set)
    sends: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    rows: list[Any] = field(default_factory=list)
    facts: dict[str, set] = field(default_factory=dict)
    # the emails of the batch: (outbox message, journey send), written at once at the end
    outgoing: list[tuple[dict, dict]] = field(default_factory=list)

    def known(self, condition: dict, since: datetime | None, row: Any) -> bool | None:
        """The answer to a simple condition for ROW from one query for the whole batch (made
        at the first question), or None for the conditions asked row by row."""
        fact = condition.get("fact")
        if since is not None or len(condition) > 2 or fact not in PREFETCHED:
            return None
        if len(condition) == 2 and set(condition) != {"fact", "step"}:
            return None
        if fact not in self.facts:
            self.facts[fact] = PREFETCHED[fact](self.rows)
        found = self.facts[fact]
        if fact in ("opened", "clicked"):
            step = condition.get("step")
            return (row.id, step) in found if step else (row.id, None) in found
        return row.partner_id in found if row.partner_id is not None else False


def partner_recipients(partner_ids: list[int]) -> dict[int, messages.Recipient]:
    if not partner_ids:
        return {}
    rows = session.execute(
        select(Partner.id, Partner.name, Partner.email, Partner.countries).where(
            Partner.id.in_(partner_ids)
        )
    ).all()
    out = {
        pid: messages.Recipient(
            email=(email or "").lower(),
            name=name,
            country=(countries or [""])[0] if countries else "",
            partner_id=pid,
        )
        for pid, name, email, countries in rows
    }
    # a partner without an address of its own: its first active user's
    missing = [pid for pid, r in out.items() if not r.email]
    if missing:
        for pid, email, name in session.execute(
            select(User.partner_id, User.email, User.name)
            .where(User.partner_id.in_(missing), User.active.is_(True))
            .order_by(User.id.desc())
        ).all():
            out[pid].email = email.lower()
            out[pid].contact_name = name
    return out


def prospect_recipients(prospect_ids: list[int]) -> dict[int, messages.Recipient]:
    if not prospect_ids:
        return {}
    rows = session.execute(
        select(
            Prospect.id,
            Prospect.company,
            Prospect.contact_name,
            Prospect.email,
            Prospect.country,
            Prospect.time_zone,
        ).where(Prospect.id.in_(prospect_ids))
    ).all()
    return {
        pid: messages.Recipient(
            email=(email or "").lower(),
            name=company,
            contact_name=contact,
            country=country,
            time_zone=tz,
            prospect_id=pid,
        )
        for pid, company, contact, email, country, tz in rows
    }


def _partners_with_logo(rows: list[Any]) -> set:
    ids = [r.partner_id for r in rows if r.partner_id is not None]
    return set(
        session.execute(
            select(BrandKit.partner_id).where(
                BrandKit.partner_id.in_(ids), BrandKit.logo_key.is_not(None)
            )
        ).scalars()
    )


def _engaged(kind: str):
    def query(rows: list[Any]) -> set:
        ids = [r.partner_id for r in rows if r.partner_id is not None]
        return set(
            session.execute(
                select(EngagementEvent.partner_id)
                .where(EngagementEvent.partner_id.in_(ids), EngagementEvent.kind == kind)
                .distinct()
            ).scalars()
        )

    return query


def _tracked(column):
    def query(rows: list[Any]) -> set:
        found: set = set()
        for enrollment_id, step_id in session.execute(
            select(JourneySend.enrollment_id, JourneySend.step_id).where(
                JourneySend.enrollment_id.in_([r.id for r in rows]), column.is_not(None)
            )
        ).all():
            found.add((enrollment_id, step_id))
            found.add((enrollment_id, None))
        return found

    return query


# the facts answered for a whole batch at once
PREFETCHED = {
    "has_logo": _partners_with_logo,
    "downloaded": _engaged("download"),
    "customized": _engaged("customize"),
    "opened": _tracked(JourneySend.opened_at),
    "clicked": _tracked(JourneySend.clicked_at),
}


def load_batch(rows: list[Any], definitions: dict[int, dict], now: datetime) -> Batch:
    batch = Batch(now=now, rows=list(rows))
    partner_ids = sorted({r.partner_id for r in rows if r.partner_id is not None})
    prospect_ids = sorted({r.prospect_id for r in rows if r.prospect_id is not None})
    for pid, recipient in partner_recipients(partner_ids).items():
        batch.recipients[("partner", pid)] = recipient
    for pid, recipient in prospect_recipients(prospect_ids).items():
        batch.recipients[("prospect", pid)] = recipient
    # the audience, once per version: one query for all the batch's subjects
    by_version: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_version[row.version_id].append(row)
    for version_id, members in by_version.items():
        definition = definitions[version_id]
        if (definition.get("exit") or {}).get("on_leave_audience", "exit") != "exit":
            continue
        if d.audience_kind(definition) == "prospects":
            found = audience.matching_prospect_ids(
                definition, [m.prospect_id for m in members if m.prospect_id]
            )
            for m in members:
                batch.in_audience[(version_id, "prospect", m.prospect_id or 0)] = (
                    m.prospect_id in found
                )
        else:
            found = audience.matching_partner_ids(
                definition, [m.partner_id for m in members if m.partner_id]
            )
            for m in members:
                batch.in_audience[(version_id, "partner", m.partner_id or 0)] = (
                    m.partner_id in found
                )
    addresses = sorted({r.email for r in batch.recipients.values() if r.email})
    if addresses:
        batch.suppressed = set(
            session.execute(
                select(Suppression.email).where(Suppression.email.in_(addresses))
            ).scalars()
        )
        days = max(runtime.settings().journey_cap_days, 1)
        for address, sent_at in session.execute(
            select(JourneySend.to_address, JourneySend.sent_at).where(
                JourneySend.to_address.in_(addresses),
                JourneySend.sent_at > now - timedelta(days=days),
                JourneySend.status == "queued",
            )
        ).all():
            batch.sends[address].append(sent_at)
    return batch


class DbFacts:
    """The stepper's facts about one enrollment's subject, from the database."""

    def __init__(self, row: Any, batch: Batch, recipient: messages.Recipient | None):
        self.row, self.batch, self.recipient = row, batch, recipient

    def in_audience(self) -> bool:
        kind = "partner" if self.row.partner_id is not None else "prospect"
        subject = self.row.partner_id or self.row.prospect_id or 0
        return self.batch.in_audience.get((self.row.version_id, kind, subject), True)

    def suppressed(self) -> bool:
        return (
            self.recipient is None
            or not self.recipient.email
            or (self.recipient.email in self.batch.suppressed)
        )

    def recent_sends(self, since: datetime) -> list[datetime]:
        if self.recipient is None:
            return []
        return [at for at in self.batch.sends.get(self.recipient.email, []) if at > since]

    def holds(self, condition: dict, since: datetime | None) -> bool:
        known = self.batch.known(condition, since, self.row)
        return holds(condition, self.row, since) if known is None else known


def holds(condition: dict, row: Any, since: datetime | None = None) -> bool:
    """Whether CONDITION holds for the enrollment ROW's subject (see the definition module)."""
    if not condition:
        return True
    if "all" in condition:
        return all(holds(c, row, since) for c in condition["all"])
    if "any" in condition:
        return any(holds(c, row, since) for c in condition["any"])
    if "not" in condition:
        return not holds(condition["not"], row, since)
    fact = condition.get("fact")
    partner_id, prospect_id = row.partner_id, row.prospect_id
    if fact in ("opened", "clicked"):
        column = JourneySend.opened_at if fact == "opened" else JourneySend.clicked_at
        query = select(JourneySend.id).where(
            JourneySend.enrollment_id == row.id, column.is_not(None)
        )
        if condition.get("step"):
            query = query.where(JourneySend.step_id == condition["step"])
        if since is not None:
            query = query.where(column >= since)
        return session.execute(query.limit(1)).first() is not None
    if fact in ("downloaded", "customized"):
        if partner_id is None:
            return False
        kind = "download" if fact == "downloaded" else "customize"
        query = select(EngagementEvent.id).where(
            EngagementEvent.partner_id == partner_id, EngagementEvent.kind == kind
        )
        if condition.get("campaign_id"):
            query = query.where(EngagementEvent.campaign_id == int(condition["campaign_id"]))
        if since is not None:
            query = query.where(EngagementEvent.created_at >= since)
        return session.execute(query.limit(1)).first() is not None
    if fact == "has_logo":
        if partner_id is None:
            return False
        return (
            session.execute(
                select(BrandKit.id).where(
                    BrandKit.partner_id == partner_id, BrandKit.logo_key.is_not(None)
                )
            ).first()
            is not None
        )
    if fact == "status_changed":
        if partner_id is None:
            return False
        query = select(PartnerStatusChange.id).where(PartnerStatusChange.partner_id == partner_id)
        if since is not None:
            query = query.where(PartnerStatusChange.changed_at >= since)
        return session.execute(query.limit(1)).first() is not None
    if fact == "partner":
        return _partner_attribute(condition, partner_id)
    if fact in ("applied", "application"):
        statuses = condition.get("statuses") or (
            [condition["status"]] if condition.get("status") else None
        )
        query = select(Application.id)
        if prospect_id is not None:
            query = query.where(Application.prospect_id == prospect_id)
        elif partner_id is not None:
            query = query.where(Application.partner_id == partner_id)
        else:
            return False
        if statuses:
            query = query.where(Application.status.in_(statuses))
        if since is not None:
            query = query.where(Application.created_at >= since)
        return session.execute(query.limit(1)).first() is not None
    if fact == "inactive_days":
        return _inactive_for(partner_id, int(condition.get("days") or 60))
    return False


def _partner_attribute(condition: dict, partner_id: int | None) -> bool:
    if partner_id is None:
        return False
    partner = session.get(Partner, partner_id)
    if partner is None:
        return False
    name = condition.get("field")
    wanted = {str(value).lower() for value in condition.get("values") or []}
    if name == "tier":
        tier = session.get(Tier, partner.tier_id) if partner.tier_id else None
        have = {tier.name.lower()} if tier else set()
    elif name in ("status", "type"):
        have = {str(getattr(partner, name)).lower()}
    elif name in ("countries", "country", "regions", "specialties", "certifications", "tags"):
        attr = "countries" if name == "country" else name
        have = {str(value).lower() for value in getattr(partner, attr) or []}
    elif name == "listed_in_locator":
        return bool(partner.listed_in_locator) == bool(condition.get("value", True))
    else:
        return False
    return bool(have & wanted)


def _inactive_for(partner_id: int | None, days: int) -> bool:
    """No portal sign-in and no campaign activity by the partner in the last DAYS days."""
    if partner_id is None:
        return False
    since = clock.now() - timedelta(days=days)
    signed_in = session.execute(
        select(User.id).where(User.partner_id == partner_id, User.last_login_at >= since).limit(1)
    ).first()
    engaged = session.execute(
        select(EngagementEvent.id)
        .where(EngagementEvent.partner_id == partner_id, EngagementEvent.created_at >= since)
        .limit(1)
    ).first()
    return signed_in is None and engaged is None
