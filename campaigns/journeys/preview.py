"""Try a journey without sending: simulate a partner's path through the flow, and send one
email step to yourself as a chosen partner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from app import clock, mail
from app import validation as v
from app.db import session
from campaigns.journeys import definition as d
from campaigns.journeys import facts, messages, stepper, store, windows
from campaigns.journeys.models import Prospect
from directory.models import Partner

HORIZON = timedelta(days=400)
MAX_EVENTS = 200


class SimFacts:
    """The facts of a simulation: the subject's real attributes from the database, and what
    the marketer supposes about what it will do (opened, clicked, downloaded...)."""

    def __init__(self, row: Any, suppose: dict[str, bool], recipient: messages.Recipient | None):
        self.row, self.suppose, self.recipient = row, suppose, recipient
        self.sent: list[datetime] = []

    def holds(self, condition: dict, since: datetime | None) -> bool:
        if not condition:
            return True
        if "all" in condition:
            return all(self.holds(c, since) for c in condition["all"])
        if "any" in condition:
            return any(self.holds(c, since) for c in condition["any"])
        if "not" in condition:
            return not self.holds(condition["not"], since)
        fact = str(condition.get("fact"))
        if fact in self.suppose:
            return bool(self.suppose[fact])
        if fact in ("opened", "clicked", "downloaded", "customized", "status_changed", "applied"):
            return False  # nothing happens in a simulation unless supposed
        return facts.holds(condition, self.row, since)

    def in_audience(self) -> bool:
        return bool(self.suppose.get("in_audience", True))

    def suppressed(self) -> bool:
        return bool(self.suppose.get("suppressed", False))

    def recent_sends(self, since: datetime) -> list[datetime]:
        return [at for at in self.sent if at > since]


@dataclass
class SimStep:
    at: datetime
    step_id: str
    step_type: str
    outcome: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "step": self.step_id,
            "type": self.step_type,
            "outcome": self.outcome,
        }


def _recipient(partner_id: int | None, prospect_id: int | None) -> messages.Recipient | None:
    if partner_id is not None:
        return facts.partner_recipients([partner_id]).get(partner_id)
    if prospect_id is not None:
        return facts.prospect_recipients([prospect_id]).get(prospect_id)
    return None


def simulate(
    definition: dict,
    *,
    partner_id: int | None = None,
    prospect_id: int | None = None,
    suppose: dict[str, bool] | None = None,
    start: datetime | None = None,
) -> dict[str, Any]:
    """The path the subject would take from START (default now): each step with its time and
    outcome, and how it ends. Nothing is written or sent."""
    if partner_id is not None and session.get(Partner, partner_id) is None:
        raise v.ValidationFailed({"partner_id": "There is no such partner."})
    if prospect_id is not None and session.get(Prospect, prospect_id) is None:
        raise v.ValidationFailed({"prospect_id": "There is no such prospect."})
    now = start or clock.now()
    recipient = _recipient(partner_id, prospect_id)
    row = SimpleNamespace(id=0, partner_id=partner_id, prospect_id=prospect_id, version_id=0)
    sim = SimFacts(row, dict(suppose or {}), recipient)
    tz = windows.zone(
        recipient.time_zone if recipient else None,
        recipient.country if recipient else None,
        definition.get("time_zone") or "UTC",
    )
    key = f"sim-{partner_id or ''}-{prospect_id or ''}"
    step_id, started = d.first_step_id(definition), now
    path: list[SimStep] = []
    end = {"reason": "", "at": None}
    horizon = now + HORIZON
    for _ in range(MAX_EVENTS):
        result = stepper.run(
            definition,
            step_id=step_id,
            step_started_at=started,
            now=now,
            facts=sim,
            enrollment_key=key,
            tz=tz,
            policy=store.policy(),
        )
        for executed in result.executed:
            path.append(SimStep(now, executed.step_id, executed.step_type, executed.outcome))
            if executed.effect and executed.effect["kind"] == "email":
                sim.sent.append(now)
        if result.done:
            end = {"reason": result.exit_reason, "at": now.isoformat()}
            break
        step_id, started = result.step_id, result.step_started_at or now
        if result.next_run_at is None or result.next_run_at > horizon:
            end = {"reason": "still waiting", "at": None}
            break
        now = max(result.next_run_at, now)
    return {"path": [s.as_dict() for s in path], "end": end}


def test_send(definition: dict, step_id: str, *, partner_id: int, to: str) -> int:
    """Send the email of STEP_ID to TO as partner PARTNER_ID would get it (not tracked, marked
    as a test); the outbox message's id. The caller commits."""
    step = d.step(definition, step_id)
    if step is None or step.get("type") != "email":
        raise v.ValidationFailed({"step": "Choose an email step to send."})
    to = v.email(to, required=True)
    recipient = _recipient(partner_id, None)
    if recipient is None:
        raise v.ValidationFailed({"partner_id": "There is no such partner."})
    composed = messages.compose(step, recipient, send_key=None)
    message = mail.queue_mail(to, f"[Test] {composed.subject}"[:300], composed.text, composed.html)
    session.flush()
    return message.id
