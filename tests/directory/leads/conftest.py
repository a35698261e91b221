"""The lead tests' shared fixture: an application context on the parametrized database."""

from __future__ import annotations

import pytest

from app.db import session


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        session.remove()
