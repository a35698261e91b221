"""JSON Schemas of the partner resources."""

from __future__ import annotations

from app.web.api.spec import string_list
from directory import partners

PARTNER_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "slug": {"type": "string", "maxLength": 120},
    "type": {"type": "string", "enum": partners.PARTNER_TYPES},
    "tier": {"type": "string", "maxLength": 60, "description": "tier name; empty for none"},
    "status": {"type": "string", "enum": partners.PARTNER_STATUSES},
    "countries": string_list(250, 60),
    "regions": string_list(),
    "specialties": string_list(),
    "certifications": string_list(),
    "tags": {**string_list(20, 40), "description": "the vendor's own labels (vendor users only)"},
    "website": {"type": "string", "maxLength": 300},
    "phone": {"type": "string", "maxLength": 40},
    "email": {"type": "string", "maxLength": 254},
    "description": {"type": "string", "maxLength": 5000},
    "listed_in_locator": {"type": "boolean"},
    "channel_manager": {"type": "string", "maxLength": 254, "description": "a vendor user's email"},
}
PARTNER_CREATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": PARTNER_FIELDS,
    "required": ["name"],
}
PARTNER_UPDATE = {"type": "object", "additionalProperties": False, "properties": PARTNER_FIELDS}
LOCATION = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "label": {"type": "string"},
        "street": {"type": "string"},
        "city": {"type": "string"},
        "postal_code": {"type": "string"},
        "region": {"type": "string"},
        "country_code": {"type": "string"},
        "latitude": {"type": "number", "nullable": True},
        "longitude": {"type": "number", "nullable": True},
        "public": {"type": "boolean"},
    },
}
PARTNER = {
    "type": "object",
    "required": ["id", "name", "slug", "type", "status"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "slug": {"type": "string"},
        "type": {"type": "string"},
        "tier": {"type": "string", "nullable": True},
        "status": {"type": "string"},
        "countries": {"type": "array", "items": {"type": "string"}},
        "regions": {"type": "array", "items": {"type": "string"}},
        "specialties": {"type": "array", "items": {"type": "string"}},
        "certifications": {"type": "array", "items": {"type": "string"}},
        "tags": {
            "type": "array",
            "items": {"type": "string"},
            "description": "the vendor's own labels; absent for partner users",
        },
        "website": {"type": "string"},
        "phone": {"type": "string"},
        "email": {"type": "string"},
        "description": {"type": "string"},
        "listed_in_locator": {"type": "boolean"},
        "locations": {"type": "array", "items": LOCATION},
    },
}
PARTNER_PAGE = {
    "type": "object",
    "required": ["items", "total", "page", "per_page"],
    "properties": {
        "items": {"type": "array", "items": PARTNER},
        "total": {"type": "integer"},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
    },
}
PARTNER_QUERY = {
    "q": {"type": "string", "maxLength": 100},
    "tier": {"type": "string", "maxLength": 60},
    "type": {"type": "string", "enum": partners.PARTNER_TYPES},
    "status": {"type": "string", "enum": partners.PARTNER_STATUSES},
    "country": {"type": "string", "maxLength": 2},
    "tag": {"type": "string", "maxLength": 100, "description": "partners with this tag"},
    "sort": {
        "type": "string",
        "enum": [
            "name",
            "-name",
            "tier",
            "-tier",
            "status",
            "-status",
            "type",
            "-type",
            "created",
            "-created",
        ],
    },
    "page": {"type": "integer", "minimum": 1},
    "per_page": {"type": "integer", "minimum": 5, "maximum": 200},
}
TIERS = {
    "type": "object",
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "rank": {"type": "integer"}},
            },
        }
    },
}
