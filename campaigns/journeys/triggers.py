"""Entry triggers: events enroll their subject into every live journey that starts on them.

``fire`` is called where the event happens in the campaigns domain (a launch, a download,
an application) and, for the directory's events (partner created, status or tier changed),
by the tick reading the directory's partner events (``directory.events``): the directory
imports nothing of journeys.
"""

from __future__ import annotations

from sqlalchemy import select, update

from app import clock
from app.db import session
from campaigns.journeys import definition as d
from campaigns.journeys import enrollments
from campaigns.journeys.models import Journey, JourneyStatus, JourneyVersion
from directory.events import PartnerEvent

EVENT_BATCH = 500


def live_journeys() -> list[tuple[Journey, dict]]:
    """The live journeys with their current definitions."""
    rows = session.execute(
        select(Journey, JourneyVersion.definition)
        .join(JourneyVersion, JourneyVersion.id == Journey.current_version_id)
        .where(Journey.status == JourneyStatus.LIVE.value)
        .order_by(Journey.id)
    ).all()
    return [(journey, definition) for journey, definition in rows]


def _starts_on(definition: dict, event: str, data: dict) -> bool:
    trigger = d.trigger(definition)
    if trigger.get("kind") != "event" or trigger.get("event") != event:
        return False
    # an optional filter on the event's data, e.g. {"to_status": "onboarding"}
    wanted = trigger.get("when") or {}
    return all(str(data.get(key)) == str(value) for key, value in wanted.items())


def fire(
    event: str,
    *,
    partner_id: int | None = None,
    prospect_id: int | None = None,
    data: dict | None = None,
) -> int:
    """Enroll the subject in every live journey that starts on EVENT (re-entry rules honoured),
    and wake its enrollments that wait on something; how many enrollments were made.

    Adds to the caller's unit of work (the caller commits, with the change that fired).
    """
    data = dict(data or {})
    if partner_id is None and prospect_id is None:
        return 0
    enrolled = 0
    for journey, definition in live_journeys():
        if not _starts_on(definition, event, data):
            continue
        kind = d.audience_kind(definition)
        if kind == "prospects" and prospect_id is None:
            continue
        if kind == "partners" and partner_id is None:
            continue
        made = enrollments.enroll(
            journey,
            partner_id=partner_id if kind == "partners" else None,
            prospect_id=prospect_id if kind == "prospects" else None,
            source=f"trigger:{event}",
            data=data,
        )
        enrolled += made is not None
    enrollments.wake(partner_id=partner_id, prospect_id=prospect_id)
    return enrolled


def fire_many(event: str, partner_ids: list[int], data: dict | None = None) -> int:
    """``fire`` for many partners at once (a campaign launched to thousands): the live
    journeys are read once; none starting on EVENT costs one query."""
    journeys = [(j, dfn) for j, dfn in live_journeys() if _starts_on(dfn, event, dict(data or {}))]
    if not journeys:
        return 0
    return sum(fire(event, partner_id=pid, data=data) for pid in partner_ids)


def process_partner_events(limit: int = EVENT_BATCH) -> int:
    """Fire the triggers for the directory's recorded events not handled yet; how many.

    The events are taken with one conditional UPDATE (SKIP LOCKED on PostgreSQL) and fired in
    the same transaction, so two ticks never fire the same event. Commits.
    """
    pick = (
        select(PartnerEvent.id)
        .where(PartnerEvent.handled_at.is_(None))
        .order_by(PartnerEvent.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list(session.execute(pick).scalars())
    if not ids:
        session.commit()
        return 0
    session.execute(
        update(PartnerEvent)
        .where(PartnerEvent.id.in_(ids), PartnerEvent.handled_at.is_(None))
        .values(handled_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    events = session.execute(
        select(PartnerEvent.kind, PartnerEvent.partner_id, PartnerEvent.data)
        .where(PartnerEvent.id.in_(ids))
        .order_by(PartnerEvent.id)
    ).all()
    for kind, partner_id, data in events:
        fire(kind, partner_id=partner_id, data=dict(data or {}))
    session.commit()
    return len(events)


def enter_audiences(limit: int = 5000) -> int:
    """Enroll the partners (or prospects) that newly match the audience of a live journey
    whose trigger is entering its audience; how many. Commits."""
    from campaigns.journeys import audience
    from campaigns.journeys.models import Enrollment

    enrolled = 0
    for journey, definition in live_journeys():
        if d.trigger(definition).get("kind") != "audience":
            continue
        prospects = d.audience_kind(definition) == "prospects"
        query = (
            audience.prospect_query(definition) if prospects else audience.partner_query(definition)
        )
        column = Enrollment.prospect_id if prospects else Enrollment.partner_id
        inside = select(column).where(Enrollment.journey_id == journey.id, column.is_not(None))
        if (d.reentry(definition).get("mode") or "once") == "once":
            query = query.where(query.selected_columns[0].not_in(inside))
        for subject_id in session.execute(query.limit(limit)).scalars():
            made = enrollments.enroll(
                journey,
                partner_id=None if prospects else subject_id,
                prospect_id=subject_id if prospects else None,
                source="audience",
                check_audience=False,
            )
            enrolled += made is not None
    session.commit()
    return enrolled


def date_triggers(limit: int = 5000) -> int:
    """Enroll the partners whose date field (created, status changed) plus the journey's days
    fell in the last two days; the re-entry rule stops repeats. Commits."""
    from datetime import timedelta

    from campaigns.journeys import audience
    from directory.models import Partner

    enrolled = 0
    now = clock.now()
    for journey, definition in live_journeys():
        trig = d.trigger(definition)
        if trig.get("kind") != "date" or d.audience_kind(definition) != "partners":
            continue
        column = getattr(Partner, trig.get("field") or "created_at")
        due = now - timedelta(days=int(trig.get("days_after") or 0))
        query = audience.partner_query(definition).where(
            column <= due, column > due - timedelta(days=2)
        )
        for partner_id in session.execute(query.limit(limit)).scalars():
            made = enrollments.enroll(
                journey, partner_id=partner_id, source="date", check_audience=False
            )
            enrolled += made is not None
    session.commit()
    return enrolled
