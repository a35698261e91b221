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

from tests.web.test_leads import FORM
from tests.worker.process import fail_with_output, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]

BERLIN = {"latitude": "52.52", "longitude": "13.405"}


@pytest.fixture
def lead_worker(smtp_server, app_and_worker):
    _inbox, port = smtp_server
    return app_and_worker("redis", MAIL_URL=f"smtp://127.0.0.1:{port}")


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

    if not wait_for(placed, 90):
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

    if not wait_for(delivered("carla@customer.example", "Your request to"), 60):
        fail_with_output(proc, "the worker sent the customer no confirmation")
    if not wait_for(delivered("admin@berlin.example", "A new lead is waiting for you"), 60):
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

    if not wait_for(moved, 60):
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
    if not wait_for(delivered("admin@potsdam.example", "A new lead is waiting for you"), 60):
        fail_with_output(proc, "the worker told the next partner nothing")
    assert _mail_to(inbox, "admin@berlin.example") == ["A new lead is waiting for you"]
