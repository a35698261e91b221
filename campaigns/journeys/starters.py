"""Starter journeys a marketer copies and adjusts: onboarding, re-activation, recruitment."""

from __future__ import annotations

import copy

from app import validation as v
from campaigns.journeys import lifecycle
from campaigns.journeys.models import Journey

BUSINESS_HOURS = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "18:00"}

STARTERS: dict[str, dict] = {
    "onboarding": {
        "name": "Partner onboarding",
        "description": (
            "Welcome new partners, remind them to upload their logo, point them to the first "
            "live campaign. Goal: a logo and a first download."
        ),
        "definition": {
            "audience": {"kind": "partners", "rules": {"statuses": ["onboarding", "active"]}},
            "trigger": {"kind": "event", "event": "partner_status_changed"},
            "steps": [
                {
                    "id": "welcome",
                    "type": "email",
                    "title": "Welcome",
                    "subject": "Welcome to {{ program }}, {{ name }}",
                    "body": (
                        "Hello {{ contact_name }},\n\nwelcome to {{ program }}. Your partner "
                        "portal is ready: {{ portal_url }}\n\nThe {{ vendor }} channel team"
                    ),
                    "next": "wait-3-days",
                },
                {"id": "wait-3-days", "type": "wait", "days": 3, "next": "has-logo"},
                {
                    "id": "has-logo",
                    "type": "condition",
                    "title": "Has a logo?",
                    "if": {"fact": "has_logo"},
                    "yes": "wait-first-campaign",
                    "no": "brand-kit-reminder",
                },
                {
                    "id": "brand-kit-reminder",
                    "type": "email",
                    "title": "Brand-kit reminder",
                    "subject": "Add your logo: co-branded assets in one click",
                    "body": (
                        "Hello {{ contact_name }},\n\nupload your logo and contact details once "
                        "and every campaign asset comes co-branded for {{ name }}: "
                        "{{ portal_url }}/brand-kit"
                    ),
                    "next": "wait-first-campaign",
                },
                {"id": "wait-first-campaign", "type": "wait", "days": 4, "next": "first-campaign"},
                {
                    "id": "first-campaign",
                    "type": "email",
                    "title": "Your first live campaign",
                    "subject": "Your first campaign is ready to download",
                    "body": (
                        "Hello {{ contact_name }},\n\nyour campaigns are waiting in the portal, "
                        "ready to customize and download: {{ portal_url }}/campaigns"
                    ),
                    "next": "goal",
                },
                {"id": "goal", "type": "goal", "next": None},
            ],
            "goal": {"all": [{"fact": "has_logo"}, {"fact": "downloaded"}]},
            "exit": {"on_leave_audience": "exit"},
            "reentry": {"mode": "once"},
            "send_window": BUSINESS_HOURS,
            "time_zone": "Europe/Berlin",
        },
    },
    "reactivation": {
        "name": "Re-activation",
        "description": "Wake up partners who have not used the portal for 60 days.",
        "definition": {
            "audience": {"kind": "partners", "rules": {"statuses": ["active"]}},
            "trigger": {"kind": "audience"},
            "steps": [
                {
                    "id": "inactive",
                    "type": "condition",
                    "title": "No portal activity for 60 days?",
                    "if": {"fact": "inactive_days", "days": 60},
                    "yes": "we-miss-you",
                    "no": "check-later",
                },
                {"id": "check-later", "type": "wait", "days": 30, "next": "inactive"},
                {
                    "id": "we-miss-you",
                    "type": "email",
                    "title": "We miss you",
                    "subject": "New campaigns are waiting for {{ name }}",
                    "body": (
                        "Hello {{ contact_name }},\n\nit has been a while. New co-branded "
                        "campaigns are ready for you: {{ portal_url }}/campaigns"
                    ),
                    "next": "wait-click",
                },
                {
                    "id": "wait-click",
                    "type": "wait",
                    "event": "clicked",
                    "max_days": 7,
                    "next": None,
                    "timeout": "notify-manager",
                },
                {
                    "id": "notify-manager",
                    "type": "notify",
                    "title": "Tell the channel manager",
                    "subject": "{{ name }} has been quiet for two months",
                    "body": (
                        "{{ name }} did not react to the re-activation email. Give them a call?"
                    ),
                    "next": None,
                },
            ],
            "goal": None,
            "exit": {"on_leave_audience": "exit"},
            "reentry": {"mode": "after_days", "days": 90},
            "send_window": BUSINESS_HOURS,
            "time_zone": "Europe/Berlin",
        },
    },
    "recruitment": {
        "name": "Partner recruitment",
        "description": "Invite prospects to apply, remind them after 5 days, thank applicants.",
        "definition": {
            "audience": {"kind": "prospects", "statuses": ["new", "invited"]},
            "trigger": {"kind": "manual"},
            "steps": [
                {
                    "id": "invite",
                    "type": "email",
                    "title": "Invitation",
                    "subject": "Join the {{ program }}, {{ company }}",
                    "body": (
                        "Hello {{ contact_name }},\n\nwe would like {{ company }} to join "
                        "{{ program }}: co-branded campaigns, leads from our partner locator "
                        "and a dedicated channel manager.\n\nApply in two minutes: {{ apply_url }}"
                    ),
                    "next": "wait-apply",
                },
                {
                    "id": "wait-apply",
                    "type": "wait",
                    "event": "applied",
                    "max_days": 5,
                    "next": "thank-you",
                    "timeout": "reminder",
                },
                {
                    "id": "reminder",
                    "type": "email",
                    "title": "Reminder",
                    "subject": "A reminder: {{ program }} is open for {{ company }}",
                    "body": (
                        "Hello {{ contact_name }},\n\na short reminder of our invitation. "
                        "The application takes two minutes: {{ apply_url }}"
                    ),
                    "next": "wait-apply-again",
                },
                {
                    "id": "wait-apply-again",
                    "type": "wait",
                    "event": "applied",
                    "max_days": 14,
                    "next": "thank-you",
                    "timeout": None,
                },
                {
                    "id": "thank-you",
                    "type": "email",
                    "title": "Thank you",
                    "subject": "Thank you for applying, {{ company }}",
                    "body": (
                        "Hello {{ contact_name }},\n\nthank you for your application to "
                        "{{ program }}. A channel manager will review it and get back to you."
                    ),
                    "next": "applied",
                },
                {"id": "applied", "type": "goal", "title": "Applied", "if": {"fact": "applied"}},
            ],
            "goal": None,
            "exit": {"on_leave_audience": "continue"},
            "reentry": {"mode": "once"},
            "send_window": BUSINESS_HOURS,
            "time_zone": "Europe/Berlin",
        },
    },
}


def starters() -> list[dict]:
    """The starters for a picker: key, name, description, number of steps."""
    return [
        {
            "key": key,
            "name": s["name"],
            "description": s["description"],
            "steps": len(s["definition"]["steps"]),
        }
        for key, s in STARTERS.items()
    ]


def copy_starter(key: str, actor, *, name: str | None = None) -> Journey:
    """A new draft journey from the starter KEY. The caller commits."""
    starter = STARTERS.get(key)
    if starter is None:
        raise v.ValidationFailed({"starter": f"There is no starter '{key}'."})
    return lifecycle.create_journey(
        {
            "name": name or starter["name"],
            "description": starter["description"],
            "definition": copy.deepcopy(starter["definition"]),
        },
        actor,
        starter=key,
    )
