"""The flow editor's forms read into a journey's definition: a step's form into a step, the
journey's settings form into its audience, trigger and rules. The domain checks the result."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.db import session
from app.web import pickers
from campaigns.journeys import definition as d
from campaigns.models import Campaign, CampaignStatus
from directory import tags

MAX_BRANCHES = 5
GOAL_FACTS = {
    "has_logo": "The partner has a logo in its brand kit",
    "downloaded": "The partner downloaded a campaign asset",
    "customized": "The partner customized a campaign asset",
    "clicked": "Clicked an email of this journey",
    "applied": "The prospect applied",
}
CONDITION_FACTS = {
    "opened": "Opened an email of this journey",
    "clicked": "Clicked a link in an email of this journey",
    "downloaded": "Downloaded an asset of a campaign",
    "customized": "Customized an asset of a campaign",
    "has_logo": "Has a logo in its brand kit",
    "partner": "A partner attribute",
    "inactive_days": "No portal activity for a number of days",
    "applied": "Applied to the program",
    "application": "Its application is in a state",
}
PARTNER_FIELDS = {
    "status": "Status",
    "tier": "Tier",
    "type": "Partner type",
    "countries": "Countries (codes)",
    "regions": "Regions",
    "specialties": "Specialties",
    "certifications": "Certifications",
    "tags": "Tags (has one of them)",
}
WAIT_EVENT_LABELS = {
    "opened": "Opens the email",
    "clicked": "Clicks in the email",
    "downloaded": "Downloads a campaign asset",
    "customized": "Customizes a campaign asset",
    "status_changed": "Its status changes",
    "applied": "Applies to the program",
}
WEEKDAY_LABELS = dict(
    zip(d.WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True)
)


def _text(form, name: str) -> str:
    return (form.get(name) or "").strip()


def _target(form, name: str) -> str | None:
    return _text(form, name) or None


def _listed(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def condition_from_form(form, prefix: str = "fact") -> dict | None:
    """A condition from the fields FACT, FACT_step, FACT_campaign, FACT_field, FACT_values,
    FACT_days, FACT_statuses; None when no fact is chosen."""
    fact = _text(form, prefix)
    if not fact:
        return None
    condition: dict[str, Any] = {"fact": fact}
    if fact in ("opened", "clicked") and _text(form, f"{prefix}_step"):
        condition["step"] = _text(form, f"{prefix}_step")
    if fact in ("downloaded", "customized") and _text(form, f"{prefix}_campaign"):
        chosen = _text(form, f"{prefix}_campaign")
        # a number names a campaign; anything else is left as typed for the check to refuse
        condition["campaign_id"] = int(chosen) if chosen.isdigit() and len(chosen) < 12 else chosen
    if fact == "partner":
        condition["field"] = _text(form, f"{prefix}_field")
        condition["values"] = _listed(_text(form, f"{prefix}_values"))
    if fact == "inactive_days":
        condition["days"] = _text(form, f"{prefix}_days") or "60"
    if fact == "application":
        condition["statuses"] = form.getlist(f"{prefix}_statuses")
    return condition


def step_from_form(old: dict, form) -> dict[str, Any]:
    """The step OLD as its form describes it now (values as typed; the domain checks them)."""
    kind = old.get("type")
    step: dict[str, Any] = {"id": old.get("id"), "type": kind}
    if _text(form, "title"):
        step["title"] = _text(form, "title")
    if kind not in ("condition", "split", "exit"):
        step["next"] = _target(form, "next")
    if kind in ("email", "notify"):
        step["subject"] = _text(form, "subject")
        step["body"] = (form.get("body") or "").strip()
    if kind == "notify" and _text(form, "to"):
        step["to"] = _text(form, "to")
    if kind == "email" and _text(form, "content") == "template":
        number = _text(form, "template_version_id")
        step["template_version_id"] = int(number) if number.isdigit() else number
    if kind == "wait":
        _wait_from_form(step, form)
    if kind in ("condition", "goal"):
        condition = condition_from_form(form)
        if condition:
            step["if"] = condition
    if kind == "condition":
        step["yes"], step["no"] = _target(form, "yes"), _target(form, "no")
    if kind == "split":
        step["branches"] = [
            {"percent": _text(form, f"percent_{i}"), "next": _target(form, f"next_{i}")}
            for i in range(MAX_BRANCHES)
            if _text(form, f"percent_{i}")
        ]
    if kind == "update_partner":
        for name in ("status", "tier", "tag", "remove_tag"):
            if _text(form, name):
                step[name] = _text(form, name)
    return step


def _wait_from_form(step: dict, form) -> None:
    mode = _text(form, "wait_mode") or "duration"
    if mode == "duration":
        for unit in ("days", "hours", "minutes"):
            if _text(form, unit):
                step[unit] = _text(form, unit)
    elif mode == "until":
        step["until"] = _text(form, "until")
    elif mode == "window":
        step["window"] = {
            "days": form.getlist("window_days") or list(d.WEEKDAYS),
            "start": _text(form, "window_start"),
            "end": _text(form, "window_end"),
        }
    elif mode == "event":
        step["event"] = _text(form, "event")
        step["max_days"] = _text(form, "max_days") or "7"
        step["timeout"] = _target(form, "timeout")
        if _text(form, "of_step"):
            step["of_step"] = _text(form, "of_step")


def wait_mode(step: dict) -> str:
    """Which kind of wait STEP is, for the form's radio buttons."""
    for mode in ("event", "window", "until"):
        if step.get(mode):
            return mode
    return "duration"


