"""Campaigns in the REST API: vendor staff build, target, launch and follow campaigns; partner
users list the campaigns aimed at them, customize assets and fetch their co-branded files.

The views call the same domain functions as the admin and portal screens (campaigns.lifecycle,
assets, progress, targeting, visibility, customize, downloads, events); a campaign or asset
that a partner may not see is a 404, as in the portal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import wraps

from flask import abort, g, request, url_for
from sqlalchemy import select

from app import runtime
from app import validation as v
from app.db import session
from app.web.access import MARKETERS, PARTNER, VENDOR, acting_user, roles
from app.web.api import bp
from app.web.api.spec import operation, string_list
from app.web.common import file_response, get_or_404
from app.web.lookups import (
    my_partner,
    record_event,
    visible_asset_or_404,
    visible_campaign_or_404,
)
from brand_templates import FieldValueError
from brand_templates.models import BrandTemplate, BrandTemplateVersion
from campaigns import (
    assets,
    customize,
    events,
    lifecycle,
    lookup,
    pictures,
    progress,
    targeting,
    visibility,
)
from campaigns.downloads import download_for, formats_of
from campaigns.models import (
    STATUS_TRANSITIONS,
    Campaign,
    CampaignAsset,
    CampaignStatus,
    EventKind,
    Objective,
    RenderStatus,
)
from campaigns.rendering import RenderProblem, bundle_of
from directory.logos import LogoRejected, process_picture
from directory.models import Partner, PartnerStatus, PartnerType
from renderers.errors import RenderError

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
LAUNCH = {
    "type": "object",
    "required": ["partners_added", "renders_queued", "emails_queued", "status"],
    "properties": {
        "partners_added": INT,
        "renders_queued": INT,
        "emails_queued": INT,
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


# --- JSON of domain objects -------------------------------------------------------------


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: datetime | None) -> str | None:
    """Stored times are naive UTC; the API says so."""
    return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z") if value else None


def campaign_json(campaign: Campaign) -> dict:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "description": campaign.description or "",
        "objective": campaign.objective,
        "status": campaign.status,
        "starts_on": _day(campaign.starts_on),
        "ends_on": _day(campaign.ends_on),
        "targeting": campaign.targeting or {},
        "include_partner_ids": list(campaign.include_partner_ids or []),
        "exclude_partner_ids": list(campaign.exclude_partner_ids or []),
        "scheduled_at": _moment(campaign.scheduled_at),
        "launched_at": _moment(campaign.launched_at),
        "created_at": _moment(campaign.created_at),
        "updated_at": _moment(campaign.updated_at or campaign.created_at),
        "asset_count": len(campaign.assets),
    }


def asset_json(asset: CampaignAsset) -> dict:
    version = asset.template_version
    return {
        "id": asset.id,
        "campaign_id": asset.campaign_id,
        "title": asset.title,
        "position": asset.position,
        "template_version_id": asset.template_version_id,
        "template": version.template.name,
        "kind": version.template.kind,
        "presets": {name: str(value) for name, value in (asset.presets or {}).items()},
        "editable_fields": list(asset.editable_fields or []),
        "formats": list(formats_of(asset)),
    }


def _counts(progress: dict) -> dict:
    return {name: progress[name] for name in COUNTS}


def campaign_detail_json(campaign: Campaign) -> dict:
    return {
        **campaign_json(campaign),
        "assets": [asset_json(asset) for asset in campaign.assets],
        "progress": _counts(progress.progress(campaign.id, max_failures=0)),
        "next_statuses": sorted(
            s.value for s in STATUS_TRANSITIONS[CampaignStatus(campaign.status)]
        ),
    }


def _campaign_asset_or_404(campaign_id: int, asset_id: int) -> CampaignAsset:
    asset = get_or_404(CampaignAsset, asset_id)
    if asset.campaign_id != campaign_id:
        abort(404)
    return asset


# --- vendor: campaigns ------------------------------------------------------------------


@bp.get("/campaigns")
@roles(VENDOR)
@operation(
    "Campaigns, newest first",
    response=CAMPAIGN_LIST,
    tag=TAG,
    query={"status": {"type": "string", "enum": STATUSES}},
)
def campaigns_index():
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(400, f"'{status}' is not a campaign status (use {', '.join(STATUSES)}).")
    return {"items": [campaign_json(c) for c in lookup.list_campaigns(status)]}


@bp.post("/campaigns")
@roles(MARKETERS)
@operation(
    "Create a draft campaign", body=CAMPAIGN_CREATE, response=CAMPAIGN_DETAIL, status=201, tag=TAG
)
def campaigns_create():
    campaign = lifecycle.create_campaign(g.api_body, acting_user())
    session.commit()
    return campaign_detail_json(campaign), 201


@bp.get("/campaigns/<int:campaign_id>")
@roles(VENDOR)
@operation("One campaign with its assets and render progress", response=CAMPAIGN_DETAIL, tag=TAG)
def campaign_show(campaign_id: int):
    return campaign_detail_json(get_or_404(Campaign, campaign_id))


@bp.patch("/campaigns/<int:campaign_id>")
@roles(MARKETERS)
@operation(
    "Change a campaign (new targeting of a live one adds the partners it now matches)",
    body=CAMPAIGN_UPDATE,
    response=CAMPAIGN_DETAIL,
    tag=TAG,
)
def campaign_update(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    lifecycle.update_campaign(campaign, g.api_body, acting_user())
    session.commit()
    return campaign_detail_json(campaign)


@bp.post("/campaigns/<int:campaign_id>/assets")
@roles(MARKETERS)
@operation(
    "Add an asset from a published template version",
    body=ASSET_CREATE,
    response=ASSET,
    status=201,
    tag=TAG,
)
def campaign_asset_create(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    asset = assets.add_asset(campaign, g.api_body, acting_user())
    session.commit()
    return asset_json(asset), 201


@bp.patch("/campaigns/<int:campaign_id>/assets/<int:asset_id>")
@roles(MARKETERS)
@operation(
    "Change an asset's title, position, presets or editable fields",
    body=ASSET_UPDATE,
    response=ASSET,
    tag=TAG,
)
def campaign_asset_update(campaign_id: int, asset_id: int):
    asset = _campaign_asset_or_404(campaign_id, asset_id)
    data = dict(g.api_body)
    if "template_version_id" in data:
        # what was chosen for the old template must fit the new one, or be sent anew
        data.setdefault("presets", dict(asset.presets or {}))
        data.setdefault("editable_fields", list(asset.editable_fields or []))
    assets.update_asset(asset, data, acting_user())
    session.commit()
    return asset_json(asset)


@bp.delete("/campaigns/<int:campaign_id>/assets/<int:asset_id>")
@roles(MARKETERS)
@operation("Remove an asset with its renders and customizations", response=REMOVED, tag=TAG)
def campaign_asset_delete(campaign_id: int, asset_id: int):
    asset = _campaign_asset_or_404(campaign_id, asset_id)
    assets.remove_asset(asset, acting_user())
    session.commit()
    return {"id": asset_id, "removed": True}


@bp.post("/campaigns/<int:campaign_id>/launch")
@roles(MARKETERS)
@operation(
    "Launch now; again on a live campaign, add only partners that match since",
    response=LAUNCH,
    tag=TAG,
)
def campaign_launch(campaign_id: int):
    get_or_404(Campaign, campaign_id)
    result = lifecycle.launch(campaign_id, acting_user())
    return {
        "partners_added": result.partners_added,
        "renders_queued": result.renders_queued,
        "emails_queued": result.emails_queued,
        "status": get_or_404(Campaign, campaign_id).status,
    }


def _launch_time(text: str) -> datetime:
    """A launch time from ISO 8601, as naive UTC; ValidationFailed naming ``at``."""
    try:
        when = datetime.fromisoformat(text.strip())
        if when.tzinfo is not None:
            when = when.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError) as exc:
        raise v.ValidationFailed(
            {"at": f"'{text}' is not a date and time (use e.g. 2030-01-31T09:00:00Z)."}
        ) from exc
    return when


@bp.post("/campaigns/<int:campaign_id>/schedule")
@roles(MARKETERS)
@operation(
    "Launch at a later time (a scheduled campaign is rescheduled)",
    body=SCHEDULE_IN,
    response=CAMPAIGN_DETAIL,
    tag=TAG,
)
def campaign_schedule(campaign_id: int):
    get_or_404(Campaign, campaign_id)
    try:
        lifecycle.schedule(campaign_id, _launch_time(g.api_body["at"]), acting_user())
    except v.ValidationFailed as exc:
        errors = {"at" if k == "scheduled_at" else k: m for k, m in exc.errors.items()}
        raise v.ValidationFailed(errors) from None
    return campaign_detail_json(get_or_404(Campaign, campaign_id))


@bp.get("/campaigns/<int:campaign_id>/progress")
@roles(VENDOR)
@operation("Renders by status, and why the failed ones failed", response=PROGRESS, tag=TAG)
def campaign_progress(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    report = progress.progress(campaign.id)
    return {
        "status": campaign.status,
        **_counts(report),
        "failures": [
            {"partner": partner, "asset": asset, "error": error or ""}
            for partner, asset, error in report["failures"]
        ],
    }


@bp.get("/campaigns/<int:campaign_id>/dashboard")
@roles(VENDOR)
@operation(
    "Engagement: partners and events per kind, by tier, region and day", response=DASHBOARD, tag=TAG
)
def campaign_dashboard(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    return events.dashboard(campaign.id)


@bp.post("/targeting/preview")
@roles(VENDOR)
@operation(
    "How many and which partners targeting rules match (the first 20 by name)",
    body=TARGETING_PREVIEW_IN,
    response=TARGETING_PREVIEW,
    tag=TAG,
)
def targeting_preview():
    body = g.api_body
    errors: dict[str, str] = {}
    lists = {}
    for key in ("include_partner_ids", "exclude_partner_ids"):
        try:
            lists[key] = targeting.clean_partner_ids(body.get(key) or [])
        except v.Invalid as exc:
            errors[key] = str(exc)
    try:
        rules = targeting.validate_rules(body.get("targeting"))
    except v.ValidationFailed as exc:
        errors.update({f"targeting.{name}": msg for name, msg in exc.errors.items()})
    if errors:
        raise v.ValidationFailed(errors)
    return targeting.preview_summary(
        rules, lists["include_partner_ids"], lists["exclude_partner_ids"]
    )


@bp.get("/templates")
@roles(VENDOR)
@operation(
    "Published brand-template versions that campaign assets can use", response=TEMPLATES, tag=TAG
)
def templates_index():
    versions = session.execute(
        select(BrandTemplateVersion)
        .join(BrandTemplate)
        .where(BrandTemplateVersion.published.is_(True), BrandTemplate.archived.is_(False))
        .order_by(BrandTemplate.name, BrandTemplateVersion.number.desc())
    ).scalars()
    return {"items": [_version_json(version) for version in versions]}


def _version_json(version: BrandTemplateVersion) -> dict:
    fields = (version.manifest or {}).get("fields") or {}
    return {
        "id": version.id,
        "template_id": version.template_id,
        "template": version.template.name,
        "slug": version.template.slug,
        "kind": version.template.kind,
        "number": version.number,
        "published_at": _moment(version.published_at),
        "fields": [
            {
                "name": name,
                "type": spec.get("type", "text"),
                "label": spec.get("label") or name,
                "help": spec.get("help") or "",
                "editable": bool(spec.get("editable")),
                "required": bool(spec.get("required")),
                "default": None if spec.get("default") is None else str(spec["default"]),
                "default_from": spec.get("default_from"),
                "max_length": spec.get("max_length"),
                "choices": [str(c) for c in spec.get("choices") or []],
            }
            for name, spec in fields.items()
        ],
    }


# --- partner users: their campaigns and assets ------------------------------------------


def visible_asset(view):
    """Find the asset of the path (``g.asset``), or 404 if the caller's partner may not see it,
    before anything else: a body is not even looked at for an asset that is not there."""

    @wraps(view)
    def wrapped(asset_id: int, **kwargs):
        g.asset = visible_asset_or_404(asset_id)
        return view(asset_id=asset_id, **kwargs)

    return wrapped


def _partner_campaign_json(campaign: Campaign) -> dict:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "description": campaign.description or "",
        "objective": campaign.objective,
        "starts_on": _day(campaign.starts_on),
        "ends_on": _day(campaign.ends_on),
        "launched_at": _moment(campaign.launched_at),
        "assets": [
            {
                "id": a.id,
                "title": a.title,
                "kind": a.template_version.template.kind,
                "formats": list(formats_of(a)),
            }
            for a in campaign.assets
        ],
    }


def _partner_asset_json(asset: CampaignAsset, partner: Partner) -> dict:
    states = customize.field_states(asset, partner)
    return {
        "id": asset.id,
        "campaign_id": asset.campaign_id,
        "campaign": asset.campaign.name,
        "title": asset.title,
        "kind": bundle_of(asset).manifest.kind,
        "formats": list(formats_of(asset)),
        "customized": any(state["source"] == "partner" for state in states),
        "fields": [
            {
                "name": state["name"],
                "label": state["spec"].label,
                "type": state["spec"].type,
                "help": state["spec"].help,
                "value": None if state["value"] is None else str(state["value"]),
                "editable": state["editable"],
                "source": state["source"],
                "max_length": state["spec"].max_length,
                "choices": list(state["spec"].choices),
            }
            for state in states
        ],
    }


@bp.get("/partner/campaigns")
@roles(PARTNER)
@operation(
    "The live campaigns aimed at your partner, newest launch first",
    response=PARTNER_CAMPAIGNS,
    tag=TAG,
)
def partner_campaigns():
    campaigns = visibility.live_campaigns_for(acting_user().partner_id)
    return {"items": [_partner_campaign_json(c) for c in campaigns]}


@bp.get("/partner/campaigns/<int:campaign_id>")
@roles(PARTNER)
@operation(
    "One live campaign aimed at your partner (recorded as a view)",
    response=PARTNER_CAMPAIGN,
    tag=TAG,
)
def partner_campaign(campaign_id: int):
    campaign = visible_campaign_or_404(campaign_id)
    record_event(EventKind.VIEW, campaign.id)
    session.commit()
    return _partner_campaign_json(campaign)


@bp.get("/partner/assets/<int:asset_id>")
@roles(PARTNER)
@visible_asset
@operation(
    "An asset's fields for your partner: value, whether you may change it, and "
    "where the value comes from (recorded as a view)",
    response=PARTNER_ASSET,
    tag=TAG,
)
def partner_asset(asset_id: int):
    asset = g.asset
    record_event(EventKind.VIEW, asset.campaign_id, asset.id)
    session.commit()
    return _partner_asset_json(asset, my_partner())


def _field_errors(exc: FieldValueError) -> dict[str, str]:
    return {f"values.{name}" if name else "values": msg for name, msg in exc.by_field.items()}


@bp.put("/partner/assets/<int:asset_id>/customization")
@roles(PARTNER)
@visible_asset
@operation(
    "Save your partner's values for the asset's editable fields (422 names each "
    "field refused, locked ones too)",
    body=CUSTOMIZATION_IN,
    response=PARTNER_ASSET,
    tag=TAG,
)
def partner_customization_save(asset_id: int):
    asset = g.asset
    partner = my_partner()
    values = {name: value for name, value in g.api_body["values"].items() if value.strip()}
    try:
        customize.save_customization(asset, partner, values, acting_user())
        session.commit()
    except FieldValueError as exc:  # LockedFieldError is one too
        raise v.ValidationFailed(_field_errors(exc)) from None
    return _partner_asset_json(asset, partner)


@bp.delete("/partner/assets/<int:asset_id>/customization")
@roles(PARTNER)
@visible_asset
@operation(
    "Drop your partner's values: the vendor's version applies again",
    response=PARTNER_ASSET,
    tag=TAG,
)
def partner_customization_reset(asset_id: int):
    asset = g.asset
    partner = my_partner()
    customize.reset_customization(asset, partner, acting_user())
    session.commit()
    return _partner_asset_json(asset, partner)


def _current_file(asset: CampaignAsset, fmt: str):
    """The partner's current file of ASSET in FMT (404 for a format the asset lacks, 422
    for a file that cannot be made)."""
    if fmt not in formats_of(asset):
        abort(
            404,
            f"{asset.title} is not available as {fmt} (formats: {', '.join(formats_of(asset))}).",
        )
    try:
        return download_for(asset, my_partner(), fmt)
    except (RenderProblem, RenderError, FieldValueError) as exc:
        session.rollback()
        abort(422, f"This file could not be made: {exc}")


@bp.get("/partner/assets/<int:asset_id>/renders/<fmt>")
@roles(PARTNER)
@visible_asset
@operation(
    "Your co-branded file of the asset in a format (made now if out of date): its "
    "key, type, name and the address of the file. The download is recorded when fetched.",
    response=RENDER,
    tag=TAG,
)
def partner_render(asset_id: int, fmt: str):
    item = _current_file(g.asset, fmt)
    path = url_for("api.partner_render_file", asset_id=asset_id, fmt=fmt)
    return {
        "format": fmt,
        "render_key": item.render_key,
        "content_type": item.content_type,
        "filename": item.filename,
        "url": runtime.settings().base_url + path,
    }


@bp.get("/partner/assets/<int:asset_id>/renders/<fmt>/file")
@roles(PARTNER)
@visible_asset
@operation(
    "Download your co-branded file of the asset in a format (ETag: its render key; "
    "If-None-Match answers 304). Recorded as a download.",
    file=True,
    tag=TAG,
)
def partner_render_file(asset_id: int, fmt: str):
    asset = g.asset
    item = _current_file(asset, fmt)
    record_event(EventKind.DOWNLOAD, asset.campaign_id, asset.id, format=fmt, via="api")
    session.commit()
    return file_response(item)


@bp.post("/partner/pictures")
@roles(PARTNER)
@operation(
    "Upload a picture (PNG, JPEG or WebP) for image fields: checked by its content, turned "
    "upright, at most 2400 pixels a side, stored without metadata. Use the returned ``ref`` "
    "as the value of an image field in your customization.",
    upload=PICTURE_TYPES,
    response=PICTURE,
    status=201,
    tag=TAG,
)
def partner_picture_upload():
    try:
        picture = process_picture(g.api_upload, max_bytes=runtime.settings().max_upload_bytes)
    except LogoRejected as exc:
        raise v.ValidationFailed({"body": str(exc)}) from None
    row = pictures.store_picture(my_partner(), picture, acting_user())
    session.commit()
    return _picture_json(row), 201


@bp.get("/partner/pictures")
@roles(PARTNER)
@operation("Your pictures for image fields, newest first", response=PICTURES, tag=TAG)
def partner_pictures():
    return {"items": [_picture_json(row) for row in pictures.library(my_partner())]}


def _picture_json(row) -> dict:
    return {
        "id": row.id,
        "ref": pictures.ref_of(row),
        "content_type": row.content_type,
        "width": row.width,
        "height": row.height,
        "created_at": _moment(row.created_at),
    }
