"""JSON Schemas of the campaign resources: request bodies (validated by ``@operation``) and
responses (in the OpenAPI document)."""

from __future__ import annotations

from app import validation as v
from app.web.api.spec import string_list
from campaigns import events, targeting
from campaigns.models import CampaignStatus, Objective, RenderStatus
from directory.models import PartnerStatus, PartnerType

TAG = "campaigns"
MAX_ID = v.MAX_ID
STATUSES = [s.value for s in CampaignStatus]
KINDS = list(events.KINDS)

# --- request schemas --------------------------------------------------------------------

PARTNER_IDS = {
    "type": "array",
    "maxItems": 10_000,
    "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "description": "partner ids",
}
TARGETING_RULES = {
    "type": "object",
    "additionalProperties": False,
    "description": "Rules are AND-ed, the values of one list OR-ed; statuses default to active.",
    "properties": {
        "tiers": string_list(50),
        "min_tier": {"type": "string", "maxLength": 60, "description": "empty for none"},
        "types": {
            "type": "array",
            "maxItems": len(PartnerType),
            "items": {"type": "string", "enum": [t.value for t in PartnerType]},
        },
        "countries": string_list(250),
        "regions": string_list(100),
        "specialties": string_list(100),
        "certifications": string_list(100),
        "statuses": {
            "type": "array",
            "maxItems": len(PartnerStatus),
            "items": {"type": "string", "enum": [s.value for s in PartnerStatus]},
        },
    },
}
DATE_IN = {"type": "string", "maxLength": 10, "description": "YYYY-MM-DD; empty for none"}
CAMPAIGN_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": {"type": "string", "maxLength": 5000},
    "objective": {"type": "string", "enum": [o.value for o in Objective]},
    "starts_on": DATE_IN,
    "ends_on": DATE_IN,
    "targeting": TARGETING_RULES,
    "include_partner_ids": PARTNER_IDS,
    "exclude_partner_ids": PARTNER_IDS,
}
CAMPAIGN_CREATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": CAMPAIGN_FIELDS,
    "required": ["name"],
}
CAMPAIGN_UPDATE = {"type": "object", "additionalProperties": False, "properties": CAMPAIGN_FIELDS}
TARGETING_PREVIEW_IN = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "targeting": TARGETING_RULES,
        "include_partner_ids": PARTNER_IDS,
        "exclude_partner_ids": PARTNER_IDS,
    },
}
FIELD_VALUES = {
    "type": "object",
    "maxProperties": 100,
    "additionalProperties": {"type": "string", "maxLength": 20_000},
    "description": "field name: value",
}
ASSET_FIELDS = {
    "template_version_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "title": {"type": "string", "maxLength": 200, "description": "default: the template's name"},
    "presets": {**FIELD_VALUES, "description": "the vendor's values, field name: value"},
    "editable_fields": {
        **string_list(200, 60),
        "description": "the fields partners may change; default: all the template allows",
    },
    "position": {"type": "integer", "minimum": 0, "maximum": 100_000},
}
ASSET_CREATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": ASSET_FIELDS,
    "required": ["template_version_id"],
}
ASSET_UPDATE = {
    "type": "object",
    "additionalProperties": False,
    "properties": ASSET_FIELDS,
    "description": "A new template_version_id checks the presets and editable fields against "
    "the new template (send them too if they do not fit).",
}
SCHEDULE_IN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["at"],
    "properties": {
        "at": {
            "type": "string",
            "maxLength": 40,
            "description": "ISO 8601 date and time; UTC unless it has an offset",
        }
    },
}
CUSTOMIZATION_IN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["values"],
    "properties": {
        "values": {
            **FIELD_VALUES,
            "description": "Replaces the partner's values: field name: value. A blank value, "
            "or a field left out, means the vendor's value.",
        }
    },
}

# --- response schemas -------------------------------------------------------------------

