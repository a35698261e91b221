"""What the screens and the API show about journeys: the list with counts, the funnel per step,
each email step's sends, opens, clicks and unsubscribes, goal conversion, the enrollments'
paths, a chart over time and a CSV export. Reads only."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select

from app import clock
from app.db import session
from campaigns.journeys import definition as d
from campaigns.journeys.models import (
    Enrollment,
    EnrollmentState,
    Journey,
    JourneySend,
    JourneyVersion,
    Prospect,
    StepRun,
)
from directory.models import Partner

STATE_KEYS = ("active", "running", "paused", "done")


def state_counts(journey_ids: list[int] | None = None) -> dict[int, dict[str, int]]:
    """{journey id: {"active": n, "paused": n, "done": n, "goal": n, "total": n}}."""
    query = select(
        Enrollment.journey_id,
        Enrollment.state,
        func.count(),
        func.count(Enrollment.goal_reached_at),
    ).group_by(Enrollment.journey_id, Enrollment.state)
    if journey_ids is not None:
        query = query.where(Enrollment.journey_id.in_(journey_ids))
    out: dict[int, dict[str, int]] = defaultdict(
        lambda: {"active": 0, "paused": 0, "done": 0, "goal": 0, "total": 0}
    )
    for journey_id, state, count, goals in session.execute(query).all():
        counts = out[journey_id]
        key = "active" if state == EnrollmentState.RUNNING.value else state
        counts[key] = counts.get(key, 0) + count
        counts["goal"] += goals
        counts["total"] += count
    return out


def list_journeys(status: str | None = None) -> list[dict[str, Any]]:
    """Every journey, newest first, with its version number and enrollment counts."""
    query = select(Journey, JourneyVersion.number).outerjoin(
        JourneyVersion, JourneyVersion.id == Journey.current_version_id
    )
    if status:
        query = query.where(Journey.status == status)
    rows = session.execute(query.order_by(Journey.id.desc())).all()
    counts = state_counts([journey.id for journey, _n in rows])
    empty = {"active": 0, "paused": 0, "done": 0, "goal": 0, "total": 0}
    return [
        {"journey": journey, "version": number, "counts": counts.get(journey.id, empty)}
        for journey, number in rows
    ]


def funnel(journey_id: int) -> list[dict[str, Any]]:
    """Per step of the current version, in order: how many entered it (executed it), are
    waiting at it now, completed it, and exited or reached the goal there."""
    journey = session.get(Journey, journey_id)
    if journey is None:
        return []
    definition = (journey.current_version.definition if journey.current_version else None) or (
        journey.draft or {}
    )
    ran = dict(
        session.execute(
            select(StepRun.step_id, func.count(func.distinct(StepRun.enrollment_id)))
            .where(StepRun.journey_id == journey_id)
            .group_by(StepRun.step_id)
        ).all()
    )
    waiting = dict(
        session.execute(
            select(Enrollment.step_id, func.count())
            .where(
                Enrollment.journey_id == journey_id,
                Enrollment.state.in_(("active", "running", "paused")),
            )
            .group_by(Enrollment.step_id)
        ).all()
    )
    # where each finished enrollment ended: its last step run
    last_seq = (
        select(StepRun.enrollment_id, func.max(StepRun.seq).label("seq"))
        .where(StepRun.journey_id == journey_id)
        .group_by(StepRun.enrollment_id)
        .subquery()
    )
    ended = defaultdict(lambda: defaultdict(int))
    for step_id, reason, count in session.execute(
        select(StepRun.step_id, Enrollment.exit_reason, func.count())
        .join(
            last_seq,
            (last_seq.c.enrollment_id == StepRun.enrollment_id) & (last_seq.c.seq == StepRun.seq),
        )
        .join(Enrollment, Enrollment.id == StepRun.enrollment_id)
        .where(Enrollment.state == EnrollmentState.DONE.value)
        .group_by(StepRun.step_id, Enrollment.exit_reason)
    ).all():
        ended[step_id][reason] += count
    out = []
    for step in definition.get("steps") or []:
        sid = step["id"]
        entered = ran.get(sid, 0) + waiting.get(sid, 0)
        exits = ended.get(sid, {})
        out.append(
            {
                "step": sid,
                "type": step.get("type"),
                "title": step.get("title") or d.STEP_TYPE_LABELS.get(step.get("type"), ""),
                "entered": entered,
                "waiting": waiting.get(sid, 0),
                "completed": ran.get(sid, 0),
                "exited": sum(n for reason, n in exits.items() if reason != "goal"),
                "goal": exits.get("goal", 0),
            }
        )
    return out


def email_stats(journey_id: int) -> list[dict[str, Any]]:
    """Per email step: sends, opens (and how many only by privacy proxies), clicks,
    unsubscribes, with rates over the sends."""
    rows = session.execute(
        select(
            JourneySend.step_id,
            func.count(),
            func.count(JourneySend.opened_at),
            func.sum(case((JourneySend.opened_by_proxy.is_(True), 1), else_=0)),
            func.count(JourneySend.clicked_at),
            func.count(JourneySend.unsubscribed_at),
            func.sum(case((JourneySend.status == "suppressed", 1), else_=0)),
        )
        .where(JourneySend.journey_id == journey_id)
        .group_by(JourneySend.step_id)
        .order_by(JourneySend.step_id)
    ).all()
    out = []
    for step_id, sends, opens, proxy, clicks, unsubscribes, suppressed in rows:
        out.append(
            {
                "step": step_id,
                "sends": sends,
                "opens": opens,
                "proxy_opens": int(proxy or 0),
                "clicks": clicks,
                "unsubscribes": unsubscribes,
                "suppressed": int(suppressed or 0),
                "open_rate": round(opens / sends, 4) if sends else 0.0,
                "click_rate": round(clicks / sends, 4) if sends else 0.0,
            }
        )
    return out


def conversion(journey_id: int) -> dict[str, Any]:
    """How many entered, how many reached the goal, and the rate."""
    entered, goals = session.execute(
        select(func.count(), func.count(Enrollment.goal_reached_at)).where(
            Enrollment.journey_id == journey_id
        )
    ).one()
    return {"entered": entered, "goal": goals, "rate": round(goals / entered, 4) if entered else 0}


def over_time(journey_id: int, days: int = 30) -> list[dict[str, Any]]:
    """Per day of the last DAYS: enrollments that entered, emails sent, clicks, goals."""
    today = clock.now().date()
    start = today - timedelta(days=days - 1)
    series: dict[date, dict[str, int]] = {
        start + timedelta(days=i): {"entered": 0, "sent": 0, "clicks": 0, "goals": 0}
        for i in range(days)
    }

    def count_by_day(column, *where) -> dict[date, int]:
        out: dict[date, int] = defaultdict(int)
        for (at,) in session.execute(select(column).where(column.is_not(None), *where)).all():
            out[at.date()] += 1
        return out

    since = clock.now() - timedelta(days=days)
    sources = {
        "entered": count_by_day(
            Enrollment.entered_at,
            Enrollment.journey_id == journey_id,
            Enrollment.entered_at >= since,
        ),
        "sent": count_by_day(
            JourneySend.sent_at, JourneySend.journey_id == journey_id, JourneySend.sent_at >= since
        ),
        "clicks": count_by_day(
            JourneySend.clicked_at,
            JourneySend.journey_id == journey_id,
            JourneySend.clicked_at >= since,
        ),
        "goals": count_by_day(
            Enrollment.goal_reached_at,
            Enrollment.journey_id == journey_id,
            Enrollment.goal_reached_at >= since,
        ),
    }
    for key, per_day in sources.items():
        for day, count in per_day.items():
            if day in series:
                series[day][key] = count
    return [{"day": day.isoformat(), **values} for day, values in sorted(series.items())]


def path(enrollment_id: int) -> list[dict[str, Any]]:
    """The steps an enrollment went through, in order."""
    return [
        {"seq": seq, "step": step_id, "outcome": outcome, "due_at": due_at, "ran_at": ran_at}
        for seq, step_id, outcome, due_at, ran_at in session.execute(
            select(StepRun.seq, StepRun.step_id, StepRun.outcome, StepRun.due_at, StepRun.ran_at)
            .where(StepRun.enrollment_id == enrollment_id)
            .order_by(StepRun.seq)
        ).all()
    ]


def export_csv(journey_id: int) -> str:
    """One line per enrollment: subject, state, exit, step, dates, emails, opens, clicks."""
    sends = defaultdict(lambda: [0, 0, 0])
    for enrollment_id, count, opens, clicks in session.execute(
        select(
            JourneySend.enrollment_id,
            func.count(),
            func.count(JourneySend.opened_at),
            func.count(JourneySend.clicked_at),
        )
        .where(JourneySend.journey_id == journey_id)
        .group_by(JourneySend.enrollment_id)
    ).all():
        sends[enrollment_id] = [count, opens, clicks]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "enrollment",
            "subject",
            "kind",
            "state",
            "exit",
            "step",
            "entered",
            "finished",
            "goal reached",
            "emails",
            "opens",
            "clicks",
        ]
    )
    rows = session.execute(
        select(Enrollment, Partner.name, Prospect.company)
        .outerjoin(Partner, Partner.id == Enrollment.partner_id)
        .outerjoin(Prospect, Prospect.id == Enrollment.prospect_id)
        .where(Enrollment.journey_id == journey_id)
        .order_by(Enrollment.id)
    ).all()
    for e, partner_name, company in rows:
        count, opens, clicks = sends[e.id]
        writer.writerow(
            [
                e.id,
                _cell(partner_name or company or ""),
                "partner" if e.partner_id else "prospect",
                e.state,
                e.exit_reason,
                e.step_id or "",
                e.entered_at.isoformat(timespec="seconds"),
                e.finished_at.isoformat(timespec="seconds") if e.finished_at else "",
                e.goal_reached_at.isoformat(timespec="seconds") if e.goal_reached_at else "",
                count,
                opens,
                clicks,
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
