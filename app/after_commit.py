"""Work handed to the task broker once the transaction that makes it visible commits.

A worker must never look for rows that are not committed yet, and work for rows that were
rolled back must not be sent at all. Callers add items under a kind, with the function
that sends all items of that kind; after the session commits each function is called
once with its items (in the order added, each once), and after a rollback they are
forgotten. A savepoint (``begin_nested``) released or rolled back does neither. A broker
failure is logged, not raised: the rows are committed, and the domain's sweepers send the
work again from the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import event

from app.db import session

log = logging.getLogger(__name__)

_KEY = "after_commit"

Sender = Callable[[list[Any]], None]


def add(kind: str, item: Hashable, send: Sender) -> None:
    """Send ITEM (with the other items of KIND, by SEND) after the current commit."""
    pending: dict[str, tuple[dict, Sender]] = session.info.setdefault(_KEY, {})
    items, _send = pending.setdefault(kind, ({}, send))
    items.setdefault(item, None)


def in_transaction() -> bool:
    return session().in_transaction()


@event.listens_for(session, "after_commit")
def _send_after_commit(sess) -> None:
    if sess.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    for kind, (items, send) in sess.info.pop(_KEY, {}).items():
        try:
            send(list(items))
        except Exception:  # noqa: BLE001 - committed rows; the sweepers send it again
            log.exception("could not hand %d item(s) of %s to the task broker", len(items), kind)


@event.listens_for(session, "after_rollback")
def _forget_after_rollback(sess) -> None:
    # back to a savepoint: what the transaction added before (and in) it stays; work of
    # rows rolled back is harmless for the workers, which look rows up before acting
    if sess.in_nested_transaction():
        return
    sess.info.pop(_KEY, None)
