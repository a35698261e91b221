"""The flow editor's work on definitions: steps added on an exit, removed with their
predecessors reconnected, and the flow laid out with branches side by side."""

from __future__ import annotations

import copy

import pytest

from app import validation as v
from campaigns.journeys import editing
from campaigns.journeys.starters import STARTERS


def _ids(items) -> list:
    return [
        item.step["id"] if isinstance(item, editing.Node) else ("->", item.target) for item in items
    ]


def test_add_at_the_start_on_a_branch_and_after_a_step():
    definition, first = editing.add_step({"steps": []}, "email", after=editing.START)
    assert first == "email-1" and definition["steps"][0]["next"] is None
    definition, cond = editing.add_step(definition, "condition", after="email-1")
    assert definition["steps"][0]["next"] == cond
    definition, wait = editing.add_step(definition, "wait", after=cond, exit_key="no")
    steps = {s["id"]: s for s in definition["steps"]}
    assert steps[cond]["no"] == wait and steps[cond]["yes"] is None
    definition, split = editing.add_step(definition, "split", after=wait)
    assert [b["next"] for b in {s["id"]: s for s in definition["steps"]}[split]["branches"]] == [
        None,
        None,
    ]
    with pytest.raises(v.ValidationFailed):
        editing.add_step(definition, "exit", after=wait)
    with pytest.raises(v.ValidationFailed):
        editing.add_step(definition, "email", after="gone")
    with pytest.raises(v.ValidationFailed):
        editing.add_step(definition, "email", after=split, exit_key="branch-7")


def test_remove_reconnects_what_led_to_the_step():
    definition = copy.deepcopy(STARTERS["onboarding"]["definition"])
    new = editing.remove_step(definition, "brand-kit-reminder")
    steps = {s["id"]: s for s in new["steps"]}
    assert "brand-kit-reminder" not in steps
    assert steps["has-logo"]["no"] == "wait-first-campaign"
    assert len(definition["steps"]) == len(new["steps"]) + 1  # the original is untouched


def test_layout_draws_branches_that_meet_again():
    flow = editing.layout(STARTERS["onboarding"]["definition"])
    assert _ids(flow.items) == [
        "welcome",
        "wait-3-days",
        "has-logo",
        "wait-first-campaign",
        "first-campaign",
        "goal",
        ("->", None),
    ]
    condition = flow.items[2]
    assert [b.key for b in condition.branches] == ["yes", "no"]
    assert _ids(condition.branches[0].items) == []  # yes goes straight to the join
    assert _ids(condition.branches[1].items) == ["brand-kit-reminder"]
    assert flow.unreached == []


def test_layout_shows_a_loop_as_a_jump():
    flow = editing.layout(STARTERS["reactivation"]["definition"])
    condition = flow.items[0]
    no = condition.branches[1].items
    assert _ids(no) == ["check-later", ("->", "inactive")]


def test_step_errors_are_keyed_by_step_id():
    definition = {"steps": [{"id": "a"}, {"id": "b"}]}
    assert editing.errors_by_step(definition, {"steps.1": "bad", "trigger": "t"}) == {
        "b": "bad",
        "trigger": "t",
    }
