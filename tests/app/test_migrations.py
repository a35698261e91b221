"""Migrations run up from an empty database, down to nothing and up again, on both databases,
and leave a schema that matches the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from app import db, migrate
from app.db import Base
from app.model_registry import import_all_models
from tests.conftest import PG_URL, need, port_open


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    need(port_open(PG_URL, 5432), "PostgreSQL", "start it on 127.0.0.1:5432")
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = "tandem_migration_test"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{base}?options=-csearch_path%3D{schema}"
    db.get_engine().dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


pytestmark = pytest.mark.xdist_group("migrations")


def include_name(name, type_, _parent) -> bool:
    """The locator's spatial indexes are no models: SQLite's virtual table (and its shadow
    tables), PostgreSQL's expression index."""
    if type_ == "table":
        return not name.startswith("location_rtree")
    return not (type_ == "index" and name == "ix_locations_earth")


def test_up_down_up_and_schema_matches_models(empty_database):
    import_all_models()
    engine = db.init_engine(empty_database)
    assert migrate.is_empty_schema()
    migrate.upgrade(empty_database)
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables

    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": include_name}
            ),
            Base.metadata,
        )
    assert diff == [], f"models and migrations differ: {diff}"

    migrate.downgrade(empty_database, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(empty_database)
    assert {t.name for t in Base.metadata.sorted_tables} <= set(inspect(engine).get_table_names())
