"""Campaigns in the REST API for vendor staff: build, target, launch and follow campaigns.

The views call the same domain functions as the admin screens (campaigns.lifecycle,
assets, targeting, events); the schemas are in ``app.web.api.schemas.campaigns``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, g

from app import validation as v
from app.db import session
from app.web.access import MARKETERS, VENDOR, acting_user, roles
from app.web.api import bp
from app.web.api.common import changed, choice_arg, created
from app.web.api.formats import day, moment
from app.web.api.schemas.campaigns import (
    ASSET,
    ASSET_CREATE,
    ASSET_UPDATE,
    CAMPAIGN_CREATE,
    CAMPAIGN_DETAIL,
    CAMPAIGN_LIST,
    CAMPAIGN_UPDATE,
    COUNTS,
    DASHBOARD,
    LAUNCH,
    PROGRESS,
    REMOVED,
    SCHEDULE_IN,
    STATUSES,
    TAG,
    TARGETING_PREVIEW,
    TARGETING_PREVIEW_IN,
)
from app.web.api.spec import operation
from app.web.common import get_or_404
from campaigns import assets, events, lifecycle, lookup, progress, targeting
from campaigns.downloads import formats_of
from campaigns.models import (
    STATUS_TRANSITIONS,
    Campaign,
    CampaignAsset,
    CampaignStatus,
)

# --- JSON of domain objects -------------------------------------------------------------


def campaign_json(campaign: Campaign) -> dict:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "description": campaign.description or "",
        "objective": campaign.objective,
        "status": campaign.status,
        "starts_on": day(campaign.starts_on),
        "ends_on": day(campaign.ends_on),
        "targeting": campaign.targeting or {},
        "include_partner_ids": list(campaign.include_partner_ids or []),
        "exclude_partner_ids": list(campaign.exclude_partner_ids or []),
        "scheduled_at": moment(campaign.scheduled_at),
        "launched_at": moment(campaign.launched_at),
        "created_at": moment(campaign.created_at),
        "updated_at": moment(campaign.updated_at or campaign.created_at),
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


def _counts(report: dict) -> dict:
    return {name: report[name] for name in COUNTS}


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
    status = choice_arg("status", STATUSES, "a campaign status")
    return {"items": [campaign_json(c) for c in lookup.list_campaigns(status)]}


@bp.post("/campaigns")
@roles(MARKETERS)
@operation(
    "Create a draft campaign", body=CAMPAIGN_CREATE, response=CAMPAIGN_DETAIL, status=201, tag=TAG
)
def campaigns_create():
    return created(lifecycle.create_campaign, campaign_detail_json)


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
    return changed(campaign, lifecycle.update_campaign, campaign_detail_json)


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
        # why not every partner added got an email, as the admin's launch message says
        "no_email": [
            {"reason": r.code, "count": r.count, "unit": r.unit, "message": r.text}
            for r in result.no_email_reasons
        ],
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
