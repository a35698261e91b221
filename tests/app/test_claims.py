"""The one claim mechanism (app.claims), on SQLite and PostgreSQL: a row is won once, an
expired lease is taken over, due rows are claimed in batches, the sweep hands a stalled
row over once per period, and workers racing on their own connections never share a row.

The rows are a throwaway table of the test's own metadata (not the models', so the
migrations test does not see it).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert, select

from app import claims, db
from app.db import session, utcnow

metadata = MetaData()
jobs = Table(
    "claim_test_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("state", String(10), nullable=False),
    Column("due_at", DateTime, nullable=False),
    Column("claimed_at", DateTime),
    Column("handed_at", DateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("note", String(20), nullable=False, default=""),
)
LEASE = timedelta(minutes=5)
JOBS = claims.Claimable(
    table=jobs,
    id=jobs.c.id,
    state=jobs.c.state,
    claimable=("waiting", "retry"),
    claimed="working",
    claimed_at=jobs.c.claimed_at,
    attempts=jobs.c.attempts,
    lease=LEASE,
    due_at=jobs.c.due_at,
    handed_at=jobs.c.handed_at,
    sweep_states=("waiting",),
)
# the same rows declared without handed_at: the sweep puts a stalled row back to wait
REQUEUED = replace(JOBS, handed_at=None)


@pytest.fixture
def table(app):
    engine = db.get_engine()
    metadata.drop_all(engine)
    metadata.create_all(engine)
    yield jobs
    session.remove()
    metadata.drop_all(engine)


def add(count: int = 1, *, state: str = "waiting", due_ago=timedelta(seconds=1), **values):
    """COUNT rows in STATE, due DUE_AGO ago; their ids."""
    due_at = utcnow() - due_ago
    ids = [
        session.execute(
            insert(jobs).values(state=state, due_at=due_at, **values).returning(jobs.c.id)
        ).scalar_one()
        for _ in range(count)
    ]
    session.commit()
    return ids


def row(row_id: int):
    found = session.execute(select(jobs).where(jobs.c.id == row_id)).one()
    session.commit()
    return found


def test_a_spec_is_checked():
    with pytest.raises(ValueError):
        replace(JOBS, claimed="waiting")
    with pytest.raises(ValueError):
        replace(JOBS, sweep_states=("working",))


def test_a_row_is_claimed_once(table):
    [row_id] = add()
    now = utcnow()
    assert claims.claim(JOBS, row_id, now=now, values={jobs.c.note: "mine"}) == 1
    claimed = row(row_id)
    assert (claimed.state, claimed.attempts, claimed.claimed_at, claimed.note) == (
        "working",
        1,
        now,
        "mine",
    )
    assert claims.claim(JOBS, row_id) is None  # a second claim loses
    assert row(row_id).attempts == 1
    assert claims.claim(JOBS, 999_999) is None
    [done] = add(state="done")
    assert claims.claim(JOBS, done) is None
    [retry] = add(state="retry")
    assert claims.claim(JOBS, retry) == 1


def test_an_expired_lease_is_taken_over(table):
    [row_id] = add()
    start = utcnow()
    assert claims.claim(JOBS, row_id, now=start) == 1
    assert claims.claim(JOBS, row_id, now=start + LEASE) is None  # the lease still holds
    later = start + LEASE + timedelta(seconds=1)
    assert claims.claim(JOBS, row_id, now=later) == 2  # its worker died: taken over
    assert (row(row_id).claimed_at, row(row_id).attempts) == (later, 2)
    assert claims.claim(JOBS, row_id, now=later + timedelta(seconds=1)) is None


def test_a_batch_claims_the_due_rows_longest_due_first(table):
    due = [add(due_ago=timedelta(minutes=minutes))[0] for minutes in (1, 5, 3, 4, 2)]
    [later] = add(due_ago=-timedelta(minutes=10))  # due in ten minutes
    [done] = add(state="done")
    [live] = add(state="working", claimed_at=utcnow())
    [dead] = add(state="working", claimed_at=utcnow() - LEASE - timedelta(seconds=1))
    oldest_first = [due[1], due[3], due[2]]
    assert claims.claim_due(JOBS, 3) == oldest_first
    assert {row(i).state for i in oldest_first} == {"working"}
    assert sorted(claims.claim_due(JOBS, 10)) == sorted([due[4], due[0], dead])
    assert row(dead).attempts == 1 and row(due[0]).attempts == 1
    assert claims.claim_due(JOBS, 10) == []
    assert {row(i).state for i in (later, done, live)} == {"waiting", "done", "working"}
    # due in ten minutes: claimed then, and only the rows WHERE asks for
    [other] = add(due_ago=-timedelta(minutes=10))
    in_ten = utcnow() + timedelta(minutes=10, seconds=1)
    assert claims.claim_due(JOBS, 10, where=[jobs.c.id == later], now=in_ten) == [later]
    # by then every other lease has run out as well
    expired = sorted([*due, dead, live, other])
    assert sorted(claims.claim_due(JOBS, 20, now=in_ten)) == expired
    assert claims.claim_due(JOBS, 20, now=in_ten) == []


def test_a_batch_claimed_in_the_work_s_transaction_is_undone_with_it(table):
    due = [add(due_ago=timedelta(minutes=minutes))[0] for minutes in (1, 5, 3)]
    [dead] = add(
        state="working",
        attempts=1,
        claimed_at=utcnow() - LEASE - timedelta(seconds=1),
        due_ago=timedelta(minutes=10),
    )
    add(due_ago=-timedelta(minutes=10))
    columns = (jobs.c.id, jobs.c.state, jobs.c.attempts)
    # the two longest due (the dead worker's claim is due since long before), by id
    rows = claims.claim_due_rows(JOBS, 2, columns)
    assert [tuple(r) for r in rows] == sorted([(dead, "working", 2), (due[1], "working", 1)])
    session.rollback()  # the work failed: the claim is undone with it
    assert {row(i).state for i in due} == {"waiting"} and row(dead).attempts == 1
    rows = claims.claim_due_rows(JOBS, 10, columns)
    session.commit()
    assert [r.id for r in rows] == sorted([*due, dead])
    assert claims.claim_due_rows(JOBS, 10, columns) == []


def test_the_sweep_hands_a_stalled_row_over_once_per_period(table):
    period = timedelta(minutes=15)
    [lost] = add(due_ago=timedelta(minutes=20))
    [fresh] = add(due_ago=timedelta(minutes=1))
    [retry] = add(state="retry", due_ago=timedelta(minutes=20))  # not a swept state
    [dead] = add(state="working", claimed_at=utcnow() - LEASE - timedelta(seconds=1))
    [live] = add(state="working", claimed_at=utcnow())
    now = utcnow()
    assert claims.sweep(JOBS, period, now=now) == [lost, dead]
    session.commit()
    assert row(lost).handed_at == now and row(lost).state == "waiting"
    assert row(dead).state == "working"  # its next claim takes it over
    assert claims.sweep(JOBS, period) == []  # while the workers have them, not again
    assert claims.sweep(JOBS, period, lease=timedelta(0)) == [live]  # a shorter lease
    session.commit()
    later = now + period + timedelta(seconds=1)
    assert claims.sweep(JOBS, period, now=later) == [lost, fresh, dead, live]
    session.rollback()  # the caller's to commit: nothing marked
    assert row(fresh).handed_at is None
    assert row(retry).handed_at is None


def test_without_handed_at_the_sweep_puts_a_stalled_row_back_to_wait(table):
    period = timedelta(minutes=15)
    [lost] = add(due_ago=timedelta(minutes=20))
    [fresh] = add(due_ago=timedelta(minutes=1))
    [dead] = add(state="working", claimed_at=utcnow() - LEASE - timedelta(seconds=1))
    now = utcnow()
    assert claims.sweep(REQUEUED, period, now=now, values={jobs.c.note: "swept"}) == [lost, dead]
    session.commit()
    for row_id in (lost, dead):
        assert (row(row_id).state, row(row_id).due_at, row(row_id).note) == (
            "waiting",
            now,
            "swept",
        )
    assert claims.sweep(REQUEUED, period) == []
    later = now + period + timedelta(seconds=1)
    assert claims.sweep(REQUEUED, period, now=later) == [lost, fresh, dead]


@pytest.mark.parametrize("how", ["one by one", "in batches", "in the work's transaction"])
def test_workers_racing_win_every_row_exactly_once(table, how):
    ids = add(150)
    # rows whose worker died: taken over once, by one of the racers
    abandoned = add(
        30, state="working", attempts=1, claimed_at=utcnow() - LEASE - timedelta(seconds=1)
    )
    everything = sorted(ids + abandoned)
    workers = 4
    start = threading.Barrier(workers)
    won: list[list[int]] = [[] for _ in range(workers)]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        # each thread has its own session (the scoped session is per thread), so its own
        # connection and transactions
        try:
            start.wait(timeout=30)
            if how == "one by one":
                for row_id in everything if n % 2 else everything[::-1]:
                    if claims.claim(JOBS, row_id) is not None:
                        won[n].append(row_id)
            elif how == "in batches":
                while batch := claims.claim_due(JOBS, 7):
                    won[n].extend(batch)
            else:  # one statement claims, the caller commits with its work
                while rows := claims.claim_due_rows(JOBS, 7, (jobs.c.id, jobs.c.attempts)):
                    assert [row.id for row in rows] == sorted(row.id for row in rows)
                    session.commit()
                    won[n].extend(row.id for row in rows)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    claimed = [row_id for ids_won in won for row_id in ids_won]
    assert len(claimed) == len(set(claimed)), "a row was won twice"
    assert sorted(claimed) == everything, "a row was lost"
    attempts = dict(session.execute(select(jobs.c.id, jobs.c.attempts)).all())
    assert {attempts[i] for i in ids} == {1} and {attempts[i] for i in abandoned} == {2}
    assert claims.claim_due(JOBS, 10) == []
