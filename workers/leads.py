"""Lead tasks (``tandem.leads.<verb>``): thin, each calls directory.leads."""

from __future__ import annotations

from celery.schedules import crontab

from app.db import session
from app.jobs import celery
from directory.leads import privacy, sla

BEAT_SCHEDULE = {
    # every minute: leads not answered within the SLA move on to the next partner
    "leads-sla": {"task": "tandem.leads.sla", "schedule": 60.0},
    # every night at 03:15 UTC: leads past the retention are anonymized or deleted
    "leads-retention": {"task": "tandem.leads.retention", "schedule": crontab(15, 3)},
}


@celery.task(name="tandem.leads.sla")
def reassign_overdue() -> int:
    return sla.reassign_due()


@celery.task(name="tandem.leads.retention")
def retention() -> int:
    done = privacy.apply_retention()
    session.commit()
    return done
