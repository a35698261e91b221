"""Database plumbing: the declarative base, the engine and the scoped session.

Imports nothing from the web faces, so the domain and the workers use it alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import JSON, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


SessionFactory = sessionmaker(expire_on_commit=False)
session = scoped_session(SessionFactory)
_engine: Engine | None = None
_engine_url: str | None = None


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin_before_savepoint(conn, _name) -> None:
    # sqlite3's legacy transaction control emits BEGIN only before DML. A SAVEPOINT sent first
    # opens a transaction of its own whose RELEASE commits, so a later ROLLBACK (the CSV
    # import's dry run) would keep the rows: open the enclosing transaction first.
    if not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


def init_engine(url: str) -> Engine:
    """Create the engine for URL (once per URL) and bind the session to it."""
    global _engine, _engine_url
    url = make_url_str(url)
    if _engine is not None and _engine_url == url:
        return _engine
    if _engine is not None:
        session.remove()
        _engine.dispose()
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _sqlite_begin_before_savepoint)
    SessionFactory.configure(bind=engine)
    _engine, _engine_url = engine, url
    return engine


def make_url_str(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError("database engine not initialised; call init_engine() first")
    return _engine


@contextmanager
def transaction() -> Iterator:
    """One unit of work: commit on success, roll back everything on error."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def insert_many(table, rows: list[dict]) -> None:
    """Add ROWS (column → value, the same columns in each) to TABLE in the current
    transaction: PostgreSQL's COPY, which streams them in one statement (several times
    faster than an INSERT per row for thousands of rows); elsewhere an executemany. A column
    left out gets the database's default, not the model's Python-side one: give them all."""
    if not rows:
        return
    session.flush()  # what the session holds goes first, as before any statement
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    names = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in columns)
    raw = connection.connection.driver_connection  # psycopg's, in this transaction
    with raw.cursor().copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[n]) if n in as_json and row[n] is not None else row[n]
                    for n in columns
                ]
            )
