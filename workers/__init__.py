"""The Celery tasks, one thin module per domain, and the beat schedule.

Only the worker command imports this package: the web and the domain hand work over by
task name (``app.jobs``) and never import it.
"""

from app.jobs import celery
from workers import campaigns, journeys, leads, locator, mail, scorecards, system

celery.conf.beat_schedule = {
    **mail.BEAT_SCHEDULE,
    **campaigns.BEAT_SCHEDULE,
    **journeys.BEAT_SCHEDULE,
    **scorecards.BEAT_SCHEDULE,
    **leads.BEAT_SCHEDULE,
    **locator.BEAT_SCHEDULE,
}

__all__ = [
    "campaigns",
    "celery",
    "journeys",
    "leads",
    "locator",
    "mail",
    "scorecards",
    "system",
]
