"""A journey's definition checked: its shape when it is saved (a clear 4xx message per field),
and what would go wrong when it is published (a message per step id)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app import validation as v
from app.db import session
from campaigns import targeting
from campaigns.journeys import audience, windows
from campaigns.journeys import definition as d
from campaigns.models import Campaign
from directory import tags

STEP_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_STEPS = 200
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


FACTS = (
    "opened",
    "clicked",
    "downloaded",
    "customized",
    "has_logo",
    "status_changed",
    "partner",
    "applied",
    "application",
    "inactive_days",
)
PARTNER_FIELDS = (
    "status",
    "tier",
    "type",
    "country",
    "countries",
    "regions",
    "specialties",
    "certifications",
    "tags",
    "listed_in_locator",
)


def clean_condition(value: Any, label: str, depth: int = 0) -> dict:
    """A condition: {"fact": ...} with its parameters, or {"all"/"any": [...]}, {"not": ...}."""
    if not isinstance(value, Mapping) or depth > 6:
        raise v.Invalid(f"{label} must be a condition.")
    if "all" in value or "any" in value:
        key = "all" if "all" in value else "any"
        items = value[key]
        if not isinstance(items, list) or not 1 <= len(items) <= 20:
            raise v.Invalid(f"{label}: '{key}' holds a list of 1 to 20 conditions.")
        return {key: [clean_condition(item, label, depth + 1) for item in items]}
    if "not" in value:
        return {"not": clean_condition(value["not"], label, depth + 1)}
    fact = value.get("fact")
    if fact not in FACTS:
        raise v.Invalid(f"{label}: the fact must be one of {', '.join(FACTS)}.")
    clean: dict[str, Any] = {"fact": fact}
    if value.get("step") not in (None, ""):
        clean["step"] = _target(value.get("step"), f"{label}: the email step")
    if value.get("campaign_id") not in (None, ""):
        number = value.get("campaign_id")
        if not isinstance(number, int) or not v.is_row_id(number):
            raise v.Invalid(f"{label}: the campaign must be a campaign id.")
        clean["campaign_id"] = number
    if fact == "partner":
        if value.get("field") not in PARTNER_FIELDS:
            raise v.Invalid(f"{label}: the field must be one of {', '.join(PARTNER_FIELDS)}.")
        clean["field"] = value["field"]
        values = value.get("values") or []
        if not isinstance(values, list) or len(values) > 50:
            raise v.Invalid(f"{label}: the values must be a list.")
        clean["values"] = [v.text(item, max_length=60, label=label) for item in values]
        if clean["field"] == "tags":
            try:
                clean["values"] = [tags.clean_tag(item) for item in clean["values"]]
            except v.Invalid as exc:
                raise v.Invalid(f"{label}: {exc}") from exc
        if "value" in value:
            clean["value"] = bool(value["value"])
    if fact in ("applied", "application"):
        statuses = value.get("statuses") or ([value["status"]] if value.get("status") else [])
        if not isinstance(statuses, list) or any(
            s not in ("submitted", "approved", "declined") for s in statuses
        ):
            raise v.Invalid(f"{label}: an application is submitted, approved or declined.")
        if statuses:
            clean["statuses"] = statuses
    if fact == "inactive_days":
        clean["days"] = int(_number(value.get("days", 60), f"{label}: the days", low=1))
    return clean


def _window(value: Any, label: str) -> dict | None:
    if value in (None, "", {}):
        return None
    if not isinstance(value, Mapping):
        raise v.Invalid(f"{label} must be an object with days, start and end.")
    days = value.get("days") or list(d.WEEKDAYS)
    if not isinstance(days, list) or any(day not in d.WEEKDAYS for day in days):
        raise v.Invalid(f"{label}: days must be among {', '.join(d.WEEKDAYS)}.")
    start, end = str(value.get("start") or "00:00"), str(value.get("end") or "23:59")
    if not TIME_RE.match(start) or not TIME_RE.match(end):
        raise v.Invalid(f"{label}: start and end are times like 09:00.")
    if start >= end:
        raise v.Invalid(f"{label}: the start must come before the end.")
    return {"days": days, "start": start, "end": end}


def _number(value: Any, label: str, *, low: float = 0, high: float = 3650) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise v.Invalid(f"{label} must be a number.") from exc
    if not low <= number <= high:
        raise v.Invalid(f"{label} must be between {low:g} and {high:g}.")
    return number


def _target(value: Any, label: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not STEP_ID_RE.match(value):
        raise v.Invalid(f"{label} must name a step.")
    return value


def _clean_step(raw: Any, index: int) -> dict:
    if not isinstance(raw, Mapping):
        raise v.Invalid(f"Step {index + 1} must be an object.")
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not STEP_ID_RE.match(step_id):
        raise v.Invalid(
            f"Step {index + 1} needs an id of letters, digits, - or _ (at most 40 characters)."
        )
    kind = raw.get("type")
    if kind not in d.STEP_TYPES:
        raise v.Invalid(f"Step {step_id}: the type must be one of {', '.join(d.STEP_TYPES)}.")
    label = f"Step {step_id}"
    step: dict[str, Any] = {"id": step_id, "type": kind}
    if raw.get("title"):
        step["title"] = v.text(raw.get("title"), max_length=120, label=f"{label}: the title")
    if kind not in ("exit", "condition", "split"):
        step["next"] = _target(raw.get("next"), f"{label}: the next step")
    if kind in ("email", "notify"):
        step["subject"] = v.text(raw.get("subject"), max_length=300, label=f"{label}: the subject")
        step["body"] = v.text(raw.get("body"), max_length=20000, label=f"{label}: the message")
        if kind == "notify" and raw.get("to"):
            step["to"] = v.email(raw.get("to"))
    if kind == "email" and raw.get("template_version_id") not in (None, ""):
        number = raw.get("template_version_id")
        if not isinstance(number, int) or not v.is_row_id(number):
            raise v.Invalid(f"{label}: the template must be a template version id.")
        step["template_version_id"] = number
        presets = raw.get("presets") or {}
        if not isinstance(presets, Mapping):
            raise v.Invalid(f"{label}: the template's values must be an object.")
        step["presets"] = dict(presets)
    if kind == "wait":
        for unit in ("days", "hours", "minutes"):
            if raw.get(unit) not in (None, ""):
                step[unit] = _number(raw.get(unit), f"{label}: {unit}", high=3650 * 24 * 60)
        if raw.get("until"):
            try:
                datetime.fromisoformat(str(raw["until"]))
            except ValueError as exc:
                raise v.Invalid(f"{label}: 'until' must be a date and time.") from exc
            step["until"] = str(raw["until"])
        if raw.get("window"):
            step["window"] = _window(raw.get("window"), f"{label}: the window")
        if raw.get("event"):
            if raw["event"] not in d.WAIT_EVENTS:
                raise v.Invalid(f"{label}: the event must be one of {', '.join(d.WAIT_EVENTS)}.")
            step["event"] = raw["event"]
            step["max_days"] = _number(raw.get("max_days", 7), f"{label}: the longest wait")
            if "timeout" in raw:
                step["timeout"] = _target(raw.get("timeout"), f"{label}: the step after timeout")
            if raw.get("of_step"):
                step["of_step"] = _target(raw.get("of_step"), f"{label}: the email step")
    if kind in ("condition", "goal"):
        if raw.get("if") not in (None, {}):
            step["if"] = clean_condition(raw.get("if"), f"{label}: the condition")
    if kind == "condition":
        step["yes"] = _target(raw.get("yes"), f"{label}: the 'yes' step")
        step["no"] = _target(raw.get("no"), f"{label}: the 'no' step")
    if kind == "split":
        branches = raw.get("branches")
        if not isinstance(branches, list) or not 2 <= len(branches) <= 5:
            raise v.Invalid(f"{label}: a split has 2 to 5 branches.")
        step["branches"] = []
        for number, branch in enumerate(branches, start=1):
            if not isinstance(branch, Mapping):
                raise v.Invalid(f"{label}: branch {number} must be an object.")
            step["branches"].append(
                {
                    "percent": _number(
                        branch.get("percent"), f"{label}: branch {number}'s share", high=100
                    ),
                    "next": _target(branch.get("next"), f"{label}: branch {number}'s step"),
                }
            )
    if kind == "update_partner":
        for name in ("status", "tier"):
            if raw.get(name):
                step[name] = v.text(raw.get(name), max_length=60, label=f"{label}: {name}")
        for name, said in (("tag", "the tag to add"), ("remove_tag", "the tag to remove")):
            if raw.get(name):
                try:
                    step[name] = tags.clean_tag(v.text(raw.get(name), max_length=60, label=said))
                except v.Invalid as exc:
                    raise v.Invalid(f"{label}, {said}: {exc}") from exc
        if step.get("tag") and step.get("tag") == step.get("remove_tag"):
            raise v.Invalid(f"{label}: the same tag cannot be added and removed.")
    return step


def clean_definition(data: Any) -> dict:
    """The definition in its canonical shape; ValidationFailed naming what is wrong."""
    if not isinstance(data, Mapping):
        raise v.ValidationFailed({"definition": "The definition must be an object."})
    v.check_json(data, max_depth=16)
    errors: dict[str, str] = {}
    clean = d.empty()

    aud = data.get("audience") or {"kind": "partners"}
    if not isinstance(aud, Mapping) or aud.get("kind", "partners") not in d.AUDIENCE_KINDS:
        errors["audience"] = "The audience is partners or prospects."
    elif aud.get("kind", "partners") == "partners":
        if not isinstance(aud.get("rules") or {}, Mapping):
            errors["audience"] = "The audience's rules must be an object."
        try:
            raw_rules = aud.get("rules") or {}
            rules = targeting.validate_rules(raw_rules if isinstance(raw_rules, Mapping) else {})
            clean["audience"] = {
                "kind": "partners",
                "rules": rules,
                "include_partner_ids": targeting.clean_partner_ids(
                    aud.get("include_partner_ids") or []
                ),
                "exclude_partner_ids": targeting.clean_partner_ids(
                    aud.get("exclude_partner_ids") or []
                ),
            }
        except v.ValidationFailed as exc:
            errors.update({f"audience.{k}": m for k, m in exc.errors.items()})
        except v.Invalid as exc:
            errors["audience"] = str(exc)
    else:
        statuses = aud.get("statuses") or []
        if not isinstance(statuses, list):
            errors["audience"] = "The prospects' statuses must be a list."
        else:
            clean["audience"] = {"kind": "prospects", "statuses": [str(s) for s in statuses]}

    trig = data.get("trigger") or {"kind": "manual"}
    if not isinstance(trig, Mapping) or trig.get("kind") not in d.TRIGGER_KINDS:
        errors["trigger"] = f"The entry trigger is one of {', '.join(d.TRIGGER_KINDS)}."
    elif trig["kind"] == "event" and trig.get("event") not in d.EVENTS:
        errors["trigger"] = f"The event must be one of {', '.join(d.EVENTS)}."
    elif trig["kind"] == "date" and trig.get("field") not in ("created_at", "status_changed_at"):
        errors["trigger"] = "A date trigger uses created_at or status_changed_at."
    else:
        clean["trigger"] = {"kind": trig["kind"]}
        for key in ("event", "field"):
            if trig.get(key):
                clean["trigger"][key] = trig[key]
        if trig.get("days_after") not in (None, ""):
            try:
                clean["trigger"]["days_after"] = int(_number(trig["days_after"], "The days"))
            except v.Invalid as exc:
                errors["trigger"] = str(exc)
        if isinstance(trig.get("when"), Mapping):
            clean["trigger"]["when"] = {str(k): str(val) for k, val in trig["when"].items()}

    raw_steps = data.get("steps") or []
    if not isinstance(raw_steps, list) or len(raw_steps) > MAX_STEPS:
        errors["steps"] = f"The steps must be a list of at most {MAX_STEPS}."
    else:
        seen: set[str] = set()
        steps = []
        for index, raw in enumerate(raw_steps):
            try:
                step = _clean_step(raw, index)
            except v.Invalid as exc:
                errors[f"steps.{index}"] = str(exc)
                continue
            if step["id"] in seen:
                errors[f"steps.{index}"] = f"Two steps have the id {step['id']}."
                continue
            seen.add(step["id"])
            steps.append(step)
        clean["steps"] = steps

    goal = data.get("goal")
    if goal not in (None, {}, ""):
        try:
            clean["goal"] = clean_condition(goal, "The goal")
        except v.Invalid as exc:
            errors["goal"] = str(exc)
    exit_rules = data.get("exit") or {}
    leave = exit_rules.get("on_leave_audience", "exit") if isinstance(exit_rules, Mapping) else ""
    if leave not in ("exit", "continue"):
        errors["exit"] = "Leaving the audience either ends the journey (exit) or not (continue)."
    clean["exit"] = {"on_leave_audience": leave}
    rule = data.get("reentry") or {"mode": "once"}
    if not isinstance(rule, Mapping) or rule.get("mode", "once") not in d.REENTRY_MODES:
        errors["reentry"] = f"Re-entry is one of {', '.join(d.REENTRY_MODES)}."
    else:
        clean["reentry"] = {"mode": rule.get("mode", "once")}
        if clean["reentry"]["mode"] == "after_days":
            try:
                clean["reentry"]["days"] = int(_number(rule.get("days"), "Re-entry after days"))
            except v.Invalid as exc:
                errors["reentry"] = str(exc)
    try:
        clean["send_window"] = _window(data.get("send_window"), "The send window")
    except v.Invalid as exc:
        errors["send_window"] = str(exc)
    tz = str(data.get("time_zone") or "UTC")
    if not windows.is_zone(tz):
        errors["time_zone"] = f"'{tz}' is not a time zone (e.g. Europe/Berlin)."
    clean["time_zone"] = tz
    if errors:
        raise v.ValidationFailed(errors)
    return clean


# --- before publishing ----------------------------------------------------------------------


def _edges(definition: dict) -> dict[str, list[str | None]]:
    return {
        sid: [target for _label, target in d.exits_of(step)]
        for sid, step in d.steps_by_id(definition).items()
    }


def problems(definition: dict, *, check_audience: bool = True) -> list[dict[str, str]]:
    """What stops the journey from being published: [{"step": id, "message": ...}]; the step
    is "audience", "trigger" or "journey" for problems that are not a step's."""
    found: list[dict[str, str]] = []

    def say(step: str, message: str) -> None:
        found.append({"step": step, "message": message})

    steps = d.steps_by_id(definition)
    if not steps:
        say("journey", "The journey has no steps.")
        return found
    edges = _edges(definition)
    for sid, targets in edges.items():
        for target in targets:
            if target is not None and target not in steps:
                say(sid, f"This step leads to a step that does not exist ({target}).")
    # unreachable from the first step
    first = d.first_step_id(definition)
    reached, todo = set(), [first]
    while todo:
        sid = todo.pop()
        if sid is None or sid in reached or sid not in steps:
            continue
        reached.add(sid)
        todo.extend(edges[sid])
    for sid in steps:
        if sid not in reached:
            say(sid, "No path leads to this step.")
    # steps from which no end can be reached (a branch going round for ever)
    ends = {sid for sid, targets in edges.items() if not targets or None in targets}
    changed = True
    while changed:
        changed = False
        for sid, targets in edges.items():
            if sid not in ends and any(t in ends for t in targets if t is not None):
                ends.add(sid)
                changed = True
    for sid in steps:
        if sid in reached and sid not in ends:
            say(sid, "This branch never reaches an end.")
    # loops without a wait: a cycle through steps that are not waits
    waits = {sid for sid, step in steps.items() if step.get("type") == "wait"}
    reported: set[str] = set()
    for start in steps:
        if start in waits:
            continue
        stack, seen = [(start, iter(edges[start]))], {start}
        while stack:
            node, children = stack[-1]
            child = next(children, "__done__")
            if child == "__done__":
                stack.pop()
                continue
            if child is None or child not in steps or child in waits:
                continue
            if child == start and start not in reported:
                reported.add(start)
                say(start, "This step is in a loop without a wait: it would repeat at once.")
            elif child not in seen:
                seen.add(child)
                stack.append((child, iter(edges[child])))
    for sid, step in steps.items():
        kind = step.get("type")
        if kind == "email":
            _check_email(sid, step, definition, say)
        elif kind == "wait":
            if not any(
                step.get(k) for k in ("days", "hours", "minutes", "until", "window", "event")
            ):
                say(sid, "This wait has no duration, date, window or event.")
        elif kind == "split":
            total = sum(float(b.get("percent") or 0) for b in step.get("branches") or [])
            if abs(total - 100) > 0.01:
                say(sid, f"The split's shares add up to {total:g}%, not 100%.")
        elif kind == "update_partner":
            if d.audience_kind(definition) != "partners":
                say(sid, "Only partners can be updated; this journey addresses prospects.")
            elif not any(step.get(k) for k in ("status", "tier", "tag", "remove_tag")):
                say(sid, "This step changes nothing: choose a status, a tier or a tag.")
        elif kind == "goal" and not (step.get("if") or definition.get("goal")):
            say(sid, "The journey has no goal for this step to check.")
        if kind in ("condition", "goal") and step.get("if"):
            _check_condition(sid, step["if"], steps, say)
        if kind == "wait" and step.get("of_step") and step["of_step"] not in _email_ids(steps):
            say(sid, "The email this wait looks at is not an email step of this journey.")
    trig = d.trigger(definition)
    if trig.get("kind") == "event":
        prospect_event = trig.get("event") in d.PROSPECT_EVENTS
        if prospect_event != (d.audience_kind(definition) == "prospects"):
            who = "prospects" if prospect_event else "partners"
            say("trigger", f"This event happens to {who}; the audience must be {who} too.")
    if check_audience and audience.count(definition) == 0:
        say("audience", "The audience matches nobody at the moment.")
    return found


