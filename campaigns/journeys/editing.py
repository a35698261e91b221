"""Editing a journey's draft one step at a time, as the flow editor does: add a step on an exit
of another, change a step, remove one, and lay the flow out as a vertical tree with side-by-side
branches. Pure work on definitions (dicts); lifecycle.update_journey saves the result."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from app import validation as v
from campaigns.journeys import definition as d

# the step kinds a marketer adds in the editor ("exit" is the end of a branch, always there)
ADDABLE = ("email", "wait", "condition", "split", "update_partner", "notify", "goal")
START = ""  # "after" of a step added before the first one


def new_step_id(definition: dict, kind: str) -> str:
    """A short id not used yet: "email-3", "wait-2"..."""
    taken = set(d.steps_by_id(definition))
    base = kind.replace("_", "-")
    number = 1
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def blank_step(kind: str, step_id: str, target: str | None) -> dict[str, Any]:
    """A new step of KIND that goes on to TARGET (every exit of a branching step does)."""
    step: dict[str, Any] = {"id": step_id, "type": kind}
    if kind == "condition":
        step.update({"if": {"fact": "has_logo"}, "yes": target, "no": target})
    elif kind == "split":
        step["branches"] = [{"percent": 50, "next": target}, {"percent": 50, "next": target}]
    else:
        step["next"] = target
    if kind == "wait":
        step["days"] = 1
    if kind == "email":
        step.update({"subject": "", "body": ""})
    if kind == "notify":
        step.update({"subject": "{{ name }}: a journey step", "body": ""})
    return step


def exit_target(step: dict, exit_key: str) -> str | None:
    """Where the exit EXIT_KEY of STEP goes: "next", "yes", "no", "timeout" or "branch-N"."""
    if exit_key.startswith("branch-"):
        index = _branch_index(step, exit_key)
        return step["branches"][index].get("next")
    if exit_key == "timeout":
        return d.timeout_of(step)
    return step.get(exit_key)


def _branch_index(step: dict, exit_key: str) -> int:
    match = re.fullmatch(r"branch-(\d)", exit_key)
    index = int(match.group(1)) if match else -1
    if not 0 <= index < len(step.get("branches") or []):
        raise v.ValidationFailed({"exit": "That branch does not exist."})
    return index


def _set_exit(step: dict, exit_key: str, target: str | None) -> None:
    if exit_key.startswith("branch-"):
        step["branches"][_branch_index(step, exit_key)]["next"] = target
    elif exit_key in ("next", "yes", "no", "timeout"):
        step[exit_key] = target
    else:
        raise v.ValidationFailed({"exit": "That exit does not exist."})


def exit_keys(step: dict) -> list[tuple[str, str]]:
    """(key, label) of STEP's exits, in the order the editor shows them."""
    kind = step.get("type")
    if kind == "exit":
        return []
    if kind == "condition":
        return [("yes", "Yes"), ("no", "No")]
    if kind == "split":
        return [
            (f"branch-{i}", f"Branch {chr(65 + i)} ({b.get('percent', 0):g}%)")
            for i, b in enumerate(step.get("branches") or [])
        ]
    if kind == "wait" and step.get("event"):
        return [("next", "It happened"), ("timeout", "Time ran out")]
    return [("next", "Then")]


def add_step(
    definition: dict, kind: str, *, after: str, exit_key: str = "next"
) -> tuple[dict, str]:
    """DEFINITION with a new step of KIND on the exit EXIT_KEY of step AFTER (START: before the
    first step); the new step goes on to where that exit went. (new definition, new step id)."""
    if kind not in ADDABLE:
        raise v.ValidationFailed({"type": "Choose a kind of step to add."})
    new = copy.deepcopy(definition)
    steps = new.setdefault("steps", [])
    step_id = new_step_id(new, kind)
    if after == START:
        target = d.first_step_id(new)
        steps.insert(0, blank_step(kind, step_id, target))
        return new, step_id
    source = d.step(new, after)
    if source is None:
        raise v.ValidationFailed({"after": "That step is gone; reload the editor."})
    target = exit_target(source, exit_key)
    _set_exit(source, exit_key, step_id)
    position = steps.index(source) + 1
    steps.insert(position, blank_step(kind, step_id, target))
    return new, step_id


