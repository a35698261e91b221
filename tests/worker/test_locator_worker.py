"""A real Celery worker process geocodes a location saved through the admin area."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.worker.process import BROKERS, fail_with_output, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


@pytest.fixture(params=BROKERS)
def locator_worker(request, app_and_worker):
    return app_and_worker(request.param)


def test_a_saved_location_is_placed_by_the_worker(locator_worker):
    from app.db import session
    from directory import locations
    from directory.models import Location
    from tests.factories.directory import make_partner, make_tiers

    app, proc = locator_worker
    with app.app_context():
        make_tiers()
        partner = make_partner("Worker Partner")
        locations.add_location(
            partner, {"city": "Lyon", "country_code": "FR", "postal_code": "69001"}, "test"
        )
        session.commit()

    def placed():
        with app.app_context():
            location = session.execute(select(Location)).scalar_one()
            session.remove()
            return location if location.geocode_state != "pending" else None

    location = wait_for(placed, 90)
    if location is None:
        fail_with_output(proc, "the worker placed nothing")
    assert location.geocode_state == "city"
    assert round(location.latitude) == 46 and round(location.longitude) == 5
