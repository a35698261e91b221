"""The partner scope (app/tenancy.py) beyond plain SELECTs: relationship loads and ORM bulk
UPDATE and DELETE statements see only the scoped partner's rows, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from app.db import session
from app.tenancy import scope_to_partner, unscoped
from directory.models import Location, Partner, PartnerStatusChange


@pytest.fixture
def scoped(app, world):
    """A fresh session of the app, scoped to partner B while the test runs."""
    with app.app_context():
        session.remove()
        yield world
        scope_to_partner(session, None)
        session.rollback()
        session.remove()


def _locations() -> list[tuple[int, str, str]]:
    with unscoped(session):
        rows = session.execute(
            select(Location.partner_id, Location.label, Location.city).order_by(Location.id)
        ).all()
    return [tuple(row) for row in rows]


def test_relationship_collections_of_another_partner_load_empty(scoped):
    world = scoped
    # partner A loaded before the scope is set, its collections not loaded yet
    alpha = session.get(Partner, world.a_id)
    with unscoped(session):
        assert session.scalar(select(Location.id).where(Location.partner_id == world.a_id)), (
            "partner A has a location to hide"
        )
    scope_to_partner(session, world.b_id)

    assert alpha.locations == []
    assert alpha.status_history == []
    assert alpha.brand_kit is None

    # the positive control: B's own collections load under B's scope
    bravo = session.get(Partner, world.b_id)
    assert [(loc.partner_id, loc.label) for loc in bravo.locations] == [(world.b_id, "HQ")]
    assert {change.partner_id for change in bravo.status_history} == {world.b_id}
    assert bravo.brand_kit is not None and bravo.brand_kit.partner_id == world.b_id


def test_bulk_update_touches_only_the_scoped_partners_rows(scoped):
    world = scoped
    assert _locations() == [(world.a_id, "HQ", "Berlin"), (world.b_id, "HQ", "Berlin")]
    scope_to_partner(session, world.b_id)

    result = session.execute(
        update(Location).where(Location.city == "Berlin").values(label="Moved")
    )
    assert result.rowcount == 1
    renamed = session.execute(update(Partner).values(description="scoped update"))
    assert renamed.rowcount == 1
    session.commit()

    assert _locations() == [(world.a_id, "HQ", "Berlin"), (world.b_id, "Moved", "Berlin")]
    with unscoped(session):
        descriptions = dict(session.execute(select(Partner.id, Partner.description)).all())
    assert descriptions[world.b_id] == "scoped update"
    assert descriptions[world.a_id] != "scoped update"


def test_bulk_delete_touches_only_the_scoped_partners_rows(scoped):
    world = scoped
    with unscoped(session):
        history_of_a = session.scalar(
            select(PartnerStatusChange.id).where(PartnerStatusChange.partner_id == world.a_id)
        )
    scope_to_partner(session, world.b_id)

    result = session.execute(delete(Location).where(Location.city == "Berlin"))
    assert result.rowcount == 1
    session.execute(delete(PartnerStatusChange))
    session.commit()

    assert _locations() == [(world.a_id, "HQ", "Berlin")]
    with unscoped(session):
        left = session.execute(select(PartnerStatusChange.partner_id)).scalars().all()
    assert set(left) == {world.a_id} and history_of_a is not None
