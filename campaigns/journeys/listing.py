"""What the journey screens list beyond campaigns.journeys.analytics: the enrollments at one
step, and how many of those inside are waiting (for a time or an event)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app import clock
from app.db import session
from campaigns.journeys.models import Enrollment, EnrollmentState, Prospect
from directory.models import Partner


def waiting_counts(journey_ids: list[int]) -> dict[int, int]:
    """{journey id: enrollments inside whose next step is not due yet}."""
    if not journey_ids:
        return {}
    return dict(
        session.execute(
            select(Enrollment.journey_id, func.count())
            .where(
                Enrollment.journey_id.in_(journey_ids),
                Enrollment.state == EnrollmentState.ACTIVE.value,
                Enrollment.next_run_at > clock.now(),
            )
            .group_by(Enrollment.journey_id)
        ).all()
    )


def enrollments_at_step(
    journey_id: int, step_id: str, *, state: str | None, page: int, per_page: int
) -> dict[str, Any]:
    """The journey's enrollments at STEP_ID now, as analytics.enrollments_page gives them."""
    query = (
        select(Enrollment, Partner.name, Prospect.company)
        .outerjoin(Partner, Partner.id == Enrollment.partner_id)
        .outerjoin(Prospect, Prospect.id == Enrollment.prospect_id)
        .where(Enrollment.journey_id == journey_id, Enrollment.step_id == step_id)
    )
    if state:
        states = ("active", "running") if state == "active" else (state,)
        query = query.where(Enrollment.state.in_(states))
    total = session.execute(
        select(func.count()).select_from(query.with_only_columns(Enrollment.id).subquery())
    ).scalar_one()
    rows = session.execute(
        query.order_by(Enrollment.id.desc()).limit(per_page).offset((max(page, 1) - 1) * per_page)
    ).all()
    return {
        "items": [
            {"enrollment": e, "subject": partner_name or company or ""}
            for e, partner_name, company in rows
        ],
        "total": total,
    }
