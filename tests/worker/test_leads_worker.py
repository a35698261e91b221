"""A real Celery worker process runs the lead work, with Redis as the broker, PostgreSQL as the
database and an SMTP server on loopback: it places the partners' locations (geocoding), sends
the customer's confirmation and the partner's notice of a lead routed by the web, and when the
partner lets the SLA run out it routes the lead on to the next partner and tells that one."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.config import load_settings
from tests.conftest import REDIS_URL, _reset_database, need, port_open
from tests.web.test_leads import FORM
from tests.worker.process import fail_with_output, start_worker, stop_worker
from tests.worker.test_worker import _wait

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]

BERLIN = {"latitude": "52.52", "longitude": "13.405"}


@pytest.fixture
def lead_worker(request, tmp_path, smtp_server):
    need(port_open(REDIS_URL, 6379), "Redis", "start redis-server or set TEST_REDIS_URL")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    _inbox, port = smtp_server
    env = {
        "TANDEM_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "worker-test-secret",
        "BASE_URL": "http://localhost",
        "MAIL_URL": f"smtp://127.0.0.1:{port}",
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": request.getfixturevalue("pg_schema_url"),
    }
    from app import create_app

    settings = load_settings(env)
    _reset_database(settings.database_url)
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    proc = start_worker(env)
    yield app, proc
    stop_worker(proc)
    redis.Redis.from_url(REDIS_URL).flushdb()


def _mail_to(inbox, address: str):
    """The subjects of the messages the SMTP server received for ADDRESS."""
    subjects = []
    for _sender, recipients, content in list(inbox.messages):
        if address in recipients:
            parsed = email.message_from_bytes(content, policy=email.policy.default)
            subjects.append(parsed["Subject"])
    return subjects


def test_the_worker_places_confirms_and_routes_leads_on(lead_worker, smtp_server):
    from app import jobs
    from app.db import session, utcnow
    from app.models import Role
    from directory import locations, people
    from directory.leads.models import Lead, LeadEvent
    from directory.models import Location
    from tests.factories.directory import PASSWORD, make_partner, make_tiers

    app, proc = lead_worker
    inbox, _port = smtp_server
    with app.app_context():
        make_tiers()
        for name, key, city, postcode in (
            ("Berlin Solar", "berlin", "Berlin", "10115"),
            ("Potsdam Solar", "potsdam", "Potsdam", "14467"),
        ):
            partner = make_partner(name)
            partner.listed_in_locator = True
            people.create_user(
                f"admin@{key}.example", PASSWORD, Role.PARTNER_ADMIN, partner_id=partner.id
            )
            # no coordinates: the worker's geocoding task places them
            locations.add_location(
                partner, {"city": city, "postal_code": postcode, "country_code": "DE"}, "test"
            )
        session.commit()

    def placed():
        with app.app_context():
            states = session.execute(select(Location.geocode_state)).scalars().all()
            session.remove()
            return states and all(s not in ("pending", "failed") for s in states)

    if not _wait(placed, 90):
        fail_with_output(proc, "the worker placed no location")

    client = app.test_client()
    sent = client.post(
        "/request",
        data={**FORM, "partner": "any", **BERLIN},
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    with app.app_context():
        lead = session.execute(select(Lead)).scalar_one()
        lead_id, first = lead.id, lead.partner.name
        session.remove()
    assert first == "Berlin Solar"

    def delivered(address: str, subject: str):
        return lambda: any(subject in s for s in _mail_to(inbox, address))

    if not _wait(delivered("carla@customer.example", "Your request to"), 60):
        fail_with_output(proc, "the worker sent the customer no confirmation")
    if not _wait(delivered("admin@berlin.example", "A new lead is waiting for you"), 60):
        fail_with_output(proc, "the worker told the partner nothing")

    # the partner lets the time to answer run out; the beat's task (sent here by name, as
    # the beat sends it) moves the lead on in the worker
    with app.app_context():
        lead = session.get(Lead, lead_id)
        lead.sla_due_at = utcnow() - timedelta(minutes=1)
        session.commit()
        jobs.send("tandem.leads.sla", [])
        session.remove()

    def moved():
        with app.app_context():
            lead = session.get(Lead, lead_id)
            name = lead.partner.name if lead.partner else None
            session.remove()
            return name == "Potsdam Solar"

    if not _wait(moved, 60):
        fail_with_output(proc, "the worker did not move the lead on")
    with app.app_context():
        lead = session.get(Lead, lead_id)
        assert lead.status == "new" and lead.sla_state == "waiting"
        assert lead.explanation.startswith("Not answered within 24 hours. Sent to Potsdam Solar")
        kinds = session.execute(
            select(LeadEvent.kind).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
        ).scalars()
        assert list(kinds) == ["received", "sent", "timed_out", "sent"]
        session.remove()
    if not _wait(delivered("admin@potsdam.example", "A new lead is waiting for you"), 60):
        fail_with_output(proc, "the worker told the next partner nothing")
    assert _mail_to(inbox, "admin@berlin.example") == ["A new lead is waiting for you"]
