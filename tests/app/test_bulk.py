"""Bulk writes of the session's transaction (``app.db.bulk_insert``, ``bulk_update``): COPY and
one UPDATE from arrays on PostgreSQL, executemany elsewhere; the same results on both."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db import bulk_insert, bulk_update, session, utcnow
from app.models import MailMessage, Suppression


def _message(to: str) -> dict:
    return {
        "created_at": utcnow(),
        "to_address": to,
        "subject": "Hi 'there' \\ \t tab",
        "text_body": "line one\nline two",
        "html_body": None,
        "category": "marketing",
        "headers": {"List-Unsubscribe": "<https://x/u>"},
        "status": "held",
        "attempts": 0,
        "error": "",
    }


def test_rows_are_inserted_with_their_ids_in_order_and_updated_at_once(app):
    ids = bulk_insert(
        MailMessage.__table__, [_message(f"p{i}@example.com") for i in range(5)], return_ids=True
    )
    session.commit()
    found = dict(session.execute(select(MailMessage.id, MailMessage.to_address)).all())
    assert [found[i] for i in ids] == [f"p{i}@example.com" for i in range(5)]
    message = session.get(MailMessage, ids[0])
    assert message.headers == {"List-Unsubscribe": "<https://x/u>"}
    assert message.subject == "Hi 'there' \\ \t tab" and message.html_body is None
    sent = utcnow()
    bulk_update(
        MailMessage.__table__,
        [
            {"_id": i, "status": "sent", "sent_at": sent if n % 2 else None}
            for n, i in enumerate(ids)
        ],
    )
    session.commit()
    rows = dict(session.execute(select(MailMessage.id, MailMessage.sent_at)).all())
    assert [rows[i] is not None for i in ids] == [False, True, False, True, False]
    assert set(session.execute(select(MailMessage.status)).scalars()) == {"sent"}


def test_a_unique_violation_raises_and_writes_nothing(app):
    bulk_insert(Suppression.__table__, [{"email": "a@example.com", "reason": "manual"}])
    session.commit()
    with pytest.raises(IntegrityError):
        bulk_insert(
            Suppression.__table__,
            [
                {"email": "b@example.com", "reason": "manual"},
                {"email": "a@example.com", "reason": "x"},
            ],
        )
    session.rollback()
    assert list(session.execute(select(Suppression.email)).scalars()) == ["a@example.com"]
