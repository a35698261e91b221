"""Putting subjects into journeys: enrollment with the re-entry rule, and waking them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from app import clock
from app.db import session
from campaigns.journeys import audience
from campaigns.journeys import definition as d
from campaigns.journeys.models import (
    Enrollment,
    EnrollmentState,
    Journey,
    JourneyStatus,
    JourneyVersion,
)

OPEN_STATES = (EnrollmentState.ACTIVE.value, EnrollmentState.RUNNING.value, "paused")


def _subject(query, partner_id: int | None, prospect_id: int | None):
    if partner_id is not None:
        return query.where(Enrollment.partner_id == partner_id)
    return query.where(Enrollment.prospect_id == prospect_id)


def may_enter(
    journey: Journey, definition: dict, *, partner_id: int | None, prospect_id: int | None
) -> bool:
    """The re-entry rule: never twice at once; then once ever, after N days, or every time."""
    base = _subject(
        select(func.count(), func.max(Enrollment.entered_at)).where(
            Enrollment.journey_id == journey.id
        ),
        partner_id,
        prospect_id,
    )
    open_count = session.execute(
        base.where(Enrollment.state.in_(OPEN_STATES)).with_only_columns(func.count())
    ).scalar_one()
    if open_count:
        return False
    total, last = session.execute(base).one()
    if not total:
        return True
    rule = d.reentry(definition)
    mode = rule.get("mode") or "once"
    if mode == "always":
        return True
    if mode == "after_days":
        return last is None or clock.now() - last >= timedelta(days=int(rule.get("days") or 0))
    return False


def enroll(
    journey: Journey,
    *,
    partner_id: int | None = None,
    prospect_id: int | None = None,
    source: str = "manual",
    data: dict[str, Any] | None = None,
    check_audience: bool = True,
) -> Enrollment | None:
    """Enroll one subject in JOURNEY's current version; None when it may not enter (not in the
    audience, already inside, the re-entry rule). Adds to the session; the caller commits."""
    if (partner_id is None) == (prospect_id is None):
        raise ValueError("enroll a partner or a prospect")
    if journey.status != JourneyStatus.LIVE.value or journey.current_version_id is None:
        return None
    version = session.get(JourneyVersion, journey.current_version_id)
    definition = version.definition
    kind = d.audience_kind(definition)
    if (kind == "prospects") != (prospect_id is not None):
        return None
    if check_audience and not audience.matches(
        definition, partner_id=partner_id, prospect_id=prospect_id
    ):
        return None
    if not may_enter(journey, definition, partner_id=partner_id, prospect_id=prospect_id):
        return None
    first = d.first_step_id(definition)
    now = clock.now()
    enrollment = Enrollment(
        journey_id=journey.id,
        version_id=version.id,
        partner_id=partner_id,
        prospect_id=prospect_id,
        step_id=first,
        state=EnrollmentState.ACTIVE.value if first else EnrollmentState.DONE.value,
        exit_reason="" if first else "completed",
        next_run_at=now if first else None,
        step_started_at=now,
        source=source[:40],
        data=dict(data or {}),
        entered_at=now,
        finished_at=None if first else now,
    )
    session.add(enrollment)
    session.flush()
    return enrollment


def wake(*, partner_id: int | None = None, prospect_id: int | None = None) -> int:
    """Something happened to a subject: its enrollments waiting on an event run now.

    Uses the (partner_id, state) / (prospect_id, state) indexes: no scan of the table. The
    woken step checks whether what it waits for happened (a spurious wake sleeps again).
    """
    query = update(Enrollment).where(
        Enrollment.state == EnrollmentState.ACTIVE.value, Enrollment.waiting_on != ""
    )
    if partner_id is not None:
        query = query.where(Enrollment.partner_id == partner_id)
    elif prospect_id is not None:
        query = query.where(Enrollment.prospect_id == prospect_id)
    else:
        return 0
    result = session.execute(
        query.values(next_run_at=clock.now()).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def bulk_enroll(journey: Journey, partner_ids: list[int], *, source: str = "manual") -> int:
    """Enroll many partners at once with one INSERT per thousand (an import, an audience
    entry, the benchmark): those already in the journey are left out, the audience is not
    checked again (the caller chose them by it); how many. The caller commits."""
    if journey.status != JourneyStatus.LIVE.value or journey.current_version_id is None:
        return 0
    version = session.get(JourneyVersion, journey.current_version_id)
    first = d.first_step_id(version.definition)
    if first is None:
        return 0
    inside = set(
        session.execute(
            select(Enrollment.partner_id).where(
                Enrollment.journey_id == journey.id, Enrollment.partner_id.is_not(None)
            )
        ).scalars()
    )
    now = clock.now()
    rows = [
        {
            "journey_id": journey.id,
            "version_id": version.id,
            "partner_id": pid,
            "step_id": first,
            "state": EnrollmentState.ACTIVE.value,
            "exit_reason": "",
            "next_run_at": now,
            "step_started_at": now,
            "waiting_on": "",
            "seq": 0,
            "attempts": 0,
            "source": source[:40],
            "data": {},
            "error": "",
            "entered_at": now,
        }
        for pid in dict.fromkeys(partner_ids)
        if pid not in inside
    ]
    for start in range(0, len(rows), 1000):
        session.execute(insert(Enrollment), rows[start : start + 1000])
    return len(rows)
