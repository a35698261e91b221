"""The campaigns aimed at a partner, in the REST API for its users: list them, customize
assets, fetch the co-branded files, upload pictures.

Which campaign a partner may see is one rule of the domain (campaigns.visibility, through
``app.web.lookups``); a campaign or asset the partner may not see is a 404, as in the portal.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, g, url_for

from app import runtime
from app import validation as v
from app.db import session
from app.web.access import PARTNER, acting_user, roles
from app.web.api import bp
from app.web.api.formats import day, moment
from app.web.api.schemas.campaigns import (
    CUSTOMIZATION_IN,
    PARTNER_ASSET,
    PARTNER_CAMPAIGN,
    PARTNER_CAMPAIGNS,
    PICTURE,
    PICTURE_TYPES,
    PICTURES,
    RENDER,
    TAG,
)
from app.web.api.spec import operation
from app.web.common import file_response
from app.web.lookups import (
    my_partner,
    record_event,
    visible_asset_or_404,
    visible_campaign_or_404,
)
from brand_templates import FieldValueError
from campaigns import customize, pictures, visibility
from campaigns.downloads import download_for, formats_of
from campaigns.models import (
    Campaign,
    CampaignAsset,
    EventKind,
)
from campaigns.rendering import RenderProblem, bundle_of
from directory.logos import LogoRejected, process_picture
from directory.models import Partner
from renderers.errors import RenderError

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
        "starts_on": day(campaign.starts_on),
        "ends_on": day(campaign.ends_on),
        "launched_at": moment(campaign.launched_at),
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
        "created_at": moment(row.created_at),
    }