def settings_from_form(form, current: dict, rules: dict, include: str, exclude: str) -> dict:
    """The draft CURRENT with the audience, trigger, goal, exit, re-entry and window of the
    settings form (RULES and the partner lists are read by the campaign form's helpers)."""
    definition = dict(current)
    kind = _text(form, "audience_kind") or "partners"
    if kind == "prospects":
        definition["audience"] = {
            "kind": "prospects",
            "statuses": form.getlist("prospect_statuses"),
        }
    else:
        definition["audience"] = {
            "kind": "partners",
            "rules": rules,
            "include_partner_ids": include,
            "exclude_partner_ids": exclude,
        }
    trigger: dict[str, Any] = {"kind": _text(form, "trigger_kind") or "manual"}
    if trigger["kind"] == "event":
        trigger["event"] = _text(form, "trigger_event")
    if trigger["kind"] == "date":
        trigger["field"] = _text(form, "trigger_field") or "created_at"
        trigger["days_after"] = _text(form, "trigger_days_after") or "0"
    definition["trigger"] = trigger
    goal_facts = [fact for fact in form.getlist("goal_facts") if fact]
    definition["goal"] = {"all": [{"fact": fact} for fact in goal_facts]} if goal_facts else None
    definition["exit"] = {"on_leave_audience": _text(form, "on_leave_audience") or "exit"}
    reentry: dict[str, Any] = {"mode": _text(form, "reentry_mode") or "once"}
    if reentry["mode"] == "after_days":
        reentry["days"] = _text(form, "reentry_days")
    definition["reentry"] = reentry
    if form.get("use_send_window") == "yes":
        definition["send_window"] = {
            "days": form.getlist("send_days") or list(d.WEEKDAYS),
            "start": _text(form, "send_start"),
            "end": _text(form, "send_end"),
        }
    else:
        definition["send_window"] = None
    definition["time_zone"] = _text(form, "time_zone") or "UTC"
    return definition


def editor_choices() -> dict[str, list]:
    """What the step forms offer beyond the journey itself: the campaigns a condition can look
    at (all but the archived, newest first) and the partner tags in use (suggestions)."""
    rows = session.execute(
        select(Campaign.id, Campaign.name, Campaign.status)
        .where(Campaign.status != CampaignStatus.ARCHIVED.value)
        .order_by(Campaign.id.desc())
    ).all()
    return {
        "condition_campaigns": [(cid, f"{name} ({status})") for cid, name, status in rows],
        "partner_tags": tags.tags_in_use(),
    }


def goal_facts(definition: dict) -> list[str]:
    """The facts of an "all of" goal, for the settings form's checkboxes."""
    goal = definition.get("goal") or {}
    items = goal.get("all") or ([goal] if goal.get("fact") else [])
    return [item.get("fact") for item in items if isinstance(item, dict)]


def joined_ids(form, name: str) -> str:
    return pickers.joined(form, name)


def number(value):
    """A number as people write it: 2, not 2.0 (text as typed stays as it is)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
