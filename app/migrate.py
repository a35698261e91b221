"""Alembic, driven from Python: `tandem db upgrade` and the tests use these."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.db import get_engine, make_url_str

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", make_url_str(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    cfg = alembic_config(url)
    with get_engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(url: str, revision: str) -> None:
    cfg = alembic_config(url)
    with get_engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision() -> str | None:
    """The revision the database is at, read from it (None: no migration applied)."""
    with get_engine().connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_empty_schema() -> bool:
    return not inspect(get_engine()).has_table("alembic_version")
