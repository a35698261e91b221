"""The audit log: who changed what."""

from __future__ import annotations

from datetime import date, datetime

from app.db import session
from app.models import AuditEntry


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _blank(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed (no value and an empty one are
    the same). Always pairs, also for a new object (``diff({}, values)``): a history shows
    each change as old and new, and a lone string would be read as a sequence of letters."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in after
        if before.get(key) != after.get(key)
        and not (_blank(before.get(key)) and _blank(after.get(key)))
    }


def record(actor, action: str, obj, *, partner_id: int | None = None, changes: dict | None = None):
    """Add an audit entry to the current unit of work (committed with the change itself)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None)
        or (actor if isinstance(actor, str) else "system"),
        partner_id=partner_id,
        action=action,
        object_type=type(obj).__name__.lower() if not isinstance(obj, str) else obj,
        object_id=str(getattr(obj, "id", "") or ""),
        changes=changes or {},
    )
    session.add(entry)
    return entry
