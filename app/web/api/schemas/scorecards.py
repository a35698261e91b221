"""JSON Schemas of the scorecard resources: scorecards, scores and imported metrics."""

from __future__ import annotations

from directory import imported_metrics
from directory.scorecards.cards import MAX_LINES, METHODS
from directory.scorecards.metrics import METRICS

NUMBER_OR_NULL = {"type": "number", "nullable": True}
LINE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["metric", "weight"],
    "properties": {
        "metric": {"type": "string", "enum": sorted(METRICS)},
        "group": {"type": "string", "maxLength": 40},
        "weight": {"type": "number", "minimum": 0, "maximum": 1000},
        "method": {"type": "string", "enum": list(METHODS)},
        "target": {"type": "number", "minimum": 0},
    },
}
SCORECARD_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 120},
    "description": {"type": "string", "maxLength": 2000},
    "period_days": {"type": "integer", "minimum": 7, "maximum": 3660},
    "keep_daily_days": {
        "type": "integer",
        "minimum": 7,
        "maximum": 3660,
        "description": "every day's last scores are kept this many days, then each month's",
    },
    "keep_monthly_months": {
        "type": "integer",
        "minimum": 0,
        "maximum": 1200,
        "description": "each month's last scores are kept this many months (0: for ever)",
    },
    "lines": {"type": "array", "minItems": 1, "maxItems": MAX_LINES, "items": LINE},
    "thresholds": {
        "type": "object",
        "description": "tier name → the lowest score of that tier",
        "maxProperties": 50,
        "additionalProperties": {"type": "number", "minimum": 0, "maximum": 100},
    },
    "active": {"type": "boolean"},
}
SCORECARD_CREATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": SCORECARD_FIELDS,
    "required": ["name", "lines"],
}
SCORECARD_UPDATE = {"type": "object", "additionalProperties": False, "properties": SCORECARD_FIELDS}
SCORECARD = {
    "type": "object",
    "required": ["id", "name", "lines", "thresholds"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "description": {"type": "string"},
        "period_days": {"type": "integer"},
        "keep_daily_days": {"type": "integer"},
        "keep_monthly_months": {"type": "integer"},
        "lines": {"type": "array", "items": LINE},
        "thresholds": {"type": "object", "additionalProperties": {"type": "number"}},
        "active": {"type": "boolean"},
        "last_run_id": {"type": "integer", "nullable": True},
    },
}
SCORECARDS = {"type": "object", "properties": {"items": {"type": "array", "items": SCORECARD}}}
RUN = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "scorecard_id": {"type": "integer"},
        "state": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "partners": {"type": "integer"},
        "finished_at": {"type": "string", "nullable": True},
    },
}
SCORE_LINE = {
    "type": "object",
    "properties": {
        "metric": {"type": "string"},
        "label": {"type": "string"},
        "group": {"type": "string"},
        "value": NUMBER_OR_NULL,
        "normalized": {"type": "number"},
        "weight_percent": {"type": "number"},
        "contribution": {"type": "number"},
    },
}
SCORE = {
    "type": "object",
    "properties": {
        "partner_id": {"type": "integer"},
        "partner": {"type": "string"},
        "scorecard_id": {"type": "integer"},
        "computed_at": {"type": "string"},
        "score": {"type": "number"},
        "previous_score": NUMBER_OR_NULL,
        "tier": {"type": "string", "nullable": True},
        "recommended_tier": {"type": "string", "nullable": True},
        "lines": {"type": "array", "items": SCORE_LINE},
    },
}
SCORES = {"type": "object", "properties": {"items": {"type": "array", "items": SCORE}}}
SCORE_QUERY = {
    "scorecard": {"type": "integer", "description": "default: the first active scorecard"},
}
METRIC_FIELDS = {
    "partner_id": {"type": "integer", "minimum": 1},
    "metric": {"type": "string", "enum": list(imported_metrics.METRICS)},
    "period_start": {"type": "string", "format": "date", "maxLength": 10},
    "period_end": {"type": "string", "format": "date", "maxLength": 10},
    "value": {"type": "number"},
}
IMPORTED_METRIC = {
    "type": "object",
    "additionalProperties": False,
    "required": list(METRIC_FIELDS),
    "properties": METRIC_FIELDS,
}
IMPORTED_METRICS_PUT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["items"],
    "properties": {
        "items": {"type": "array", "minItems": 1, "maxItems": 5000, "items": IMPORTED_METRIC}
    },
}
IMPORTED_METRICS = {
    "type": "object",
    "properties": {
        "items": {
            "type": "array",
            "items": {"type": "object", "properties": {**METRIC_FIELDS, "id": {"type": "integer"}}},
        },
        "created": {"type": "integer"},
        "updated": {"type": "integer"},
    },
}
IMPORTED_QUERY = {
    "partner_id": {"type": "integer"},
    "metric": {"type": "string", "enum": list(imported_metrics.METRICS)},
}
