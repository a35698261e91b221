"""The SLA: a lead its partner did not answer in time moves on, by the beat.

Each waiting lead is a claimable row due at its ``sla_due_at`` (``app.claims``): the beat's
worker claims the due ones with one conditional UPDATE (on PostgreSQL, ``FOR UPDATE SKIP
LOCKED``), so two workers never take the same lead; a worker that dies leaves a claim whose
lease runs out, and the next tick takes the lead over, so none is lost. The move itself
commits only while this worker's claim (its attempt number) still holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from app import claims
from app.db import session, utcnow
from directory.leads import lifecycle
from directory.leads import rules as lead_rules
from directory.leads.models import Lead, SlaState

LEASE = timedelta(minutes=5)
BATCH = 100

SLA = claims.Claimable(
    table=Lead,
    id=Lead.id,
    state=Lead.sla_state,
    claimable=(SlaState.WAITING.value,),
    claimed=SlaState.REASSIGNING.value,
    claimed_at=Lead.sla_claimed_at,
    attempts=Lead.sla_attempts,
    lease=LEASE,
    due_at=Lead.sla_due_at,
)


def reassign_due(*, limit: int = BATCH, now: datetime | None = None) -> int:
    """Move on every lead whose partner's time to answer ran out; how many moved."""
    moved = 0
    while True:
        won = claims.claim_due(SLA, limit, now=now)
        for lead_id in won:
            moved += _time_out(lead_id, now=now)
        if len(won) < limit:
            return moved


def _time_out(lead_id: int, *, now: datetime | None = None) -> int:
    lead = session.get(Lead, lead_id, populate_existing=True)
    if lead is None or lead.sla_state != SlaState.REASSIGNING.value:
        session.rollback()
        return 0
    attempt = lead.sla_attempts
    hours = lead_rules.current().sla_hours
    lifecycle.move_on(lead, "timed_out", now=now or utcnow())
    lead.explanation = f"Not answered within {hours:g} hours. " + lead.explanation
    session.flush()
    # fence: commit only while this worker's claim holds (a later one took over otherwise)
    still_ours = session.execute(
        update(Lead)
        .where(Lead.id == lead_id, Lead.sla_attempts == attempt)
        .values(sla_claimed_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if still_ours != 1:
        session.rollback()
        return 0
    session.commit()
    return 1