def _email_ids(steps: dict[str, dict]) -> set[str]:
    return {sid for sid, step in steps.items() if step.get("type") == "email"}


def _check_condition(sid: str, condition: dict, steps: dict[str, dict], say) -> None:
    """The email steps and campaigns a condition names exist (it was saved when they did)."""
    inner = [condition["not"]] if condition.get("not") else []
    for part in condition.get("all") or condition.get("any") or inner:
        _check_condition(sid, part, steps, say)
    if condition.get("step") and condition["step"] not in _email_ids(steps):
        say(sid, "The email this condition looks at is not an email step of this journey.")
    if condition.get("campaign_id") and session.get(Campaign, condition["campaign_id"]) is None:
        say(sid, "The campaign this condition looks at does not exist any more.")


def _check_email(sid: str, step: dict, definition: dict, say) -> None:
    from brand_templates.models import BrandTemplate, BrandTemplateVersion

    if step.get("template_version_id"):
        row = session.execute(
            select(BrandTemplateVersion.published, BrandTemplate.kind)
            .join(BrandTemplate, BrandTemplate.id == BrandTemplateVersion.template_id)
            .where(BrandTemplateVersion.id == step["template_version_id"])
        ).first()
        if row is None:
            say(sid, "The email template of this step does not exist.")
        elif row.kind != "email":
            say(sid, "The template of this step is not an email template.")
        elif not row.published:
            say(sid, "The email template of this step is not published.")
        elif d.audience_kind(definition) == "prospects":
            say(sid, "A brand template is co-branded for partners; write a message for prospects.")
        return
    if not step.get("subject"):
        say(sid, "This email has no subject.")
    if not step.get("body"):
        say(sid, "This email has no message and no template.")


def messages_by_step(found: list[dict[str, str]]) -> dict[str, str]:
    """The problems as {step id: its messages, one after the other}."""
    out: dict[str, str] = {}
    for item in found:
        out[item["step"]] = (
            f"{out[item['step']]} {item['message']}" if item["step"] in out else item["message"]
        )
    return out