def remove_step(definition: dict, step_id: str) -> dict:
    """DEFINITION without STEP_ID; what led to it now leads where it went (its first exit)."""
    new = copy.deepcopy(definition)
    gone = d.step(new, step_id)
    if gone is None:
        raise v.ValidationFailed({"step": "That step is gone; reload the editor."})
    exits = d.exits_of(gone)
    onward = exits[0][1] if exits else None
    if onward == step_id:
        onward = None
    new["steps"] = [s for s in new["steps"] if s.get("id") != step_id]
    for step in new["steps"]:
        for key, _label in exit_keys(step):
            if exit_target(step, key) == step_id:
                _set_exit(step, key, onward)
    return new


def replace_step(definition: dict, step_id: str, step: dict) -> dict:
    """DEFINITION with STEP_ID's step replaced by STEP (same id and kind)."""
    new = copy.deepcopy(definition)
    for index, old in enumerate(new.get("steps") or []):
        if old.get("id") == step_id:
            new["steps"][index] = {**step, "id": step_id, "type": old.get("type")}
            return new
    raise v.ValidationFailed({"step": "That step is gone; reload the editor."})


def errors_by_step(definition: dict, errors: dict[str, str]) -> dict[str, str]:
    """ValidationFailed errors of clean_definition ("steps.3": ...) keyed by step id."""
    steps = definition.get("steps") or []
    out: dict[str, str] = {}
    for key, message in errors.items():
        match = re.fullmatch(r"steps\.(\d+)", key)
        if match and int(match.group(1)) < len(steps):
            out[str(steps[int(match.group(1))].get("id"))] = message
        else:
            out[key] = message
    return out


# --- the layout -------------------------------------------------------------------------------


@dataclass
class Node:
    """A step placed in the flow, with the columns of its exits when it branches."""

    step: dict
    branches: list[Branch] = field(default_factory=list)


@dataclass
class Branch:
    """One exit of a branching step, drawn as a column: its steps, then where it ends."""

    key: str
    label: str
    items: list[Any] = field(default_factory=list)  # Node | Jump


@dataclass
class Jump:
    """The end of a chain: to another step already drawn (a loop or a merge), or the end."""

    source: str  # the step whose exit this is
    exit_key: str
    target: str | None  # None: the end


@dataclass
class Layout:
    items: list[Any]
    unreached: list[dict]


def _chain(steps: dict[str, dict], start: str | None, limit: int = 400) -> list[str]:
    """The step ids from START following first exits, until the end or a repeat."""
    out: list[str] = []
    current = start
    while current and current in steps and current not in out and len(out) < limit:
        out.append(current)
        exits = d.exits_of(steps[current])
        current = exits[0][1] if exits else None
    return out


def _join(steps: dict[str, dict], targets: list[str | None]) -> str | None:
    """Where the branches starting at TARGETS meet again (the first step all reach), if any."""
    chains = [_chain(steps, t) for t in targets]
    if not chains:
        return None
    for candidate in chains[0]:
        if all(candidate in chain for chain in chains[1:]):
            return candidate
    return None


def layout(definition: dict) -> Layout:
    """The flow as the editor draws it: a vertical list of steps, branching steps with a column
    per exit that meet again at their join; loops and merges as jumps."""
    steps = d.steps_by_id(definition)
    placed: set[str] = set()

    def chain(source: str, exit_key: str, start: str | None, stop: str | None) -> list[Any]:
        items: list[Any] = []
        current, src, key = start, source, exit_key
        while True:
            if current is None or current not in steps:
                if current != stop or stop is None:
                    items.append(Jump(src, key, None if current is None else current))
                return items
            if current == stop:
                return items
            if current in placed:
                items.append(Jump(src, key, current))
                return items
            placed.add(current)
            step = steps[current]
            keys = exit_keys(step)
            node = Node(step)
            items.append(node)
            if not keys:
                return items
            if len(keys) == 1:
                src, key, current = current, keys[0][0], exit_target(step, keys[0][0])
                continue
            targets = [exit_target(step, k) for k, _label in keys]
            join = _join(steps, targets)
            if join is not None and join in placed:
                join = None
            for k, label in keys:
                node.branches.append(
                    Branch(k, label, chain(current, k, exit_target(step, k), join))
                )
            if join is None:
                return items
            src, key, current = current, "", join

    first = d.first_step_id(definition)
    items = chain(START, "start", first, None) if first else []
    unreached = [s for sid, s in steps.items() if sid not in placed]
    return Layout(items, unreached)
