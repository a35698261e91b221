"""A real Celery worker process geocodes a location saved through the admin area."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.config import load_settings
from tests.conftest import REDIS_URL, _reset_database, need, port_open
from tests.worker.process import fail_with_output, start_worker, stop_worker
from tests.worker.test_worker import _wait

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


@pytest.fixture(params=["redis", "embedded"])
def locator_worker(request, tmp_path):
    env = {
        "TANDEM_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "worker-test-secret",
        "BASE_URL": "http://localhost",
    }
    if request.param == "redis":
        need(port_open(REDIS_URL, 6379), "Redis", "start redis-server or set TEST_REDIS_URL")
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        env |= {"REDIS_URL": REDIS_URL, "DATABASE_URL": request.getfixturevalue("pg_schema_url")}
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'instance' / 'tandem.sqlite'}"
    from app import create_app

    settings = load_settings(env)
    _reset_database(settings.database_url)
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    proc = start_worker(env)
    yield app, proc
    stop_worker(proc)


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

    location = _wait(placed, 90)
    if location is None:
        fail_with_output(proc, "the worker placed nothing")
    assert location.geocode_state == "city"
    assert round(location.latitude) == 46 and round(location.longitude) == 5
