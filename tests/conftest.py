"""Shared fixtures: real databases (SQLite and PostgreSQL), the app, users, and service checks.

With CI=true a missing service fails the test; elsewhere the test skips and says how to enable it.
"""

from __future__ import annotations

import os
import re
import socket
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app import security
from app.config import load_settings

security.PASSWORD_METHOD = "scrypt:1024:8:1"

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
# one Redis database per test process (gw0: 1, gw1: 2, ...; the same as test_worker.py's): a
# worker test empties its database and its Celery workers take every task queued there, so two
# at once must not share one
_XDIST = re.sub(r"\D", "", os.environ.get("PYTEST_XDIST_WORKER", "")) or "0"
REDIS_URL = os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:6379/{1 + int(_XDIST) % 15}")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def need(condition: bool, what: str, how: str) -> None:
    """Skip outside CI when a service is missing; fail in CI."""
    if condition:
        return
    message = f"{what} is not available: {how}"
    if IN_CI:
        pytest.fail(message + " (CI=true: services must be present)")
    pytest.skip(message)


def port_open(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def pg_schema_url(request) -> str:
    """A PostgreSQL URL whose search_path is a fresh schema of this test process."""
    need(port_open(PG_URL, 5432), "PostgreSQL", f"start it on {PG_URL} or set TEST_DATABASE_URL")
    # one schema per test process: parallel runs (xdist workers, two developers) never collide
    worker = re.sub(r"\W", "", worker_id(request))
    schema = f"tandem_test_{worker}_{os.getpid()}"
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3-protocol server (moto's) on loopback."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'tandem.sqlite'}"


_migrated: set[str] = set()


def _reset_database(url: str) -> None:
    from app import db, migrate
    from app.db import Base

    engine = db.init_engine(url)
    if url not in _migrated:
        migrate.upgrade(url)
        _migrated.add(url)
        return
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
        return
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    # PostgreSQL's autovacuum may be analyzing one of these tables while TRUNCATE takes its
    # locks one by one; the server then ends one side as a deadlock. Truncating again is safe.
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        except OperationalError as error:
            if "deadlock detected" not in str(error) or attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("pg_schema_url")
    return request.getfixturevalue("sqlite_url")


@pytest.fixture
def settings(db_url, tmp_path):
    env = {
        "TANDEM_INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret-key",
        "BASE_URL": "http://localhost",
    }
    return load_settings(env)


@pytest.fixture
def app(settings):
    from app import create_app
    from app.db import session

    _reset_database(settings.database_url)
    application = create_app(settings, TESTING=True)
    yield application
    session.remove()


@pytest.fixture
def nocsrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.fixture
def client(nocsrf_app):
    return nocsrf_app.test_client()


@pytest.fixture
def world(app):
    """Two partners (A and B) with a user of every role, tiers and locations."""
    from tests.factories.directory import make_world

    with app.app_context():
        return make_world()


def login(client, email: str, password: str = "correct-horse-battery"):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login_as(client):
    def _login(email: str):
        client.post("/logout")
        login(client, email)
        return client

    return _login


ROOT = Path(__file__).resolve().parent.parent


# --- an SMTP server on loopback ------------------------------------------------------------


class Inbox:
    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """An SMTP server on loopback: (its inbox, its port)."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd needs a concrete port to check it started
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()
