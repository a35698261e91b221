"""The pure stepper and the windows: no database, no clock of its own."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from campaigns.journeys import stepper, windows

MONDAY_10 = datetime(2026, 6, 1, 10, 0)  # UTC
UTC = windows.zone("UTC")


class Facts:
    def __init__(self, holds=(), in_audience=True, suppressed=False, sends=()):
        self._holds, self._in, self._sup, self._sends = set(holds), in_audience, suppressed, sends

    def holds(self, condition, since):
        if "all" in condition:
            return all(self.holds(c, since) for c in condition["all"])
        return condition.get("fact") in self._holds

    def in_audience(self):
        return self._in

    def suppressed(self):
        return self._sup

    def recent_sends(self, since):
        return [at for at in self._sends if at > since]


def run(definition, step_id, now=MONDAY_10, started=None, facts=None, tz=UTC, key=1, **kw):
    return stepper.run(
        definition,
        step_id=step_id,
        step_started_at=started or now,
        now=now,
        facts=facts or Facts(),
        enrollment_key=key,
        tz=tz,
        **kw,
    )


FLOW = {
    "steps": [
        {"id": "hello", "type": "email", "subject": "s", "body": "b", "next": "wait"},
        {"id": "wait", "type": "wait", "days": 3, "next": "check"},
        {"id": "check", "type": "condition", "if": {"fact": "has_logo"}, "yes": None, "no": "nag"},
        {"id": "nag", "type": "email", "subject": "s", "body": "b"},
    ]
}


def test_runs_until_a_wait_and_resumes_after_it():
    first = run(FLOW, "hello")
    assert [e.step_id for e in first.executed] == ["hello"]
    assert first.executed[0].effect["kind"] == "email"
    assert first.step_id == "wait" and first.next_run_at == MONDAY_10 + timedelta(days=3)
    later = MONDAY_10 + timedelta(days=3)
    second = run(FLOW, "wait", now=later, started=first.step_started_at)
    assert [(e.step_id, e.outcome) for e in second.executed] == [
        ("wait", "waited"),
        ("check", "no"),
        ("nag", "sent"),
    ]
    assert second.exit_reason == "completed"


def test_a_wait_woken_early_sleeps_again():
    early = run(FLOW, "wait", now=MONDAY_10 + timedelta(days=1), started=MONDAY_10)
    assert early.executed == [] and early.next_run_at == MONDAY_10 + timedelta(days=3)


def test_goal_and_leaving_the_audience_end_the_journey():
    flow = {**FLOW, "goal": {"fact": "has_logo"}}
    assert run(flow, "hello", facts=Facts(holds={"has_logo"})).exit_reason == "goal"
    assert run(FLOW, "hello", facts=Facts(in_audience=False)).exit_reason == "left_audience"
    keep = {**FLOW, "exit": {"on_leave_audience": "continue"}}
    assert run(keep, "hello", facts=Facts(in_audience=False)).step_id == "wait"


def test_suppressed_recipients_exit_at_the_email():
    result = run(FLOW, "hello", facts=Facts(suppressed=True))
    assert result.exit_reason == "unsubscribed" and result.executed == []


def test_frequency_cap_postpones_not_drops():
    sent = [MONDAY_10 - timedelta(days=6), MONDAY_10 - timedelta(days=1)]
    policy = stepper.Policy(cap_emails=2, cap_days=7)
    result = run(FLOW, "hello", facts=Facts(sends=sent), policy=policy)
    assert result.executed == [] and result.step_id == "hello"
    # it goes when the oldest of the two leaves the 7 days
    assert result.next_run_at == sent[0] + timedelta(days=7)
    assert result.note == "frequency cap"
    two_in_a_row = {
        "steps": [
            {"id": "a", "type": "email", "subject": "s", "body": "b", "next": "b"},
            {"id": "b", "type": "email", "subject": "s", "body": "b", "next": "c"},
            {"id": "c", "type": "email", "subject": "s", "body": "b"},
        ]
    }
    capped = run(two_in_a_row, "a", policy=policy)
    assert [e.step_id for e in capped.executed] == ["a", "b"]
    assert capped.step_id == "c" and capped.next_run_at == MONDAY_10 + timedelta(days=7)


def test_send_window_in_the_recipients_time_zone():
    """09:00-17:00 on weekdays: 10:00 UTC on a Monday is 19:00 in Tokyo (closed: Tuesday 09:00
    JST = Tuesday 00:00 UTC) and 06:00 in New York (opens at 09:00 EDT = 13:00 UTC)."""
    flow = {
        **FLOW,
        "send_window": {
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "start": "09:00",
            "end": "17:00",
        },
    }
    berlin = run(flow, "hello", tz=windows.zone("Europe/Berlin"))
    assert [e.step_id for e in berlin.executed] == ["hello"]  # 12:00 in Berlin
    tokyo = run(flow, "hello", tz=windows.zone("Asia/Tokyo"))
    assert tokyo.executed == [] and tokyo.next_run_at == datetime(2026, 6, 2, 0, 0)
    new_york = run(flow, "hello", tz=windows.zone(None, "US"))
    assert new_york.executed == [] and new_york.next_run_at == datetime(2026, 6, 1, 13, 0)
    # Friday 18:00 in Berlin: the next opening is Monday 09:00 (07:00 UTC in summer)
    friday = datetime(2026, 6, 5, 16, 0)
    weekend = run(flow, "hello", now=friday, tz=windows.zone("Europe/Berlin"))
    assert weekend.next_run_at == datetime(2026, 6, 8, 7, 0)


def test_window_across_a_daylight_saving_change():
    """Berlin leaves summer time on 25 October 2026: 09:00 is 07:00 UTC before, 08:00 after."""
    window = {"days": ["mon"], "start": "09:00", "end": "10:00"}
    saturday = datetime(2026, 10, 24, 12, 0)
    assert windows.next_opening(saturday, window, windows.zone("Europe/Berlin")) == datetime(
        2026, 10, 26, 8, 0
    )


def test_wait_until_a_weekday_window():
    flow = {
        "steps": [
            {
                "id": "w",
                "type": "wait",
                "window": {"days": ["wed"], "start": "14:00", "end": "15:00"},
                "next": "e",
            },
            {"id": "e", "type": "email", "subject": "s", "body": "b"},
        ]
    }
    result = run(flow, "w", tz=windows.zone("Europe/Berlin"))
    assert result.next_run_at == datetime(2026, 6, 3, 12, 0)  # Wednesday 14:00 CEST
    then = run(
        flow, "w", now=result.next_run_at, started=MONDAY_10, tz=windows.zone("Europe/Berlin")
    )
    assert [e.step_id for e in then.executed] == ["w", "e"]


def test_wait_until_a_date():
    flow = {"steps": [{"id": "w", "type": "wait", "until": "2026-07-01T08:00:00+02:00"}]}
    assert run(flow, "w").next_run_at == datetime(2026, 7, 1, 6, 0)


def test_event_wait_ends_early_or_times_out():
    flow = {
        "steps": [
            {"id": "w", "type": "wait", "event": "clicked", "max_days": 5, "next": "yes",
             "timeout": "no"},
            {"id": "yes", "type": "exit"},
            {"id": "no", "type": "exit"},
        ]
    }  # fmt: skip
    waiting = run(flow, "w")
    assert waiting.waiting_on == "clicked" and waiting.next_run_at == MONDAY_10 + timedelta(days=5)
    clicked = run(flow, "w", now=MONDAY_10 + timedelta(hours=2), started=MONDAY_10,
                  facts=Facts(holds={"clicked"}))  # fmt: skip
    assert [e.step_id for e in clicked.executed] == ["w", "yes"]
    late = run(flow, "w", now=MONDAY_10 + timedelta(days=5), started=MONDAY_10)
    assert [(e.step_id, e.outcome) for e in late.executed] == [("w", "timeout"), ("no", "end")]


def test_ab_split_is_deterministic_and_proportional():
    step = {
        "id": "ab",
        "type": "split",
        "branches": [{"percent": 20, "next": "a"}, {"percent": 80, "next": "b"}],
    }
    drawn = Counter(stepper.split_target(step, key)[0] for key in range(10_000))
    assert 1800 <= drawn["a"] <= 2200 and drawn["a"] + drawn["b"] == 10_000
    assert all(stepper.split_target(step, 42) == stepper.split_target(step, 42) for _ in range(5))


def test_a_loop_without_a_wait_fails_instead_of_spinning():
    flow = {
        "steps": [
            {"id": "a", "type": "condition", "if": {"fact": "x"}, "yes": "b", "no": "b"},
            {"id": "b", "type": "condition", "if": {"fact": "x"}, "yes": "a", "no": "a"},
        ]
    }
    assert run(flow, "a").exit_reason == "failed"


def test_goal_step_and_partner_update_effects():
    flow = {
        "goal": {"fact": "downloaded"},
        "steps": [
            {"id": "up", "type": "update_partner", "status": "active", "next": "tell"},
            {"id": "tell", "type": "notify", "subject": "s", "body": "b", "next": "g"},
            {"id": "g", "type": "goal", "next": "w"},
            {"id": "w", "type": "wait", "days": 1},
        ],
    }
    result = run(flow, "up")
    assert [e.effect["kind"] for e in result.executed if e.effect] == ["update_partner", "notify"]
    assert [e.outcome for e in result.executed] == ["updated", "notified", "not yet"]
