"""What the journey screens and the API list: a journey's enrollments (by state, by step), and
how many of those inside are waiting (for a time or an event)."""

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


def enrollments_page(
    journey_id: int,
    *,
    state: str | None = None,
    step: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """The journey's enrollments (those in STATE, those at STEP now), newest first, with the
    subject's name: {"items": [{"enrollment", "subject"}], "total"}."""
    query = (
        select(Enrollment, Partner.name, Prospect.company)
        .outerjoin(Partner, Partner.id == Enrollment.partner_id)
        .outerjoin(Prospect, Prospect.id == Enrollment.prospect_id)
        .where(Enrollment.journey_id == journey_id)
    )
    if step:
        query = query.where(Enrollment.step_id == step)
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
