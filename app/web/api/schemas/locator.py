"""JSON Schemas of the public locator API."""

from __future__ import annotations

from app.web.api.spec import string_list

LOCATION = {
    "type": "object",
    "required": ["id", "city", "country_code", "latitude", "longitude"],
    "properties": {
        "id": {"type": "integer"},
        "label": {"type": "string"},
        "street": {"type": "string"},
        "postal_code": {"type": "string"},
        "city": {"type": "string"},
        "region": {"type": "string"},
        "country_code": {"type": "string"},
        "latitude": {"type": "number"},
        "longitude": {"type": "number"},
        "opening_hours": {"type": "string"},
        "precision": {"type": "string", "enum": ["exact", "city", "manual"]},
    },
}
PARTNER_SUMMARY = {
    "type": "object",
    "required": ["slug", "name", "url"],
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "type": {"type": "string"},
        "tier": {"type": "string", "nullable": True},
        "certifications": string_list(),
        "specialties": string_list(),
        "services": string_list(),
        "languages": string_list(),
        "phone": {"type": "string"},
        "website": {"type": "string"},
        "url": {"type": "string", "description": "the public profile page"},
        "request_url": {"type": "string", "description": "where a customer asks for a quote"},
        "logo_url": {"type": "string", "nullable": True},
    },
}
RESULT = {
    "type": "object",
    "required": ["distance_km", "partner", "location"],
    "properties": {
        "distance_km": {"type": "number"},
        "partner": PARTNER_SUMMARY,
        "location": LOCATION,
    },
}
PLACE = {
    "type": "object",
    "properties": {
        "label": {"type": "string"},
        "latitude": {"type": "number"},
        "longitude": {"type": "number"},
    },
}
LOCATOR = {
    "type": "object",
    "required": ["results", "total", "page", "pages", "radius_km"],
    "properties": {
        "query": {"type": "string"},
        "place": {**PLACE, "nullable": True},
        "other_places": {"type": "array", "items": PLACE},
        "point": {"type": "array", "items": {"type": "number"}, "nullable": True},
        "radius_km": {"type": "number"},
        "total": {
            "type": "integer",
            "description": "results within the radius, counted up to 1,000 (see total_capped)",
        },
        "total_capped": {
            "type": "boolean",
            "description": "more than 1,000 results within the radius: total is 1,000, and "
            "the pages go as far as it; a smaller radius or a filter narrows them down",
        },
        "page": {"type": "integer"},
        "pages": {"type": "integer"},
        "nearest_instead": {
            "type": "boolean",
            "description": "nothing within the radius: these are the nearest anyway",
        },
        "suggested_radius_km": {"type": "number", "nullable": True},
        "results": {"type": "array", "items": RESULT},
    },
}
PROFILE = {
    "type": "object",
    "required": ["slug", "name", "locations"],
    "properties": {
        **PARTNER_SUMMARY["properties"],
        "description": {"type": "string"},
        "email": {"type": "string"},
        "locations": {"type": "array", "items": LOCATION},
    },
}
_LIST = {"type": "string", "maxLength": 200, "description": "comma-separated: any of them"}
LOCATOR_QUERY = {
    "q": {"type": "string", "maxLength": 200, "description": "a city or a postcode"},
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "lon": {"type": "number", "minimum": -180, "maximum": 180},
    "radius_km": {"type": "number", "minimum": 1, "maximum": 20000},
    "type": _LIST,
    "tier": _LIST,
    "specialty": _LIST,
    "certification": _LIST,
    "service": _LIST,
    "language": _LIST,
    "page": {"type": "integer", "minimum": 1, "maximum": 10000},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
}
