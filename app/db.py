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


def bulk_insert(table, rows: list[dict], *, return_ids: bool = False) -> list[int]:
    """Insert ROWS (dicts with the same keys) into TABLE in the session's transaction; their
    new ids in order when RETURN_IDS.

    On PostgreSQL one COPY (the ids taken from the table's sequence first, in one query):
    a batch of thousands of rows costs no statement parsing; elsewhere one executemany. A
    unique or foreign key violation raises ``sqlalchemy.exc.IntegrityError`` on both. What the
    session holds is flushed first, as before any statement.
    """
    from sqlalchemy import insert, text
    from sqlalchemy.exc import IntegrityError

    if not rows:
        return []
    session.flush()
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        if return_ids:
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return list(session.execute(statement, rows).scalars())
        session.execute(insert(table), rows)
        return []
    import psycopg

    # the columns' Python-side defaults, as an INSERT of the ORM would set them
    defaults = {
        column.name: column.default
        for column in table.c
        if column.name not in rows[0] and column.default is not None and not column.primary_key
    }
    if defaults:
        filled = {
            name: default.arg(None) if default.is_callable else default.arg
            for name, default in defaults.items()
            if default.is_callable or default.is_scalar
        }
        rows = [{**filled, **row} for row in rows]
    names = list(rows[0])
    ids: list[int] = []
    if return_ids:
        ids = list(
            conn.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table.name, "n": len(rows)},
            ).scalars()
        )
    # JSON as SQLAlchemy writes it: None is JSON null unless the type says SQL NULL
    as_json = {name: table.c[name].type for name in names if isinstance(table.c[name].type, JSON)}

    def value(row: dict, name: str):
        found = row[name]
        if name not in as_json or (found is None and as_json[name].none_as_null):
            return found
        return json.dumps(found)

    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in (["id"] if ids else []) + names)
    raw = conn.connection.dbapi_connection
    try:
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy:
                for i, row in enumerate(rows):
                    values = [value(row, name) for name in names]
                    copy.write_row([ids[i], *values] if ids else values)
    except psycopg.IntegrityError as exc:
        raise IntegrityError(f"COPY {table.name}", None, exc) from exc
    return ids


def bulk_update(table, rows: list[dict], *, key: str = "_id") -> None:
    """Set each row's columns (the keys of ROWS but KEY) on the row whose id is row[KEY], in
    the session's transaction: on PostgreSQL one UPDATE from arrays (a parameter per column),
    elsewhere one executemany."""
    from sqlalchemy import bindparam, text, update

    if not rows:
        return
    conn = session.connection()
    names = [name for name in rows[0] if name != key]
    if conn.dialect.name != "postgresql":
        statement = (
            update(table)
            .where(table.c.id == bindparam(key))
            .values({name: bindparam(name) for name in names})
        )
        conn.execute(statement, rows)
        return
    quote = conn.dialect.identifier_preparer.quote
    arrays = ", ".join(
        f"CAST(:c{i} AS {table.c[name].type.compile(dialect=conn.dialect)}[])"
        for i, name in enumerate(names)
    )
    sets = ", ".join(f"{quote(name)} = v.{quote(name)}" for name in names)
    statement = text(
        f"UPDATE {quote(table.name)} AS t SET {sets} "
        f"FROM unnest(CAST(:ids AS BIGINT[]), {arrays}) "
        f"AS v(_id, {', '.join(quote(name) for name in names)}) WHERE t.id = v._id"
    )
    params = {f"c{i}": [row[name] for row in rows] for i, name in enumerate(names)}
    conn.execute(statement, {"ids": [row[key] for row in rows], **params})
