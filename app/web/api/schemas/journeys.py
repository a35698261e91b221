"""JSON Schemas of the journey resources: request bodies (validated by ``@operation``) and
responses (in the OpenAPI document). The definition's own rules are the domain's
(``campaigns.journeys.checks``), which names each problem."""

from __future__ import annotations

from app import validation as v
from campaigns.journeys.models import EnrollmentState, JourneyStatus
from campaigns.journeys.starters import STARTERS

TAG = "journeys"
MAX_ID = v.MAX_ID
STATUSES = [s.value for s in JourneyStatus]
ENROLLMENT_STATES = ["active", "paused", "done"]

INT = {"type": "integer"}
STR = {"type": "string"}
NULLABLE_INT = {"type": "integer", "nullable": True}
NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}
IDS = {
    "type": "array",
    "maxItems": 10_000,
    "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}
DEFINITION = {
    "type": "object",
    "maxProperties": 20,
    "description": (
        "audience, trigger, steps (each with a stable id), goal, exit, reentry, send_window, "
        "time_zone: see the journeys documentation"
    ),
}

# --- request schemas --------------------------------------------------------------------

JOURNEY_CREATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": "string", "maxLength": 2000},
        "definition": DEFINITION,
        "starter": {"type": "string", "enum": sorted(STARTERS)},
    },
}
JOURNEY_UPDATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": "string", "maxLength": 2000},
        "definition": DEFINITION,
    },
}
PUBLISH_IN = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "move_enrollments": {
            "type": "boolean",
            "description": "move people inside to the same step of the new version",
        }
    },
}
ENROLL_IN = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"partner_ids": IDS, "prospect_ids": IDS},
}
SIMULATE_IN = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "partner_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "prospect_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "suppose": {
            "type": "object",
            "maxProperties": 20,
            "additionalProperties": {"type": "boolean"},
            "description": 'what the subject does, e.g. {"opened": true, "clicked": false}',
        },
    },
}

# --- response schemas -------------------------------------------------------------------

COUNTS = {
    "type": "object",
    "properties": {name: INT for name in ("active", "paused", "done", "goal", "total")},
}
PROBLEM = {"type": "object", "properties": {"step": STR, "message": STR}}
JOURNEY_PROPS = {
    "id": INT,
    "name": STR,
    "description": STR,
    "status": {"type": "string", "enum": STATUSES},
    "version": NULLABLE_INT,
    "starter": STR,
    "counts": COUNTS,
    "created_at": NULLABLE_TIME,
    "published_at": NULLABLE_TIME,
}
JOURNEY = {
    "type": "object",
    "required": ["id", "name", "status", "counts"],
    "properties": JOURNEY_PROPS,
}
JOURNEY_LIST = {"type": "object", "properties": {"items": {"type": "array", "items": JOURNEY}}}
FUNNEL_STEP = {
    "type": "object",
    "properties": {
        "step": STR,
        "type": STR,
        "title": STR,
        **{name: INT for name in ("entered", "waiting", "completed", "exited", "goal")},
    },
}
EMAIL_STATS = {
    "type": "object",
    "properties": {
        "step": STR,
        **{
            name: INT
            for name in ("sends", "opens", "proxy_opens", "clicks", "unsubscribes", "suppressed")
        },
        "open_rate": {"type": "number"},
        "click_rate": {"type": "number"},
    },
}
JOURNEY_DETAIL = {
    "type": "object",
    "required": ["id", "name", "status", "draft", "problems"],
    "properties": {
        **JOURNEY_PROPS,
        "draft": {"type": "object"},
        "definition": {"type": "object", "nullable": True},
        "unpublished_changes": {"type": "boolean"},
        "problems": {"type": "array", "items": PROBLEM},
        "funnel": {"type": "array", "items": FUNNEL_STEP},
        "emails": {"type": "array", "items": EMAIL_STATS},
        "conversion": {
            "type": "object",
            "properties": {"entered": INT, "goal": INT, "rate": {"type": "number"}},
        },
    },
}
ENROLLMENT = {
    "type": "object",
    "required": ["id", "state"],
    "properties": {
        "id": INT,
        "subject": STR,
        "partner_id": NULLABLE_INT,
        "prospect_id": NULLABLE_INT,
        "version": NULLABLE_INT,
        "state": {"type": "string", "enum": [s.value for s in EnrollmentState]},
        "step": {"type": "string", "nullable": True},
        "exit_reason": STR,
        "next_run_at": NULLABLE_TIME,
        "entered_at": NULLABLE_TIME,
        "finished_at": NULLABLE_TIME,
        "source": STR,
    },
}
ENROLLMENT_LIST = {
    "type": "object",
    "properties": {"items": {"type": "array", "items": ENROLLMENT}, "total": INT},
}
ENROLL_OUT = {"type": "object", "properties": {"enrolled": INT, "skipped": INT}}
SIMULATION = {
    "type": "object",
    "properties": {
        "path": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"at": STR, "step": STR, "type": STR, "outcome": STR},
            },
        },
        "end": {
            "type": "object",
            "properties": {"reason": STR, "at": {"type": "string", "nullable": True}},
        },
    },
}
