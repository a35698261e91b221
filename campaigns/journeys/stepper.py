"""The pure stepper: given a definition, where an enrollment stands and the facts about its
subject, what happens now and when it runs next. No database, no clock, no sending.

``run`` executes from the current step until the enrollment must wait (a wait step, a
postponed email) or ends, and returns the steps it executed with their effects (emails to
send, partner updates, notifications) for the store to apply in one transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from campaigns.journeys import definition as d
from campaigns.journeys import windows


class Facts(Protocol):
    """What the stepper may ask about the subject (the store answers from the database; a
    simulation from what the marketer supposes)."""

    def holds(self, condition: dict, since: datetime | None) -> bool: ...

    def in_audience(self) -> bool: ...

    def suppressed(self) -> bool: ...

    def recent_sends(self, since: datetime) -> list[datetime]: ...


@dataclass(frozen=True)
class Policy:
    """The guards that apply to every journey email."""

    cap_emails: int = 2
    cap_days: int = 7


@dataclass
class Executed:
    """One step executed: its id, what came of it, and the effect to apply (or None)."""

    step_id: str
    step_type: str
    outcome: str
    due_at: datetime
    effect: dict | None = None


@dataclass
class Result:
    executed: list[Executed] = field(default_factory=list)
    step_id: str | None = None  # where the enrollment stands now (None: done)
    step_started_at: datetime | None = None
    next_run_at: datetime | None = None
    waiting_on: str = ""
    exit_reason: str = ""  # set when the enrollment ended
    note: str = ""  # why it sleeps ('postponed: frequency cap', ...)

    @property
    def done(self) -> bool:
        return bool(self.exit_reason)


def bucket(enrollment_key: str | int, step_id: str) -> float:
    """A stable number in [0, 100) per enrollment and step: the A/B split's draw."""
    digest = hashlib.sha256(f"{enrollment_key}:{step_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 / 100


def split_target(step: dict, enrollment_key: str | int) -> tuple[str | None, int]:
    """The branch an enrollment takes at a split step: (its target, its index)."""
    draw = bucket(enrollment_key, str(step.get("id")))
    branches = step.get("branches") or []
    floor = 0.0
    for index, branch in enumerate(branches):
        floor += float(branch.get("percent") or 0)
        if draw < floor:
            return branch.get("next"), index
    if branches:
        return branches[-1].get("next"), len(branches) - 1
    return None, -1


def wait_until(step: dict, started_at: datetime, tz: ZoneInfo) -> datetime:
    """When a wait step (not an event wait) that began at STARTED_AT is over."""
    if step.get("until"):
        until = datetime.fromisoformat(str(step["until"]))
        if until.tzinfo is not None:
            until = until.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
        return until
    if step.get("window"):
        return windows.next_opening(started_at, step["window"], tz)
    return started_at + duration(step)


def duration(step: dict) -> timedelta:
    return timedelta(
        days=float(step.get("days") or 0),
        hours=float(step.get("hours") or 0),
        minutes=float(step.get("minutes") or 0),
    )


def _cap_release(sends: list[datetime], policy: Policy, now: datetime) -> datetime | None:
    """When another email may go to a recipient who had SENDS; None if it may now."""
    if policy.cap_emails <= 0:
        return None
    period = timedelta(days=policy.cap_days)
    recent = sorted(at for at in sends if at > now - period)
    if len(recent) < policy.cap_emails:
        return None
    # the oldest send that must leave the period for one more to fit
    return recent[len(recent) - policy.cap_emails] + period


def run(
    definition: dict,
    *,
    step_id: str | None,
    step_started_at: datetime,
    now: datetime,
    facts: Facts,
    enrollment_key: str | int,
    tz: ZoneInfo,
    policy: Policy = Policy(),
    max_steps: int = d.MAX_STEPS_PER_RUN,
) -> Result:
    """Execute the enrollment's steps that are due at NOW; where it stands afterwards."""
    result = Result()
    sent_now: list[datetime] = []
    current, started = step_id, step_started_at
    goal = definition.get("goal")
    leave = (definition.get("exit") or {}).get("on_leave_audience", "exit")

    def finish(reason: str) -> Result:
        result.step_id, result.step_started_at = None, started
        result.next_run_at, result.exit_reason = None, reason
        return result

    def sleep(until: datetime, waiting_on: str = "", note: str = "") -> Result:
        result.step_id, result.step_started_at = current, started
        result.next_run_at, result.waiting_on, result.note = until, waiting_on, note
        return result

    if goal and facts.holds(goal, None):
        return finish("goal")
    if leave == "exit" and not facts.in_audience():
        return finish("left_audience")

    for _ in range(max_steps):
        step = d.step(definition, current)
        if step is None:
            return finish("completed")
        kind = step.get("type")
        due = started

        def move(target: str | None, outcome: str, effect: dict | None = None) -> None:
            nonlocal current, started
            result.executed.append(
                Executed(str(step["id"]), str(kind), outcome, due, effect)  # noqa: B023
            )
            current, started = target, now

        if kind == "exit":
            result.executed.append(Executed(str(step["id"]), "exit", "end", due))
            return finish("completed")
        if kind == "wait":
            event = step.get("event")
            if event:
                deadline = started + timedelta(days=float(step.get("max_days") or 7))
                if facts.holds({"fact": event, "step": step.get("of_step")}, started):
                    move(step.get("next"), "happened")
                elif now >= deadline:
                    move(d.timeout_of(step), "timeout")
                else:
                    return sleep(deadline, waiting_on=str(event))
                continue
            until = wait_until(step, started, tz)
            if step.get("window") and not windows.in_window(now, step["window"], tz):
                return sleep(windows.next_opening(now, step["window"], tz))
            if not step.get("window") and now < until:
                return sleep(until)
            move(step.get("next"), "waited")
            continue
        if kind == "email":
            if facts.suppressed():
                return finish("unsubscribed")
            send_window = definition.get("send_window")
            if send_window and not windows.in_window(now, send_window, tz):
                return sleep(windows.next_opening(now, send_window, tz), note="send window")
            release = _cap_release(
                facts.recent_sends(now - timedelta(days=policy.cap_days)) + sent_now, policy, now
            )
            if release is not None:
                return sleep(release, note="frequency cap")
            sent_now.append(now)
            move(step.get("next"), "sent", {"kind": "email", "step": step})
            continue
        if kind == "condition":
            yes = facts.holds(step.get("if") or {}, None)
            move(step.get("yes") if yes else step.get("no"), "yes" if yes else "no")
            continue
        if kind == "split":
            target, index = split_target(step, enrollment_key)
            move(target, f"branch {index + 1}")
            continue
        if kind == "update_partner":
            move(step.get("next"), "updated", {"kind": "update_partner", "step": step})
            continue
        if kind == "notify":
            move(step.get("next"), "notified", {"kind": "notify", "step": step})
            continue
        if kind == "goal":
            condition = step.get("if") or goal
            if condition and facts.holds(condition, None):
                result.executed.append(Executed(str(step["id"]), "goal", "goal", due))
                return finish("goal")
            move(step.get("next"), "not yet")
            continue
        # an unknown step type: the definition was not validated
        return finish("failed")
    return finish("failed")
