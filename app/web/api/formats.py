"""How dates and times appear in the API's JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def moment(value: datetime | None) -> str | None:
    """Stored times are naive UTC; the API says so."""
    return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z") if value else None
