"""JSON Schemas of the recruitment resources: prospects and applications."""

from __future__ import annotations

from campaigns.journeys import applications, prospects
from campaigns.journeys.fit import CRITERIA

PROSPECT_FIELDS = {
    "company": {"type": "string", "minLength": 1, "maxLength": 200},
    "contact_name": {"type": "string", "maxLength": 200},
    "email": {"type": "string", "minLength": 3, "maxLength": 254},
    "country": {"type": "string", "maxLength": 60, "description": "a two-letter code"},
    "website": {"type": "string", "maxLength": 300},
    "source": {"type": "string", "maxLength": 60},
    "status": {"type": "string", "enum": prospects.PROSPECT_STATUSES},
    "notes": {"type": "string", "maxLength": 5000},
}
PROSPECT_CREATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": PROSPECT_FIELDS,
    "required": ["company", "email"],
}
PROSPECT_UPDATE = {"type": "object", "additionalProperties": False, "properties": PROSPECT_FIELDS}
DUPLICATES = {
    "type": "object",
    "description": "partners and other prospects with the same email or company domain",
    "properties": {
        "partners": {"type": "array", "items": {"type": "integer"}},
        "prospects": {"type": "array", "items": {"type": "integer"}},
    },
}
RECRUITMENT_SCORE = {
    "type": "object",
    "description": "the recruitment scorecard: market, fit and reach, each weighted and explained",
    "required": ["score", "lines"],
    "properties": {
        "score": {"type": "number", "minimum": 0, "maximum": 100},
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "criterion": {"type": "string", "enum": list(CRITERIA)},
                    "label": {"type": "string"},
                    "weight": {"type": "number"},
                    "normalized": {"type": "number"},
                    "contribution": {"type": "number"},
                    "why": {"type": "string"},
                },
            },
        },
    },
}
PROSPECT = {
    "type": "object",
    "required": ["id", "company", "email", "status"],
    "properties": {
        "id": {"type": "integer"},
        "company": {"type": "string"},
        "contact_name": {"type": "string"},
        "email": {"type": "string"},
        "country": {"type": "string"},
        "website": {"type": "string"},
        "domain": {"type": "string"},
        "source": {"type": "string"},
        "status": {"type": "string", "enum": prospects.PROSPECT_STATUSES},
        "notes": {"type": "string"},
        "partner_id": {"type": "integer", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "recruitment_score": RECRUITMENT_SCORE,
        "duplicates": DUPLICATES,
    },
}
PAGE_FIELDS = {
    "total": {"type": "integer"},
    "page": {"type": "integer"},
    "per_page": {"type": "integer"},
}
PROSPECT_PAGE = {
    "type": "object",
    "required": ["items", "total", "page", "per_page"],
    "properties": {"items": {"type": "array", "items": PROSPECT}, **PAGE_FIELDS},
}
PROSPECT_QUERY = {
    "q": {"type": "string", "maxLength": 100},
    "status": {"type": "string", "enum": prospects.PROSPECT_STATUSES},
    "country": {"type": "string", "maxLength": 2},
    "source": {"type": "string", "maxLength": 60},
    "sort": {"type": "string", "enum": list(prospects.SORTS), "description": "score: best first"},
    "page": {"type": "integer", "minimum": 1},
    "per_page": {"type": "integer", "minimum": 5, "maximum": 200},
}

APPLICATION = {
    "type": "object",
    "required": ["id", "company", "contact_name", "email", "status"],
    "properties": {
        "id": {"type": "integer"},
        "company": {"type": "string"},
        "contact_name": {"type": "string"},
        "email": {"type": "string"},
        "phone": {"type": "string"},
        "country": {"type": "string"},
        "website": {"type": "string"},
        "domain": {"type": "string"},
        "partner_type": {"type": "string"},
        "specialties": {"type": "array", "items": {"type": "string"}},
        "message": {"type": "string"},
        "consent_text": {"type": "string"},
        "consent_given_at": {"type": "string", "format": "date-time", "nullable": True},
        "status": {"type": "string", "enum": applications.APPLICATION_STATUSES},
        "decline_reason": {"type": "string"},
        "reviewed_at": {"type": "string", "format": "date-time", "nullable": True},
        "partner_id": {"type": "integer", "nullable": True},
        "prospect_id": {"type": "integer", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "recruitment_score": RECRUITMENT_SCORE,
        "duplicates": DUPLICATES,
    },
}
APPLICATION_PAGE = {
    "type": "object",
    "required": ["items", "total", "page", "per_page"],
    "properties": {"items": {"type": "array", "items": APPLICATION}, **PAGE_FIELDS},
}
APPLICATION_QUERY = {
    "status": {"type": "string", "enum": applications.APPLICATION_STATUSES},
    "page": {"type": "integer", "minimum": 1},
}
APPROVE = {"type": "object", "additionalProperties": False, "properties": {}}
DECLINE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"reason": {"type": "string", "maxLength": 2000}},
}
APPROVED = {
    "type": "object",
    "required": ["application", "partner_id", "invited"],
    "properties": {
        "application": APPLICATION,
        "partner_id": {"type": "integer"},
        "invited": {
            "type": "boolean",
            "description": "false when the contact already had an account",
        },
    },
}
