"""Fixtures for the journey tests: partners to address, a frozen clock, journeys built and
published through the domain functions."""

from __future__ import annotations

from datetime import datetime

import pytest

from app import clock
from app.db import session
from campaigns.journeys import lifecycle
from tests.factories.directory import make_partner, make_tiers

# a Monday, 10:00 UTC
START = datetime(2026, 6, 1, 10, 0)


@pytest.fixture
def frozen(app):
    clock.set(START)
    yield clock
    clock.reset()


@pytest.fixture
def partners(app, frozen):
    with app.app_context():
        make_tiers()
        made = [
            make_partner("Alpha Solar", tier="Gold"),
            make_partner("Beta Energy", tier="Silver"),
            make_partner("Gamma Heat", tier="Silver", countries="US"),
        ]
        session.commit()
        yield made


def build(definition: dict, name: str = "Test journey", *, publish: bool = True):
    journey = lifecycle.create_journey({"name": name, "definition": definition}, "test")
    if publish:
        lifecycle.publish(journey, "test")
    session.commit()
    return journey


def email(step_id: str, next_step: str | None = None, subject: str = "Hello {{ name }}") -> dict:
    step = {"id": step_id, "type": "email", "subject": subject, "body": "Hi {{ contact_name }}."}
    if next_step:
        step["next"] = next_step
    return step


@pytest.fixture
def journey_with():
    return build
