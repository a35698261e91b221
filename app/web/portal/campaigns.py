"""Campaigns in the partner portal: see them co-branded, customize, preview, download.

Which campaign a partner may see is one rule of the domain (campaigns.visibility); every
view here asks it, so a campaign or asset not targeted at this partner is a 404.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user

from app import runtime
from app.db import session
from app.web import confirm
from app.web.access import PARTNER, roles
from app.web.common import FILE_CSP, file_response, form_page, save_form, uploaded_bytes
from app.web.lookups import (
    my_partner,
    record_event,
    visible_asset_or_404,
    visible_campaign_or_404,
)
from app.web.portal import bp
from brand_templates import FieldValueError, LockedFieldError, ValidationError
from campaigns import customize
from campaigns.downloads import campaign_zip, download_for, formats_of
from campaigns.models import EventKind
from campaigns.rendering import (
    RenderProblem,
    customization_row,
    preview_for_partner,
    thumbnail_for_partner,
)
from directory.logos import LogoRejected, process_picture
from renderers.errors import RenderError

RESET_QUESTION = confirm.Question(
    title="Back to the vendor's version?",
    message=(
        "Every value you changed in this asset, and the pictures you chose for it, go back to "
        "the vendor's. This cannot be undone."
    ),
    confirm_label="Back to the vendor's version",
)


def _typed_values(asset) -> dict:
    """The partner's values from the form; a blank field means "the vendor's value"."""
    values = {name: request.form.get(f"field_{name}", "") for name in asset.editable_fields}
    return {name: value for name, value in values.items() if value.strip()}


def _uploaded_pictures(asset) -> dict:
    """The pictures uploaded for the asset's image fields, checked by content (FieldValueError
    names each field whose file is refused)."""
    limit = runtime.settings().max_upload_bytes
    pictures, refused = {}, []
    for name in customize.picture_fields(asset):
        data = uploaded_bytes(f"upload_{name}")
        if data is None:
            continue
        try:
            pictures[name] = process_picture(data, max_bytes=limit)
        except LogoRejected as exc:
            refused.append(ValidationError(None, None, name, str(exc)))
    if refused:
        raise FieldValueError(refused)
    return pictures


@bp.get("/campaigns/<int:campaign_id>")
@roles(PARTNER)
def campaign(campaign_id: int):
    campaign = visible_campaign_or_404(campaign_id)
    record_event(EventKind.VIEW, campaign.id)
    session.commit()
    return render_template("portal/campaign.html", campaign=campaign)


@bp.route("/assets/<int:asset_id>", methods=["GET", "POST"])
@roles(PARTNER)
def asset(asset_id: int):
    asset = visible_asset_or_404(asset_id)
    partner = my_partner()
    errors: dict = {}
    if request.method == "POST":
        resetting = request.form.get("action") == "reset"
        if resetting and not confirm.confirmed():
            return confirm.confirmation_page(
                RESET_QUESTION,
                layout="portal/layout.html",
                cancel_url=url_for("portal.asset", asset_id=asset.id),
            )
        fmt = request.form.get("download")
        if fmt is not None and fmt not in formats_of(asset):
            abort(404, f"{asset.title} is not available as {fmt}.")
        outcome = save_form(
            lambda: _save(asset, partner, resetting, downloading=fmt is not None),
            # the file is the answer to a download; the page stays, so no message waits
            success=lambda message: None if fmt else message,
            # a download goes on to the file, made with what was just saved; a save goes back
            # beside the Download buttons: what one does next after saving
            done=url_for("portal.asset_download", asset_id=asset.id, fmt=fmt)
            if fmt
            else url_for("portal.asset", asset_id=asset.id, _anchor="download"),
            refusals=(ValueError, FieldValueError, LockedFieldError),
        )
        if outcome.response:
            if fmt:
                outcome.response.status_code = 303
            return outcome.response
        errors = outcome.errors
        asset = visible_asset_or_404(asset_id)
        partner = my_partner()
    else:
        record_event(EventKind.VIEW, asset.campaign_id, asset.id)
        session.commit()
    states = customize.field_states(asset, partner)
    if errors:  # show what was typed or chosen, not the stored values
        for state in states:
            if state["editable"]:
                typed = request.form.get(f"field_{state['name']}")
                if typed is not None:
                    state["value"] = state["chosen"] = typed
    return form_page(
        "portal/asset.html",
        errors=errors,
        asset=asset,
        states=states,
        formats=formats_of(asset),
        reset_question=RESET_QUESTION,
    )


