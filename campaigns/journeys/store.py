"""The engine's database side: claim due enrollments, answer the stepper's facts, apply what it
decided and move the rows on, in one transaction per batch.

Exactly once: a worker claims a batch (``app.claims``: one conditional UPDATE, SKIP LOCKED on
PostgreSQL), runs the pure stepper for each row, and in ONE transaction moves every row it
still holds (an UPDATE fenced by its claim's attempt number) and writes the step runs, the
journey sends and their outbox messages. The step runs are unique per (enrollment, seq) and the
sends per (enrollment, step, seq): a worker whose lease expired and was taken over can neither
move the row nor write a second email; if it tried, its transaction fails and the batch is
redone one row at a time, each on its own.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app import claims, clock, mail, runtime
from app.db import session
from app.models import ProgramSettings, Suppression, User
from campaigns.journeys import audience, messages, stepper, windows
from campaigns.journeys import definition as d
from campaigns.journeys.models import (
    Application,
    Enrollment,
    EnrollmentState,
    ExitReason,
    JourneySend,
    JourneyVersion,
    Prospect,
    StepRun,
)
from campaigns.models import EngagementEvent
from directory import activity
from directory.models import BrandKit, Partner, PartnerStatusChange, Tier

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 500


@functools.cache
def _spec(lease_seconds: float) -> claims.Claimable:
    return claims.Claimable(
        table=Enrollment,
        id=Enrollment.id,
        state=Enrollment.state,
        claimable=(EnrollmentState.ACTIVE.value,),
        claimed=EnrollmentState.RUNNING.value,
        claimed_at=Enrollment.claimed_at,
        attempts=Enrollment.attempts,
        lease=timedelta(seconds=lease_seconds),
        due_at=Enrollment.next_run_at,
    )


def enrollments_spec() -> claims.Claimable:
    """How enrollments are claimed: a batch runs in seconds, so a claim older than the lease
    (``JOURNEY_LEASE_SECONDS``, default 2 minutes) was left by a worker that died."""
    return _spec(float(runtime.settings().journey_lease_seconds))


ENROLLMENTS = _spec(LEASE.total_seconds())


def send_key(enrollment_id: int, step_id: str, seq: int) -> str:
    """The unique key of a journey email: one per (enrollment, step, seq)."""
    return f"{enrollment_id}:{step_id}:{seq}"


def policy() -> stepper.Policy:
    settings = runtime.settings()
    return stepper.Policy(
        cap_emails=settings.journey_cap_emails, cap_days=settings.journey_cap_days
    )


# --- the subjects and their facts ---------------------------------------------------------


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


def _partner_recipients(partner_ids: list[int]) -> dict[int, messages.Recipient]:
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


def _prospect_recipients(prospect_ids: list[int]) -> dict[int, messages.Recipient]:
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
    for pid, recipient in _partner_recipients(partner_ids).items():
        batch.recipients[("partner", pid)] = recipient
    for pid, recipient in _prospect_recipients(prospect_ids).items():
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


# --- the tick -----------------------------------------------------------------------------

_ROW_COLUMNS = (
    Enrollment.id,
    Enrollment.journey_id,
    Enrollment.version_id,
    Enrollment.partner_id,
    Enrollment.prospect_id,
    Enrollment.step_id,
    Enrollment.step_started_at,
    Enrollment.next_run_at,
    Enrollment.seq,
    Enrollment.attempts,
    Enrollment.entered_at,
)


def tick(limit: int = BATCH, *, now: datetime | None = None) -> int:
    """Claim up to LIMIT due enrollments and run them; how many were run. Commits."""
    now = now or clock.now()
    ids = claims.claim_due(enrollments_spec(), limit, now=now)
    if not ids:
        return 0
    return run_claimed(ids, now)


def run_claimed(ids: list[int], now: datetime) -> int:
    """Run the claimed enrollments IDS in one transaction; on a conflict (a row another worker
    took over), redo them one by one. Commits."""
    try:
        done = _run(ids, now)
        session.commit()
        return done
    except IntegrityError:
        session.rollback()
        log.info("journey batch conflicted; running its %d rows one by one", len(ids))
    done = 0
    for enrollment_id in ids:
        try:
            done += _run([enrollment_id], now)
            session.commit()
        except IntegrityError:
            session.rollback()
    return done


def _definitions(version_ids: set[int]) -> dict[int, dict]:
    return dict(
        session.execute(
            select(JourneyVersion.id, JourneyVersion.definition).where(
                JourneyVersion.id.in_(version_ids)
            )
        ).all()
    )


def _claimed_rows(ids: list[int], now: datetime) -> list[Any]:
    """The rows of IDS this worker claimed at NOW and still holds. On PostgreSQL they are
    locked until the commit, so nobody can take them over meanwhile (a claim that outlived its
    lease is taken with SKIP LOCKED, which skips them)."""
    query = select(*_ROW_COLUMNS).where(
        Enrollment.id.in_(ids),
        Enrollment.state == EnrollmentState.RUNNING.value,
        Enrollment.claimed_at == now,
    )
    if _locks():
        query = query.with_for_update()
    return session.execute(query.order_by(Enrollment.id)).all()


def _locks() -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _run(ids: list[int], now: datetime) -> int:
    rows = _claimed_rows(ids, now)
    if not rows:
        return 0
    definitions = _definitions({r.version_id for r in rows})
    batch = load_batch(rows, definitions, now)
    program = ProgramSettings.saved() or ProgramSettings.with_defaults()
    rules = policy()
    step_runs: list[dict] = []
    moves: list[dict] = []
    # the facts' queries must not flush the emails added for earlier rows one by one
    with session.no_autoflush:
        for row in rows:
            definition = definitions[row.version_id]
            key = ("partner", row.partner_id) if row.partner_id else ("prospect", row.prospect_id)
            recipient = batch.recipients.get(key)
            tz = windows.zone(
                recipient.time_zone if recipient else None,
                recipient.country if recipient else None,
                definition.get("time_zone") or "UTC",
            )
            result = stepper.run(
                definition,
                step_id=row.step_id,
                step_started_at=row.step_started_at or now,
                now=now,
                facts=DbFacts(row, batch, recipient),
                enrollment_key=row.id,
                tz=tz,
                policy=rules,
            )
            move = _move_values(row, result, now)
            # SQLite: one writer at a time, no row locks; each move is fenced by the claim
            if not _locks() and not _fenced_move(row, move, now):
                continue  # another worker took it over
            moves.append(move)
            if move["goal_reached_at"] is not None and row.partner_id is not None:
                # the scorecards read it: days from entering the journey to its goal
                activity.record(
                    row.partner_id,
                    activity.JOURNEY_GOAL_REACHED,
                    at=now,
                    value=max((now - (row.entered_at or now)).days, 0),
                    ref=("journey", row.journey_id),
                )
            for offset, executed in enumerate(result.executed, start=1):
                seq = row.seq + offset
                step_runs.append(
                    {
                        "enrollment_id": row.id,
                        "journey_id": row.journey_id,
                        "step_id": executed.step_id,
                        "seq": seq,
                        "outcome": executed.outcome[:60],
                        "due_at": executed.due_at,
                        "ran_at": now,
                    }
                )
                if executed.effect is not None:
                    _apply(executed.effect, row, seq, recipient, program, batch, now)
    if _locks() and moves:
        # the rows are locked by this transaction: one statement, many parameter sets
        table = Enrollment.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in MOVED_COLUMNS})
        )
        session.connection().execute(statement, moves)
    if step_runs:
        session.execute(StepRun.__table__.insert(), step_runs)
    if batch.outgoing:
        ids = mail.queue_many([message for message, _send in batch.outgoing])
        session.execute(
            JourneySend.__table__.insert(),
            [
                {**send, "mail_message_id": i}
                for i, (_m, send) in zip(ids, batch.outgoing, strict=True)
            ],
        )
    session.flush()
    return len(moves)


MOVED_COLUMNS = (
    "seq",
    "claimed_at",
    "waiting_on",
    "state",
    "step_id",
    "step_started_at",
    "next_run_at",
    "exit_reason",
    "finished_at",
    "goal_reached_at",
)


def _move_values(row: Any, result: stepper.Result, now: datetime) -> dict[str, Any]:
    """Where the stepper left the row: the values of every moved column, and its id."""
    done = result.done
    return {
        "_id": row.id,
        "seq": row.seq + len(result.executed),
        "claimed_at": None,
        "waiting_on": result.waiting_on,
        "state": EnrollmentState.DONE.value if done else EnrollmentState.ACTIVE.value,
        "step_id": None if done else result.step_id,
        "step_started_at": result.step_started_at or row.step_started_at,
        "next_run_at": None if done else result.next_run_at,
        "exit_reason": result.exit_reason if done else "",
        "finished_at": now if done else None,
        "goal_reached_at": now if result.exit_reason == ExitReason.GOAL.value else None,
    }


def _fenced_move(row: Any, move: dict[str, Any], now: datetime) -> bool:
    """Move the row if this worker still holds its claim (the same attempt, claimed at NOW)."""
    values = {name: move[name] for name in MOVED_COLUMNS}
    moved = session.execute(
        update(Enrollment)
        .where(
            Enrollment.id == row.id,
            Enrollment.state == EnrollmentState.RUNNING.value,
            Enrollment.attempts == row.attempts,
            Enrollment.claimed_at == now,
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1


def _apply(
    effect: dict,
    row: Any,
    seq: int,
    recipient: messages.Recipient | None,
    program: ProgramSettings,
    batch: Batch,
    now: datetime,
) -> None:
    step = effect["step"]
    kind = effect["kind"]
    if kind == "email" and recipient is not None:
        key = send_key(row.id, str(step["id"]), seq)
        composed = messages.compose(step, recipient, send_key=key, program=program)
        suppressed = recipient.email in batch.suppressed
        batch.outgoing.append(
            (
                {
                    "to": recipient.email,
                    "subject": composed.subject,
                    "text": composed.text,
                    "html": composed.html,
                    "suppressed": suppressed,
                    "unsubscribe_url": composed.unsubscribe_url,
                },
                {
                    "key": key,
                    "enrollment_id": row.id,
                    "journey_id": row.journey_id,
                    "step_id": str(step["id"]),
                    "seq": seq,
                    "partner_id": row.partner_id,
                    "prospect_id": row.prospect_id,
                    "to_address": recipient.email,
                    "status": "suppressed" if suppressed else "queued",
                    "sent_at": now,
                    "opens": 0,
                    "opened_by_proxy": False,
                    "clicks": 0,
                },
            )
        )
        batch.sends[recipient.email].append(now)
    elif kind == "update_partner" and row.partner_id is not None:
        _update_partner(row.partner_id, step)
    elif kind == "notify":
        _notify(step, row, recipient)


def _update_partner(partner_id: int, step: dict) -> None:
    from app import validation as v
    from directory import partners as directory_partners

    partner = session.get(Partner, partner_id)
    if partner is None:
        return
    try:
        if step.get("status") and step["status"] != partner.status:
            directory_partners.change_status(partner, step["status"], None, note="journey")
        if step.get("tier"):
            tier = session.execute(
                select(Tier).where(func.lower(Tier.name) == str(step["tier"]).lower())
            ).scalar_one_or_none()
            if tier is not None and partner.tier_id != tier.id:
                directory_partners.update_partner(
                    partner, {"tier": tier.name}, None, only=("tier",)
                )
        if step.get("tag") or step.get("remove_tag"):
            directory_partners.change_tags(
                partner, add=step.get("tag") or "", remove=step.get("remove_tag") or ""
            )
    except v.ValidationFailed as exc:  # a move the partner's lifecycle refuses: skip it
        log.info("journey step %s: partner %s not updated: %s", step.get("id"), partner_id, exc)


def _notify(step: dict, row: Any, recipient: messages.Recipient | None) -> None:
    to = step.get("to") or ""
    if not to and row.partner_id is not None:
        to = (
            session.execute(
                select(User.email)
                .join(Partner, Partner.channel_manager_id == User.id)
                .where(Partner.id == row.partner_id)
            ).scalar_one_or_none()
            or ""
        )
    if not to:
        return
    values = messages.words(recipient) if recipient else {}
    subject = messages.fill(step.get("subject") or "A journey needs you: {{ name }}", values)
    body = messages.fill(step.get("body") or "{{ name }} reached a step of a journey.", values)
    mail.queue_mail(to, subject[:300], body, category="transactional")


# --- due work at a glance (for the beat and the tests) -------------------------------------


def due_count(now: datetime | None = None) -> int:
    now = now or clock.now()
    return session.execute(
        select(func.count())
        .select_from(Enrollment)
        .where(
            or_(
                and_(
                    Enrollment.state == EnrollmentState.ACTIVE.value,
                    Enrollment.next_run_at <= now,
                ),
                enrollments_spec().expired(now),
            )
        )
    ).scalar_one()


def run_until_idle(*, now: datetime | None = None, limit: int = BATCH, rounds: int = 1000) -> int:
    """Tick until nothing is due at NOW (tests, the CLI); how many enrollments were run."""
    total = 0
    for _ in range(rounds):
        ran = tick(limit, now=now)
        if not ran and not due_count(now):
            break
        total += ran
    return total


def drain(budget_seconds: float = 5.0, *, limit: int = BATCH) -> int:
    """The beat's tick: fire the directory's recorded events, then run due enrollments batch
    after batch until none is due or BUDGET_SECONDS have passed; how many were run."""
    import time

    from campaigns.journeys import triggers

    triggers.process_partner_events()
    started = time.monotonic()
    total = 0
    while time.monotonic() - started < budget_seconds:
        ran = tick(limit)
        total += ran
        if ran < limit:
            break
    return total
