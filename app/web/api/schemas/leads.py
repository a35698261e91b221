"""JSON Schemas of the lead resources."""

from __future__ import annotations

from directory.leads.models import LeadStatus

STRING_OR_NULL = {"type": "string", "nullable": True}
LEAD = {
    "type": "object",
    "required": ["id", "created_at", "status", "partner_id"],
    "properties": {
        "id": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "status": {"type": "string", "enum": [s.value for s in LeadStatus]},
        "partner_id": {"type": "integer", "nullable": True},
        "partner": STRING_OR_NULL,
        "routing": {"type": "string", "enum": ["direct", "auto"]},
        "explanation": {"type": "string"},
        "name": STRING_OR_NULL,
        "email": STRING_OR_NULL,
        "phone": STRING_OR_NULL,
        "postcode": {"type": "string"},
        "place": {"type": "string"},
        "country_code": {"type": "string"},
        "product_interest": {"type": "string"},
        "message": {"type": "string"},
        "consent_text": {"type": "string"},
        "distance_km": {"type": "number", "nullable": True},
        "sla_due_at": {"type": "string", "format": "date-time", "nullable": True},
        "accepted_at": {"type": "string", "format": "date-time", "nullable": True},
        "closed_at": {"type": "string", "format": "date-time", "nullable": True},
        "lost_reason": {"type": "string"},
        "deal_value": {"type": "number", "nullable": True},
        "conflict": STRING_OR_NULL,
        "declines": {
            "type": "array",
            "description": "partners that declined the lead and why (vendor scope; empty for "
            "a partner user)",
            "items": {
                "type": "object",
                "required": ["partner_id", "partner", "reason", "at"],
                "properties": {
                    "partner_id": {"type": "integer", "nullable": True},
                    "partner": {"type": "string"},
                    "reason": {"type": "string"},
                    "at": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
}
LEADS = {
    "type": "object",
    "required": ["items", "total"],
    "properties": {
        "items": {"type": "array", "items": LEAD},
        "total": {"type": "integer"},
        "page": {"type": "integer"},
    },
}
LEADS_QUERY = {
    "status": {"type": "string", "enum": [s.value for s in LeadStatus]},
    "partner": {"type": "integer", "description": "a partner's id (vendor scope)"},
    "since": {"type": "string", "format": "date"},
    "until": {"type": "string", "format": "date"},
    "page": {"type": "integer", "minimum": 1},
}
LEAD_CREATE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "email", "consent"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "email": {"type": "string", "maxLength": 254},
        "phone": {"type": "string", "maxLength": 40},
        "postcode": {"type": "string", "maxLength": 20},
        "country_code": {"type": "string", "maxLength": 60},
        "product_interest": {"type": "string", "maxLength": 120},
        "message": {"type": "string", "maxLength": 4000},
        "consent": {"type": "boolean", "description": "the customer agreed to be contacted"},
        "partner": {"type": "string", "maxLength": 120, "description": "a slug, or 'any'"},
        "latitude": {"type": "number", "minimum": -90, "maximum": 90},
        "longitude": {"type": "number", "minimum": -180, "maximum": 180},
    },
}
LEAD_ANSWER = {
    "type": "object",
    "additionalProperties": False,
    "required": ["action"],
    "properties": {
        "action": {"type": "string", "enum": ["accept", "decline", "contacted", "won", "lost"]},
        "reason": {"type": "string", "maxLength": 300},
        "value": {"type": "number", "minimum": 0},
    },
}
