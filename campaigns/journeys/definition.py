"""The journey definition: what a journey's JSON holds, and how to read it.

    {
      "audience": {"kind": "partners", "rules": {...campaign targeting rules...},
                   "include_partner_ids": [], "exclude_partner_ids": []}
                  | {"kind": "prospects", "statuses": ["new"]},
      "trigger": {"kind": "event", "event": "partner_created"} | {"kind": "audience"}
                 | {"kind": "date", "field": "created_at", "days_after": 0} | {"kind": "manual"},
      "steps": [{"id": "welcome", "type": "email", "subject": "...", "body": "...",
                 "next": "wait1"}, ...],
      "goal": {"all": [{"fact": "has_logo"}, {"fact": "downloaded"}]} | null,
      "exit": {"on_leave_audience": "exit" | "continue"},
      "reentry": {"mode": "once" | "after_days" | "always", "days": 30},
      "send_window": {"days": ["mon", ...], "start": "08:00", "end": "18:00"} | null,
      "time_zone": "Europe/Berlin"
    }

Step types and their exits:
- ``email``: ``subject`` and ``body`` (a simple message), or ``template_version_id`` (an email
  brand template, co-branded for the partner); ``next``.
- ``wait``: ``days``/``hours``/``minutes`` (a duration), or ``until`` (an ISO date-time, UTC),
  or ``window`` ({"days": [...], "start": "09:00", "end": "11:00"} in the recipient's time
  zone), or ``event`` ("opened", "clicked", "downloaded", "customized", "status_changed",
  "applied") with ``max_days``: ``next`` when it happened, ``timeout`` (default ``next``) when
  the time ran out.
- ``condition``: ``if`` (a condition, see ``stepper.evaluate``); ``yes`` / ``no``.
- ``split``: ``branches`` [{"percent": 50, "next": "a"}, ...] (deterministic per enrollment).
- ``update_partner``: ``status`` / ``tier`` / ``tag``; ``next``.
- ``notify``: an internal email to the partner's channel manager (or ``to``); ``next``.
- ``goal``: if the journey's goal (or its own ``if``) holds, the enrollment exits with the
  goal reached; else ``next``.
- ``exit``: the end. A missing ``next`` is the end too.
"""

from __future__ import annotations

from typing import Any

STEP_TYPES = ("email", "wait", "condition", "split", "update_partner", "notify", "goal", "exit")
STEP_TYPE_LABELS = {
    "email": "Send an email",
    "wait": "Wait",
    "condition": "Condition",
    "split": "A/B split",
    "update_partner": "Update the partner",
    "notify": "Notify the channel manager",
    "goal": "Goal check",
    "exit": "End",
}
EVENTS = (
    "partner_created",
    "partner_status_changed",
    "partner_tier_changed",
    "application_submitted",
    "application_approved",
    "campaign_launched",
    "asset_downloaded",
    "score_crossed_threshold",
)
EVENT_LABELS = {
    "partner_created": "A partner is created",
    "partner_status_changed": "A partner's status changes",
    "partner_tier_changed": "A partner's tier changes",
    "application_submitted": "An application is submitted",
    "application_approved": "An application is approved",
    "campaign_launched": "A campaign is launched to the partner",
    "asset_downloaded": "A partner downloads a campaign asset",
    "score_crossed_threshold": "A partner's score crosses a tier threshold",
}
# events of prospects (the others are of partners)
PROSPECT_EVENTS = ("application_submitted",)
TRIGGER_KINDS = ("event", "audience", "date", "manual")
AUDIENCE_KINDS = ("partners", "prospects")
REENTRY_MODES = ("once", "after_days", "always")
WAIT_EVENTS = ("opened", "clicked", "downloaded", "customized", "status_changed", "applied")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# how many steps one execution may run without reaching a wait: a guard against loops
MAX_STEPS_PER_RUN = 50


def empty() -> dict[str, Any]:
    return {
        "audience": {"kind": "partners", "rules": {}},
        "trigger": {"kind": "manual"},
        "steps": [],
        "goal": None,
        "exit": {"on_leave_audience": "exit"},
        "reentry": {"mode": "once"},
        "send_window": None,
        "time_zone": "UTC",
    }


def steps_by_id(definition: dict) -> dict[str, dict]:
    return {str(step.get("id")): step for step in definition.get("steps") or []}


def step(definition: dict, step_id: str | None) -> dict | None:
    if step_id is None:
        return None
    for candidate in definition.get("steps") or []:
        if candidate.get("id") == step_id:
            return candidate
    return None


def first_step_id(definition: dict) -> str | None:
    steps = definition.get("steps") or []
    return str(steps[0]["id"]) if steps else None


def audience_kind(definition: dict) -> str:
    return (definition.get("audience") or {}).get("kind") or "partners"


def trigger(definition: dict) -> dict:
    return definition.get("trigger") or {"kind": "manual"}


def reentry(definition: dict) -> dict:
    return definition.get("reentry") or {"mode": "once"}


def exits_of(step_def: dict) -> list[tuple[str, str | None]]:
    """The step's exits as (label, target step id or None for the end)."""
    kind = step_def.get("type")
    if kind == "exit":
        return []
    if kind == "condition":
        return [("yes", step_def.get("yes")), ("no", step_def.get("no"))]
    if kind == "split":
        return [
            (f"{branch.get('percent', 0)}%", branch.get("next"))
            for branch in step_def.get("branches") or []
        ]
    if kind == "wait" and step_def.get("event"):
        return [("happened", step_def.get("next")), ("timeout", timeout_of(step_def))]
    return [("next", step_def.get("next"))]


def timeout_of(step_def: dict) -> str | None:
    return step_def["timeout"] if "timeout" in step_def else step_def.get("next")
