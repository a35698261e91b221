"""Journey tasks (``tandem.journeys.<verb>``): thin; the engine lives in campaigns/journeys.

The tick is safe to run on many workers at once: each claims its own batches (SKIP LOCKED),
and a row's step and its emails are written once (unique keys), whatever is redelivered.
"""

from __future__ import annotations

from app.jobs import celery
from campaigns.journeys import store, triggers

TICK_SECONDS = 1.0
BEAT_SCHEDULE = {
    "journeys-tick": {
        "task": "tandem.journeys.tick",
        "schedule": TICK_SECONDS,
        # a tick not started within a few seconds is superseded by the next ones
        "options": {"expires": 10},
    },
    "journeys-enter-audiences": {"task": "tandem.journeys.enter_audiences", "schedule": 60.0},
    "journeys-date-triggers": {"task": "tandem.journeys.date_triggers", "schedule": 600.0},
}


@celery.task(name="tandem.journeys.tick", acks_late=True)
def tick() -> int:
    return store.drain()


@celery.task(name="tandem.journeys.enter_audiences")
def enter_audiences() -> int:
    return triggers.enter_audiences()


@celery.task(name="tandem.journeys.date_triggers")
def date_triggers() -> int:
    return triggers.date_triggers()
