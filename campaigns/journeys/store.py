"""The engine's database side: claim due enrollments, run the stepper on them and move the rows
on, in one transaction per batch (the facts it reads: ``facts``; what steps do: ``effects``).

Exactly once: a worker claims a batch (``app.claims.claim_due_rows``: one conditional UPDATE
whose pick is ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), runs the pure stepper for each row,
and in the SAME transaction moves every row (one UPDATE for the batch on PostgreSQL, where the
rows stay locked until the commit; one fenced UPDATE per row on SQLite) and writes the step
runs, the journey sends and their outbox messages (COPY on PostgreSQL). A worker killed in the
middle commits nothing: its rows are as they were, claimable. The step runs are unique per
(enrollment, seq) and the sends per (enrollment, step, seq): should a row still be run twice (a
claim taken over after its lease, ``run_claimed``), the second transaction fails and its batch
is redone one row at a time, each on its own.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app import claims, clock, mail, runtime
from app.db import bulk_insert, bulk_update, session
from app.models import ProgramSettings
from campaigns.journeys import effects, stepper, windows
from campaigns.journeys.facts import DbFacts, load_batch
from campaigns.journeys.models import (
    Enrollment,
    EnrollmentState,
    ExitReason,
    JourneySend,
    JourneyVersion,
    StepRun,
)
from directory import activity

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


def policy() -> stepper.Policy:
    settings = runtime.settings()
    return stepper.Policy(
        cap_emails=settings.journey_cap_emails, cap_days=settings.journey_cap_days
    )


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
    """Claim up to LIMIT due enrollments and run them; how many were run. Commits.

    The claim, the steps' writes and the moves are one transaction (one statement claims the
    batch; on PostgreSQL its rows stay locked until the commit): a worker that dies in the
    middle leaves its rows claimable as they were. On a conflict the batch is rolled back,
    claimed again with leases (``claims.claim_due``) and its rows are run one by one.
    """
    now = now or clock.now()
    try:
        rows = claims.claim_due_rows(enrollments_spec(), limit, _ROW_COLUMNS, now=now)
        done = _run_rows(rows, now) if rows else 0
        session.commit()
        return done
    except IntegrityError:
        session.rollback()
        log.info("journey batch conflicted; running its rows one by one")
    return _one_by_one(claims.claim_due(enrollments_spec(), limit, now=now), now)


def run_claimed(ids: list[int], now: datetime) -> int:
    """Run the enrollments IDS claimed at NOW (``claims.claim_due``) in one transaction; on a
    conflict (a row another worker took over), redo them one by one. Commits."""
    try:
        done = _run(ids, now)
        session.commit()
        return done
    except IntegrityError:
        session.rollback()
        log.info("journey batch conflicted; running its %d rows one by one", len(ids))
    return _one_by_one(ids, now)


def _one_by_one(ids: list[int], now: datetime) -> int:
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
    return _run_rows(rows, now) if rows else 0


def _run_rows(rows: list[Any], now: datetime) -> int:
    """Run the claimed ROWS (``_ROW_COLUMNS``), write what their steps did and move them on,
    in the session's transaction; how many were moved."""
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
                    effects.apply(executed.effect, row, seq, recipient, program, batch, now)
    if _locks():
        # the rows are locked by this transaction: one statement moves them all
        bulk_update(Enrollment.__table__, moves)
    if step_runs:
        bulk_insert(StepRun.__table__, step_runs)
    if batch.outgoing:
        ids = mail.queue_many([message for message, _send in batch.outgoing])
        bulk_insert(
            JourneySend.__table__,
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