def _save(asset, partner, resetting: bool, *, downloading: bool) -> str:
    """Save (or reset) the partner's values from the form; what to tell the partner. Before a
    download, values the same as the saved ones are left alone (no new version, no event)."""
    if resetting:
        customize.reset_customization(asset, partner, current_user)
        return "Back to the vendor's version."
    values, uploads = _typed_values(asset), _uploaded_pictures(asset)
    if downloading:
        row = customization_row(asset, partner)
        if not uploads and values == dict((row.values if row else None) or {}):
            return "Your download uses the values saved."
    customize.save_customization(asset, partner, values, current_user, uploads=uploads)
    if downloading:
        return "Saved. Your download uses these values."
    return "Saved. Your downloads use these values."


@bp.route("/assets/<int:asset_id>/preview", methods=["GET", "POST"])
@roles(PARTNER)
def asset_preview(asset_id: int):
    """The asset co-branded for this partner; a POST previews unsaved values (live preview)."""
    asset = visible_asset_or_404(asset_id)
    partner = my_partner()
    overrides = None
    if request.method == "POST":
        overrides = _typed_values(asset)
    try:
        data, content_type = preview_for_partner(asset, partner, overrides)
    except FieldValueError as exc:
        return {
            "error": {
                "code": 422,
                "message": "These values cannot be used.",
                "fields": getattr(exc, "by_field", {}),
            }
        }, 422
    except RenderError as exc:
        abort(422, f"This asset cannot be shown: {exc}")
    record_event(EventKind.PREVIEW, asset.campaign_id, asset.id, live=overrides is not None)
    session.commit()
    response = Response(data, mimetype=content_type.split(";")[0])
    response.headers["Cache-Control"] = "private, no-cache"
    if content_type.startswith("text/html"):
        response.headers["Content-Security-Policy"] = FILE_CSP
    return response


@bp.get("/assets/<int:asset_id>/thumbnail.png")
@roles(PARTNER)
def asset_thumbnail(asset_id: int):
    """A picture of the asset co-branded for this partner, for the lists of campaigns and
    assets (an email's too). Not an engagement: seeing a list is not a preview."""
    asset = visible_asset_or_404(asset_id)
    try:
        data = thumbnail_for_partner(asset, my_partner())
    except (FieldValueError, RenderError) as exc:
        abort(422, f"This asset cannot be shown: {exc}")
    session.commit()  # ends the read
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/assets/<int:asset_id>/download/<fmt>")
@roles(PARTNER)
def asset_download(asset_id: int, fmt: str):
    asset = visible_asset_or_404(asset_id)
    if fmt not in formats_of(asset):
        abort(404, f"{asset.title} is not available as {fmt}.")
    try:
        item = download_for(asset, my_partner(), fmt)
    except (RenderProblem, RenderError, FieldValueError) as exc:
        abort(422, f"This file could not be made: {exc}")
    record_event(EventKind.DOWNLOAD, asset.campaign_id, asset.id, format=fmt)
    session.commit()
    return file_response(item, inline=request.args.get("inline") == "1")


@bp.get("/campaigns/<int:campaign_id>/download.zip")
@roles(PARTNER)
def campaign_download(campaign_id: int):
    campaign = visible_campaign_or_404(campaign_id)
    try:
        data, filename = campaign_zip(campaign, my_partner())
    except (RenderProblem, RenderError, FieldValueError) as exc:
        abort(422, f"The files could not be made: {exc}")
    record_event(EventKind.DOWNLOAD, campaign.id, None, format="zip")
    session.commit()
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
