"""A real Celery worker process: mail queued by the web is delivered over SMTP by the worker.

Runs once with Redis as the broker and PostgreSQL as the database, and once with the embedded
defaults (kombu's SQLAlchemy transport on SQLite, SQLite database), as `make run` uses them.
"""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from sqlalchemy import select

from tests.worker.process import BROKERS, fail_with_output, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


@pytest.fixture(params=BROKERS)
def running_worker(request, smtp_server, app_and_worker):
    """The web side's app plus a `tandem worker` process sharing its configuration."""
    _inbox, port = smtp_server
    return app_and_worker(request.param, MAIL_URL=f"smtp://127.0.0.1:{port}")


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

    delivered = wait_for(lambda: inbox.messages)
    if not delivered:
        fail_with_output(proc, "the worker delivered nothing")
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

    assert wait_for(sent, 15), "the message row was not marked sent"
    # the link from the delivered mail works
    path = link.group(0).removeprefix("http://localhost")
    assert client.get(path).status_code == 200
