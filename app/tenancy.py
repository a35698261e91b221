"""Partner isolation: the one mechanism that keeps a partner user inside its own partner's rows.

Every model that belongs to a partner derives from ``PartnerScoped`` and exposes
``partner_scope_id``: ``PartnerOwned`` maps it to ``partner_id``; ``Partner`` maps it to its
id. While a scope is set on the session (``scope_to_partner``), every ORM SELECT, including
relationship loads and ``session.get``, and every ORM bulk ``update()`` / ``delete()`` gets
``WHERE <column> = <partner id>`` added by SQLAlchemy's ``with_loader_criteria``. A row of
another partner is therefore simply not found (nor changed), and the view answers 404 as for
any missing row. Views do not repeat the filter. (Objects already in the session before the
scope was set are not checked again when reached without SQL, as by ``session.get`` or a
many-to-one from the identity map: set the scope on a fresh session, as each request does.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Integer, column, event
from sqlalchemy.orm import ORMExecuteState, Session, declared_attr, synonym, with_loader_criteria

SCOPE_KEY = "partner_scope"


class PartnerScoped:
    """Base of every partner-scoped model: ``partner_scope_id`` names the owning partner.

    Subclasses map it (``PartnerOwned`` to ``partner_id``, ``Partner`` to its id). The base's
    own stand-in column is only read by SQLAlchemy while it builds the one scope criterion.
    """

    @declared_attr
    def partner_scope_id(cls):  # noqa: N805
        if cls is not PartnerScoped:
            raise TypeError(f"{cls.__name__} must map partner_scope_id")
        return column("partner_scope_id", Integer)


class PartnerOwned(PartnerScoped):
    """Mixin for rows that belong to exactly one partner via ``partner_id``."""

    @declared_attr
    def partner_scope_id(cls):  # noqa: N805
        return synonym("partner_id")


def scope_to_partner(session, partner_id: int | None) -> None:
    """Restrict every later query of ``session`` to ``partner_id`` (None lifts the scope)."""
    if partner_id is None:
        session.info.pop(SCOPE_KEY, None)
    else:
        session.info[SCOPE_KEY] = int(partner_id)


def current_scope(session) -> int | None:
    return session.info.get(SCOPE_KEY)


@contextmanager
def unscoped(session) -> Iterator[None]:
    """Temporarily lift the scope (for system work done on a partner user's behalf)."""
    saved = session.info.pop(SCOPE_KEY, None)
    try:
        yield
    finally:
        if saved is not None:
            session.info[SCOPE_KEY] = saved


@event.listens_for(Session, "do_orm_execute")
def _add_partner_criteria(state: ORMExecuteState) -> None:
    partner_id = state.session.info.get(SCOPE_KEY)
    if partner_id is None or state.is_column_load:
        # no scope, or refreshing columns of an object that was loaded under the scope
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(*_criteria(partner_id))


@lru_cache(maxsize=4096)
def _criteria(partner_id: int) -> tuple:
    """The scope of one partner as one loader criterion on the common base, built once: it
    applies to every partner-scoped class a statement touches."""
    return (
        with_loader_criteria(
            PartnerScoped, lambda c: c.partner_scope_id == partner_id, include_aliases=True
        ),
    )
