"""Work that is due at a time, as rows claimed with a lease: the one claim mechanism.

A row waits in one of its *claimable* states until a worker claims it: one conditional
UPDATE sets the *claimed* state, ``claimed_at`` (the lease's start) and ``attempts + 1``
only where the row is still claimable, and RETURNING tells this caller what it won. A
claim older than the lease was left by a worker that died, so it is claimable again: the
next worker takes it over, and the new attempt number fences off the dead one's late
writes. On PostgreSQL a batch is picked with ``FOR UPDATE SKIP LOCKED``, so workers that
claim at once take different rows instead of queueing on the same ones; SQLite has one
writer at a time, so its conditional UPDATE is atomic alone.

The broker only carries work that can be redone. The sweep finds rows whose task was
lost (waiting too long) or whose worker died (an expired lease), marks them handed over,
and returns their ids for the caller to send again after it commits; a claim stops a row
handed over twice from being worked twice.

Each use declares its rows once, as a ``Claimable``; the functions take it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.expression import ColumnElement

from app.db import session, utcnow

# a mapped attribute (``Model.column``) or a Core column (``table.c.column``)
Column = QueryableAttribute[Any] | ColumnElement[Any]


@dataclass(frozen=True)
class Claimable:
    """How the rows of one kind of work are claimed and swept.

    ``due_at`` is when a waiting row became due (its creation, its last hand-over, its
    scheduled time): the batch claim takes rows due by now, and the sweep measures a
    wait from it. ``handed_at`` (optional) is when the sweep last handed the row over;
    without it, the sweep puts a row back to wait instead (see ``sweep``).
    ``sweep_states`` are the claimable states the sweep hands over (default: all).
    """

    table: Any  # a mapped class or a Table
    id: Column
    state: Column
    claimable: tuple[str, ...]
    claimed: str
    claimed_at: Column
    attempts: Column
    lease: timedelta
    due_at: Column
    handed_at: Column | None = None
    sweep_states: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not self.claimable or self.claimed in self.claimable:
            raise ValueError("the claimed state must differ from the claimable states")
        if not set(self.swept_states) <= set(self.claimable):
            raise ValueError("the sweep hands over claimable states only")
        if self.lease <= timedelta(0):
            raise ValueError("a lease must be longer than nothing")

    @property
    def swept_states(self) -> tuple[str, ...]:
        return self.sweep_states or self.claimable

    def expired(self, now: datetime, lease: timedelta | None = None) -> ColumnElement:
        """The condition of a claim whose lease (default: the spec's) has run out at NOW."""
        lease = self.lease if lease is None else lease
        return and_(self.state == self.claimed, self.claimed_at < now - lease)

    def claimable_at(self, now: datetime) -> ColumnElement:
        """The condition of a row a worker may claim at NOW: waiting, or its lease expired."""
        return or_(self.state.in_(self.claimable), self.expired(now))


def claim(
    spec: Claimable,
    row_id: int,
    *,
    now: datetime | None = None,
    values: Mapping[Column, Any] | None = None,
) -> int | None:
    """Claim row ROW_ID if it is claimable; this claim's attempt number, or None if it was not
    (another worker holds it, it is done, or it is not there). Commits.

    Due or not: the task that names a row decides it is time. VALUES are more columns to set.
    """
    now = now or utcnow()
    won = session.execute(
        _claiming(spec, now, values)
        .where(spec.id == row_id, spec.claimable_at(now))
        .returning(spec.attempts)
    ).all()
    session.commit()
    return won[0][0] if won else None


def claim_due(
    spec: Claimable,
    limit: int,
    *,
    where: Iterable[ColumnElement] = (),
    now: datetime | None = None,
    values: Mapping[Column, Any] | None = None,
) -> list[int]:
    """Claim up to LIMIT claimable rows that are due by NOW (and match WHERE), the longest
    due first; the ids this caller won, in order. Commits."""
    now = now or utcnow()
    due = [spec.claimable_at(now), spec.due_at <= now, *where]
    pick = select(spec.id).where(*due).order_by(spec.due_at, spec.id).limit(limit)
    chosen: Any = pick
    if session.get_bind().dialect.name == "postgresql":
        # lock the picked rows until the commit; rows another worker is claiming are skipped
        chosen = list(session.execute(pick.with_for_update(skip_locked=True)).scalars())
        if not chosen:
            session.commit()
            return []
    # elsewhere (SQLite) the pick is part of the UPDATE, atomic under the single writer: a
    # worker that waited for the write lock picks among the rows still claimable then
    won = session.execute(
        _claiming(spec, now, values)
        .where(spec.id.in_(chosen), *due)
        .returning(spec.id, spec.due_at)
    ).all()
    session.commit()
    return [row_id for row_id, _due in sorted(won, key=lambda row: (row[1], row[0]))]


def claim_due_rows(
    spec: Claimable,
    limit: int,
    columns: Sequence[Column],
    *,
    now: datetime | None = None,
) -> list[Any]:
    """Claim up to LIMIT claimable rows due by NOW, like ``claim_due``, in ONE statement and
    without committing: the claimed rows' COLUMNS (as the claim left them), by id.

    For work done in the claim's own transaction (the caller commits both at once): on
    PostgreSQL the rows stay locked until then (``FOR UPDATE SKIP LOCKED`` in the UPDATE's
    pick), so a worker that dies before the commit leaves them as they were, claimable.
    """
    now = now or utcnow()
    due = [spec.claimable_at(now), spec.due_at <= now]
    pick = select(spec.id).where(*due).order_by(spec.due_at, spec.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    statement = (
        _claiming(spec, now, None)
        .where(spec.id.in_(pick.scalar_subquery()), *due)
        .returning(*columns)
    )
    return sorted(session.execute(statement).all(), key=lambda row: row[0])


def sweep(
    spec: Claimable,
    older_than: timedelta,
    *,
    lease: timedelta | None = None,
    now: datetime | None = None,
    values: Mapping[Column, Any] | None = None,
) -> list[int]:
    """Hand over again the rows that stalled; their ids, for the caller to send to the broker
    after it commits (the sweep does not commit).

    Stalled: waiting in a swept state since longer than OLDER_THAN (its task was lost), or
    claimed with a lease older than LEASE (default: the spec's; its worker died). Each row
    once per OLDER_THAN: with a ``handed_at`` column, a row handed within OLDER_THAN is left
    alone, and ``handed_at`` becomes NOW; without one, the row is put back to wait (the
    first swept state, ``due_at`` NOW). VALUES are more columns to set.
    """
    now = now or utcnow()
    stalled = [
        or_(
            and_(spec.state.in_(spec.swept_states), spec.due_at < now - older_than),
            spec.expired(now, lease),
        )
    ]
    if spec.handed_at is not None:
        stalled.append(or_(spec.handed_at.is_(None), spec.handed_at < now - older_than))
        marks = {spec.handed_at: now}
    else:
        marks = {spec.state: spec.swept_states[0], spec.due_at: now}
    statement = (
        update(spec.table)
        .where(*stalled)
        .values({**marks, **(values or {})})
        .returning(spec.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.execute(statement).scalars())


def _claiming(spec: Claimable, now: datetime, values: Mapping[Column, Any] | None):
    """The UPDATE that claims rows; the caller adds which."""
    claimed = {spec.state: spec.claimed, spec.claimed_at: now, spec.attempts: spec.attempts + 1}
    return (
        update(spec.table)
        .values({**claimed, **(values or {})})
        .execution_options(synchronize_session=False)
    )
