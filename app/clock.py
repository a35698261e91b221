"""The time, injectable: ``now()`` is the wall clock unless a test (or a simulation) set it.

Naive UTC like ``app.db.utcnow``. ``set(when)`` freezes the clock at WHEN, ``advance(delta)``
moves a frozen clock on, ``reset()`` returns to the wall clock. ``TANDEM_CLOCK_OFFSET`` (in
seconds) shifts the wall clock for whole processes, so worker processes started by a test can
live weeks ahead.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from app.db import utcnow

_frozen: datetime | None = None
_offset = timedelta(seconds=float(os.environ.get("TANDEM_CLOCK_OFFSET", "0") or 0))


def now() -> datetime:
    if _frozen is not None:
        return _frozen
    return utcnow() + _offset


def set(when: datetime) -> None:  # noqa: A001 - clock.set reads well
    global _frozen
    _frozen = when.replace(tzinfo=None) if when.tzinfo is None else _naive(when)


def advance(delta: timedelta) -> datetime:
    """Move the clock on by DELTA (freezing it first if it runs); the new time."""
    global _frozen
    _frozen = now() + delta
    return _frozen


def reset() -> None:
    global _frozen
    _frozen = None


def _naive(when: datetime) -> datetime:
    from datetime import UTC

    return when.astimezone(UTC).replace(tzinfo=None)