INT = {"type": "integer"}
STR = {"type": "string"}
STRINGS = {"type": "array", "items": STR}
NULLABLE_DATE = {"type": "string", "format": "date", "nullable": True}
NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}
TARGETING_OUT = {
    "type": "object",
    "properties": {
        **{name: STRINGS for name in targeting.LIST_RULES},
        "min_tier": {"type": "string", "nullable": True},
    },
}
CAMPAIGN_PROPS = {
    "id": INT,
    "name": STR,
    "description": STR,
    "objective": STR,
    "status": {"type": "string", "enum": STATUSES},
    "starts_on": NULLABLE_DATE,
    "ends_on": NULLABLE_DATE,
    "targeting": TARGETING_OUT,
    "include_partner_ids": {"type": "array", "items": INT},
    "exclude_partner_ids": {"type": "array", "items": INT},
    "scheduled_at": NULLABLE_TIME,
    "launched_at": NULLABLE_TIME,
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "asset_count": INT,
}
CAMPAIGN_REQUIRED = ["id", "name", "status", "objective", "targeting"]
CAMPAIGN = {"type": "object", "required": CAMPAIGN_REQUIRED, "properties": CAMPAIGN_PROPS}
CAMPAIGN_LIST = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": CAMPAIGN}},
}
ASSET = {
    "type": "object",
    "required": ["id", "campaign_id", "title", "template_version_id", "kind"],
    "properties": {
        "id": INT,
        "campaign_id": INT,
        "title": STR,
        "position": INT,
        "template_version_id": INT,
        "template": STR,
        "kind": STR,
        "presets": {"type": "object", "additionalProperties": STR},
        "editable_fields": STRINGS,
        "formats": STRINGS,
    },
}
COUNTS = {name: INT for name in ("total", *(s.value for s in RenderStatus))}
CAMPAIGN_DETAIL = {
    "type": "object",
    "required": [*CAMPAIGN_REQUIRED, "assets", "progress"],
    "properties": {
        **CAMPAIGN_PROPS,
        "assets": {"type": "array", "items": ASSET},
        "progress": {"type": "object", "properties": COUNTS},
        "next_statuses": {"type": "array", "items": {"type": "string", "enum": STATUSES}},
    },
}
PROGRESS = {
    "type": "object",
    "required": ["status", "total", "failures"],
    "properties": {
        "status": {"type": "string", "enum": STATUSES},
        **COUNTS,
        "failures": {
            "type": "array",
            "items": {"type": "object", "properties": {"partner": STR, "asset": STR, "error": STR}},
        },
    },
}
NO_EMAIL = {
    "type": "object",
    "description": "Why some partners added got no email",
    "required": ["reason", "count", "unit", "message"],
    "properties": {
        "reason": {
            "type": "string",
            "enum": ["no_address", "unsubscribed", "told_before"],
            "description": "no_address: the partner has nobody with an email address; "
            "unsubscribed: addresses unsubscribed from marketing email; told_before: the "
            "partner was told of this campaign before",
        },
        "count": INT,
        "unit": {"type": "string", "enum": ["partners", "addresses"]},
        "message": STR,
    },
}
LAUNCH = {
    "type": "object",
    "required": ["partners_added", "renders_queued", "emails_queued", "no_email", "status"],
    "properties": {
        "partners_added": INT,
        "renders_queued": INT,
        "emails_queued": INT,
        "no_email": {"type": "array", "items": NO_EMAIL},
        "status": {"type": "string", "enum": STATUSES},
    },
}
KIND_COUNTS = {kind: INT for kind in KINDS}
DASHBOARD_GROUP = {"type": "object", "properties": {"name": STR, "targeted": INT, **KIND_COUNTS}}
DASHBOARD = {
    "type": "object",
    "required": ["partners", "events", "by_tier", "by_region", "per_day", "top_partners"],
    "properties": {
        "partners": {"type": "object", "properties": {"targeted": INT, **KIND_COUNTS}},
        "events": {"type": "object", "properties": KIND_COUNTS},
        "by_tier": {"type": "array", "items": DASHBOARD_GROUP},
        "by_region": {"type": "array", "items": DASHBOARD_GROUP},
        "per_day": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"date": {"type": "string", "format": "date"}, **KIND_COUNTS},
            },
        },
        "top_partners": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"partner_id": INT, "name": STR, "total": INT, **KIND_COUNTS},
            },
        },
        "active_partners": INT,
    },
}
TARGETING_PREVIEW = {
    "type": "object",
    "required": ["count", "partners"],
    "properties": {
        "count": INT,
        "partners": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": INT,
                    "name": STR,
                    "tier": {"type": "string", "nullable": True},
                    "countries": STRINGS,
                },
            },
        },
    },
}
TEMPLATE_FIELD = {
    "type": "object",
    "required": ["name", "type", "label", "editable"],
    "properties": {
        "name": STR,
        "type": STR,
        "label": STR,
        "help": STR,
        "editable": {"type": "boolean"},
        "required": {"type": "boolean"},
        "default": {"type": "string", "nullable": True},
        "default_from": {"type": "string", "nullable": True},
        "max_length": {"type": "integer", "nullable": True},
        "choices": STRINGS,
    },
}
TEMPLATES = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "template", "kind", "number", "fields"],
                "properties": {
                    "id": INT,
                    "template_id": INT,
                    "template": STR,
                    "slug": STR,
                    "kind": STR,
                    "number": INT,
                    "published_at": NULLABLE_TIME,
                    "fields": {"type": "array", "items": TEMPLATE_FIELD},
                },
            },
        }
    },
}
PARTNER_ASSET_SUMMARY = {
    "type": "object",
    "required": ["id", "title", "kind", "formats"],
    "properties": {"id": INT, "title": STR, "kind": STR, "formats": STRINGS},
}
PARTNER_CAMPAIGN = {
    "type": "object",
    "required": ["id", "name", "assets"],
    "properties": {
        "id": INT,
        "name": STR,
        "description": STR,
        "objective": STR,
        "starts_on": NULLABLE_DATE,
        "ends_on": NULLABLE_DATE,
        "launched_at": NULLABLE_TIME,
        "assets": {"type": "array", "items": PARTNER_ASSET_SUMMARY},
    },
}
PARTNER_CAMPAIGNS = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": PARTNER_CAMPAIGN}},
}
FIELD_STATE = {
    "type": "object",
    "required": ["name", "label", "type", "value", "editable", "source"],
    "properties": {
        "name": STR,
        "label": STR,
        "type": STR,
        "help": STR,
        "value": {"type": "string", "nullable": True},
        "editable": {"type": "boolean"},
        "source": {"type": "string", "enum": ["partner", "vendor", "default"]},
        "max_length": {"type": "integer", "nullable": True},
        "choices": STRINGS,
    },
}
PARTNER_ASSET = {
    "type": "object",
    "required": ["id", "campaign_id", "title", "kind", "formats", "fields", "customized"],
    "properties": {
        "id": INT,
        "campaign_id": INT,
        "campaign": STR,
        "title": STR,
        "kind": STR,
        "formats": STRINGS,
        "customized": {"type": "boolean"},
        "fields": {"type": "array", "items": FIELD_STATE},
    },
}
RENDER = {
    "type": "object",
    "required": ["render_key", "content_type", "filename", "url"],
    "properties": {
        "format": STR,
        "render_key": STR,
        "content_type": STR,
        "filename": STR,
        "url": {"type": "string", "description": "the file itself, with the same token"},
    },
}
PICTURE_TYPES = ("image/png", "image/jpeg", "image/webp")
PICTURE = {
    "type": "object",
    "required": ["id", "ref", "content_type", "width", "height", "created_at"],
    "properties": {
        "id": INT,
        "ref": {"type": "string", "description": "the value for an image field"},
        "content_type": STR,
        "width": INT,
        "height": INT,
        "created_at": STR,
    },
}
PICTURES = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": PICTURE}},
}
REMOVED = {
    "type": "object",
    "required": ["id", "removed"],
    "properties": {"id": INT, "removed": {"type": "boolean"}},
}
