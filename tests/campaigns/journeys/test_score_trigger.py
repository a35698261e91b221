"""The entry trigger "a partner's score crosses a tier threshold": a scoring run records the
crossing as a partner event (the directory knows nothing of journeys) and the journeys' tick
enrolls the partner in the journeys that start on it, filtered by direction."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.db import session
from campaigns.journeys import triggers
from campaigns.journeys.models import Enrollment
from directory import activity, events
from directory.events import PartnerEvent
from directory.scorecards import runs
from directory.scorecards.models import Scorecard
from tests.campaigns.journeys.conftest import build, email
from tests.factories.directory import make_partner
from tests.factories.scorecards import add_activity, add_revenue, simple_card

NOW = datetime(2026, 11, 1, 12, 0)


def _run(card_id: int) -> int:
    run = runs.request_run(session.get(Scorecard, card_id), "test")
    session.commit()
    runs.run(run.id, now=NOW)
    return run.id


def test_a_score_crossing_a_threshold_starts_the_journey_for_that_direction(app, world):
    with app.app_context():
        c = make_partner("Charlie Partner", tier="Silver")
        session.flush()
        for partner_id, amount in ((world.a_id, 100), (world.b_id, 900), (c.id, 500)):
            add_revenue(partner_id, amount, start=date(2026, 7, 1))
        add_activity(world.b_id, activity.ASSET_DOWNLOADED, 12, at=NOW - timedelta(days=3))
        card = simple_card()  # Silver from 40, Gold from 75
        session.commit()
        definition = {
            "audience": {"kind": "partners", "rules": {}},
            "trigger": {"kind": "event", "event": events.SCORE_CROSSED_THRESHOLD},
            "steps": [email("note")],
        }
        rising = build(
            {**definition, "trigger": {**definition["trigger"], "when": {"direction": "up"}}},
            "Rising partners",
        )
        falling = build(
            {**definition, "trigger": {**definition["trigger"], "when": {"direction": "down"}}},
            "Falling partners",
        )
        triggers.process_partner_events()  # the partners' creation, before the journeys
        session.commit()
        _run(card.id)  # C: revenue in the middle (30), no downloads: 30, under Silver's 40
        assert triggers.process_partner_events() == 0  # a first run has nothing to compare with
        add_activity(c.id, activity.ASSET_DOWNLOADED, 5, at=NOW - timedelta(days=1))
        session.commit()
        _run(card.id)  # C: 30 + 20 = 50, past Silver's 40
        crossed = session.execute(
            select(PartnerEvent.partner_id, PartnerEvent.data).where(
                PartnerEvent.kind == events.SCORE_CROSSED_THRESHOLD
            )
        ).all()
        assert [(pid, data["direction"], data["threshold"]) for pid, data in crossed] == [
            (c.id, "up", 40)
        ]
        assert triggers.process_partner_events() == 1
        session.commit()
        enrolled = session.execute(select(Enrollment.journey_id, Enrollment.partner_id)).all()
        assert enrolled == [(rising.id, c.id)]
        assert falling.id not in {journey_id for journey_id, _ in enrolled}
