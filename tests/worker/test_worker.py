"""A real Celery worker process: mail queued by the web is delivered over SMTP by the worker.

Runs once with Redis as the broker and PostgreSQL as the database, and once with the embedded
defaults (kombu's SQLAlchemy transport on SQLite, SQLite database), as `make run` uses them.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from app.config import load_settings
from tests.conftest import REDIS_URL, _reset_database, need, port_open, worker_id

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


def _broker_env(request, kind: str, tmp_path) -> dict:
    if kind == "redis":
        need(
            port_open(REDIS_URL, 6379),
            "Redis",
            "start redis-server on 127.0.0.1:6379 or set TEST_REDIS_URL",
        )
        # one Redis database per test process, so parallel runs never share a queue
        index = 1 + int(re.sub(r"\D", "", worker_id(request)) or 0)
        url = re.sub(r"/\d*$", f"/{index}", REDIS_URL)
        import redis

        redis.Redis.from_url(url).flushdb()
        return {"REDIS_URL": url, "DATABASE_URL": request.getfixturevalue("pg_schema_url")}
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'tandem.sqlite'}"}


@pytest.fixture(params=["redis", "embedded"])
def worker_env(request, tmp_path, smtp_server):
    _inbox, port = smtp_server
    env = {
        "TANDEM_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "worker-test-secret",
        "BASE_URL": "http://localhost",
        "MAIL_URL": f"smtp://127.0.0.1:{port}",
        **_broker_env(request, request.param, tmp_path),
    }
    return env


@pytest.fixture
def running_worker(worker_env):
    """The web side's app plus a `tandem worker` process sharing its configuration."""
    from app import create_app

    settings = load_settings(worker_env)
    _reset_database(settings.database_url)
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    proc_env = {**os.environ, **worker_env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker", "-c", "1", "--loglevel", "WARNING"],
        env=proc_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield app, proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _wait(predicate, timeout: float = 45.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    return None


def test_password_reset_mail_is_delivered_by_the_worker(running_worker, smtp_server):
    from app.db import session
    from app.models import MailMessage, Role
    from directory import people

    app, proc = running_worker
    inbox, _port = smtp_server
    with app.app_context():
        people.create_user("someone@vendor.example", "correct-horse-battery", Role.ADMIN)
        session.commit()
    client = app.test_client()
    assert (
        client.post("/forgot-password", data={"email": "someone@vendor.example"}).status_code == 302
    )

    delivered = _wait(lambda: inbox.messages)
    if not delivered:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode(errors="replace")
        pytest.fail(f"the worker delivered nothing; its output:\n{output[-3000:]}")
    _sender, recipients, content = delivered[0]
    assert recipients == ["someone@vendor.example"]
    parsed = email.message_from_bytes(content, policy=email.policy.default)
    assert parsed["Subject"] == "Reset your password"
    text = parsed.get_body(("plain",)).get_content()
    assert parsed.get_body(("html",)) is not None
    link = re.search(r"http://localhost/reset-password/[\w.-]+", text)
    assert link, text

    def sent():
        with app.app_context():
            message = session.execute(select(MailMessage)).scalar_one()
            status = message.status
            session.remove()
            return status == "sent"

    assert _wait(sent, 15), "the message row was not marked sent"
    # the link from the delivered mail works
    path = link.group(0).removeprefix("http://localhost")
    assert client.get(path).status_code == 200
