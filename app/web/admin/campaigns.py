"""Campaigns in the admin area: build, target, preview as a partner, launch, follow, measure."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import validation as v
from app.db import session, utcnow
from app.web import charts, confirm, pickers
from app.web.access import MARKETERS, VENDOR, roles
from app.web.admin import bp
from app.web.common import form_data, form_page, get_or_404, run_action, save_form
from app.web.words import plural
from brand_templates import FieldValueError
from brand_templates.models import BrandTemplate, BrandTemplateVersion
from campaigns import assets, events, forecast, lifecycle, lookup, progress, targeting
from campaigns.models import (
    OBJECTIVE_LABELS,
    STATUS_TRANSITIONS,
    Campaign,
    CampaignAsset,
    CampaignStatus,
    Customization,
)
from campaigns.rendering import bundle_of, preview_for_partner
from directory import partners as partner_dir
from directory.models import PARTNER_TYPE_LABELS, Partner, PartnerStatus
from renderers.errors import RenderError

PARTNER_LISTS = ("include_partner_ids", "exclude_partner_ids")
# up to this many partners, the partner pickers suggest every name without JavaScript too
SUGGESTED_PARTNERS = 500
# "preview as partner" lists this many partners (the targeted ones first); a search finds others
PREVIEW_CHOICES = 50


def _rules_from_form(form) -> dict:
    """Targeting rules from the form: checkbox lists (the country picker is one) and
    comma-separated text."""
    rules = {name: form.getlist(name) for name in ("tiers", "types", "statuses")}
    rules["countries"] = pickers.joined(form, "countries")
    for name in ("regions", "specialties", "certifications"):
        rules[name] = form.get(name, "")
    rules["min_tier"] = form.get("min_tier") or None
    return rules


def _picked_partners(form, name: str) -> tuple[str, str | None]:
    """The partner ids that the picker NAME posts (comma-separated), with the partners typed
    into its 'add' box; and what the box names no partner by, if anything."""
    ids = pickers.joined(form, name)
    try:
        added = partner_dir.ids_named(form.get(f"{name}_add", ""))
    except v.Invalid as exc:
        return ids, str(exc)
    return ", ".join(x for x in [ids, *map(str, added)] if x), None


def _campaign_data(form) -> tuple[dict, dict]:
    """The campaign's data from the form, and the errors of the partner pickers' 'add' boxes."""
    data = {
        k: form.get(k, "") for k in ("name", "description", "objective", "starts_on", "ends_on")
    }
    errors = {}
    for name in PARTNER_LISTS:
        data[name], problem = _picked_partners(form, name)
        if problem:
            errors[name] = problem
    data["targeting"] = _rules_from_form(form)
    return data, errors


def _with_picker_errors(action, picker_errors: dict):
    """ACTION's result, or ValidationFailed with its errors and the pickers' together."""
    try:
        result = action()
    except v.ValidationFailed as exc:
        raise v.ValidationFailed({**exc.errors, **picker_errors}) from exc
    if picker_errors:
        raise v.ValidationFailed(picker_errors)
    return result


def _chosen_partners(ids) -> list[Partner]:
    """The partners among IDS (a list or comma-separated text) that exist, by name."""
    items = ids if isinstance(ids, (list, tuple)) else str(ids or "").split(",")
    numbers = {int(x) for x in map(str, items) if x.strip().isdigit() and v.is_row_id(int(x))}
    if not numbers:
        return []
    return list(
        session.execute(
            select(Partner).where(Partner.id.in_(numbers)).order_by(Partner.name)
        ).scalars()
    )


def _form_options(data: dict) -> dict:
    names = session.execute(
        select(Partner.name).order_by(Partner.name).limit(SUGGESTED_PARTNERS + 1)
    )
    suggestions = list(dict.fromkeys(names.scalars()))
    return {
        "objectives": [(o.value, label) for o, label in OBJECTIVE_LABELS.items()],
        "tiers": partner_dir.tiers(),
        "types": [(t.value, label) for t, label in PARTNER_TYPE_LABELS.items()],
        "statuses": [s.value for s in PartnerStatus],
        "chosen": {name: _chosen_partners(data.get(name)) for name in PARTNER_LISTS},
        "typed_adds": {name: request.form.get(f"{name}_add", "") for name in PARTNER_LISTS},
        "suggestions": suggestions if len(suggestions) <= SUGGESTED_PARTNERS else [],
    }


@bp.get("/campaigns")
@roles(VENDOR)
def campaigns():
    status = request.args.get("status") or None
    if status and status not in [s.value for s in CampaignStatus]:
        status = None
    rows = lookup.list_campaigns(status)
    return render_template(
        "admin/campaigns.html",
        campaigns=rows,
        status=status,
        statuses=[s.value for s in CampaignStatus],
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
@roles(MARKETERS)
def campaign_new():
    errors: dict = {}
    data = {"objective": "awareness", "targeting": targeting.validate_rules({})}
    if request.method == "POST":
        data, picker_errors = _campaign_data(request.form)
        outcome = save_form(
            lambda: _with_picker_errors(
                lambda: lifecycle.create_campaign(data, current_user), picker_errors
            ),
            success=lambda campaign: f"{campaign.name} is created. Add its assets next.",
            done=lambda campaign: url_for("admin.campaign_detail", campaign_id=campaign.id),
        )
        if outcome.response:
            return outcome.response
        errors = outcome.errors
    return form_page(
        "admin/campaign_form.html", campaign=None, data=data, errors=errors, **_form_options(data)
    )


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@roles(MARKETERS)
def campaign_edit(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    errors: dict = {}
    data = {
        k: getattr(campaign, k)
        for k in ("name", "description", "objective", "starts_on", "ends_on", "targeting")
    }
    data["include_partner_ids"] = ", ".join(map(str, campaign.include_partner_ids or []))
    data["exclude_partner_ids"] = ", ".join(map(str, campaign.exclude_partner_ids or []))
    if request.method == "POST":
        data, picker_errors = _campaign_data(request.form)
        outcome = save_form(
            lambda: _with_picker_errors(
                lambda: lifecycle.update_campaign(campaign, data, current_user), picker_errors
            ),
            success="Saved.",
            done=url_for("admin.campaign_detail", campaign_id=campaign.id),
        )
        if outcome.response:
            return outcome.response
        errors = outcome.errors
    return form_page(
        "admin/campaign_form.html",
        campaign=campaign,
        data=data,
        errors=errors,
        **_form_options(data),
    )


@bp.post("/campaigns/targeting-preview")
@roles(VENDOR)
def campaign_targeting_preview():
    """How many and which partners the form's rules match (the form asks as you type)."""
    try:
        data, picker_errors = _campaign_data(request.form)
        if picker_errors:
            raise v.ValidationFailed(picker_errors)
        rules = targeting.validate_rules(data["targeting"])
        include = targeting.clean_partner_ids(data["include_partner_ids"])
        exclude = targeting.clean_partner_ids(data["exclude_partner_ids"])
    except (v.ValidationFailed, v.Invalid) as exc:
        errors = exc.errors if isinstance(exc, v.ValidationFailed) else {"rules": str(exc)}
        return jsonify(error={"code": 422, "message": "Validation failed", "fields": errors}), 422
    return targeting.preview_summary(rules, include, exclude)


@bp.get("/campaigns/<int:campaign_id>")
@roles(VENDOR)
def campaign_detail(campaign_id: int):
    return _detail_page(get_or_404(Campaign, campaign_id), {})


def _detail_page(campaign: Campaign, errors: dict):
    """The campaign's page; with ERRORS, the add-asset form shown again as chosen (400)."""
    try:
        count, first = targeting.preview(
            targeting.validate_rules(campaign.targeting),
            campaign.include_partner_ids or [],
            campaign.exclude_partner_ids or [],
        )
    except v.ValidationFailed as exc:  # e.g. a tier named in the rules was removed since
        flash("The targeting needs attention: " + " ".join(exc.errors.values()), "error")
        count, first = 0, []
    versions = (
        session.execute(
            select(BrandTemplateVersion)
            .join(BrandTemplate)
            .where(BrandTemplateVersion.published.is_(True), BrandTemplate.archived.is_(False))
            .order_by(BrandTemplate.name, BrandTemplateVersion.number.desc())
        )
        .scalars()
        .all()
    )
    allowed = sorted(s.value for s in STATUS_TRANSITIONS[CampaignStatus(campaign.status)])
    launchable = campaign.assets and campaign.status in ("draft", "scheduled", "ended", "live")
    return form_page(
        "admin/campaign_detail.html",
        errors=errors,
        launch_question=_launch_question(campaign) if launchable else None,
        campaign=campaign,
        match_count=count,
        matches=first,
        versions=versions,
        allowed=allowed,
        progress=progress.progress(campaign.id),
        partners_for_preview=first or _some_partners(),
    )


def _some_partners() -> list[Partner]:
    return list(session.execute(select(Partner).order_by(Partner.name).limit(20)).scalars())


@bp.post("/campaigns/<int:campaign_id>/assets")
@roles(MARKETERS)
def campaign_asset_add(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)

    def add():
        data = form_data()
        keys = ("template_version_id", "title")
        return assets.add_asset(campaign, {k: data.get(k, "") for k in keys}, current_user)

    outcome = save_form(
        add,
        success=lambda asset: f"{asset.title} added. Open it to set the vendor's values.",
        done=lambda asset: url_for(
            "admin.campaign_detail", campaign_id=campaign.id, _anchor=f"asset-{asset.id}"
        ),
    )
    return outcome.response or _detail_page(campaign, outcome.errors)


@bp.route("/campaigns/assets/<int:asset_id>", methods=["GET", "POST"])
@roles(VENDOR)
def campaign_asset(asset_id: int):
    """The vendor's values for an asset and which fields partners may change."""
    asset = get_or_404(CampaignAsset, asset_id)
    manifest = bundle_of(asset).manifest
    errors: dict = {}
    if request.method == "POST":
        if current_user.role not in MARKETERS:
            abort(403)
        if request.form.get("action") == "remove":
            campaign_id = asset.campaign_id
            if not confirm.confirmed():
                return confirm.confirmation_page(
                    _remove_question(asset),
                    layout="admin/layout.html",
                    cancel_url=url_for("admin.campaign_asset", asset_id=asset.id),
                )
            try:
                assets.remove_asset(asset, current_user)
                session.commit()
                flash("Asset removed.", "success")
            except v.ValidationFailed as exc:
                session.rollback()
                flash(" ".join(exc.errors.values()), "error")
            return redirect(url_for("admin.campaign_detail", campaign_id=campaign_id))
        form = form_data()
        data = {
            "title": form.get("title", ""),
            "presets": {name: form.get(f"preset_{name}", "") for name in manifest.fields},
            "editable_fields": request.form.getlist("editable"),
        }
        outcome = save_form(
            lambda: assets.update_asset(asset, data, current_user),
            success="Asset saved.",
            done=url_for("admin.campaign_asset", asset_id=asset.id),
        )
        if outcome.response:
            return outcome.response
        errors = outcome.errors
        asset = get_or_404(CampaignAsset, asset_id)
    query = request.args.get("q", "")
    choices = targeting.preview_choices(asset.campaign, query, limit=PREVIEW_CHOICES)
    wanted = request.args.get("partner_id", type=int)
    shown = next((c for c in choices if c.partner.id == wanted), choices[0] if choices else None)
    return form_page(
        "admin/campaign_asset.html",
        errors=errors,
        asset=asset,
        manifest=manifest,
        query=query,
        choices=choices,
        shown=shown,
        choices_limit=PREVIEW_CHOICES,
        remove_question=_remove_question(asset),
    )


def _remove_question(asset: CampaignAsset) -> confirm.Question:
    customized = session.scalar(
        select(func.count(Customization.id)).where(Customization.asset_id == asset.id)
    )
    details = ()
    if customized:
        details = (f"{_count(customized, 'partner')} changed it; their changes are deleted too.",)
    return confirm.Question(
        title=f"Remove {asset.title}?",
        message=(
            f"It leaves {asset.campaign.name}: partners no longer see it, and its co-branded "
            "files are deleted. This cannot be undone."
        ),
        confirm_label="Remove asset",
        details=details,
    )


@bp.get("/campaigns/assets/<int:asset_id>/preview")
@roles(VENDOR)
def campaign_asset_preview(asset_id: int):
    """Preview as partner: the asset exactly as the chosen partner will see it."""
    asset = get_or_404(CampaignAsset, asset_id)
    partner = get_or_404(Partner, request.args.get("partner_id", type=int) or 0)
    try:
        data, content_type = preview_for_partner(asset, partner)
    except (FieldValueError, RenderError) as exc:
        abort(422, f"This asset cannot be rendered for {partner.name}: {exc}")
    response = Response(data, mimetype=content_type.split(";")[0])
    if content_type.startswith("text/html"):
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        )
    return response


@bp.post("/campaigns/<int:campaign_id>/launch")
@roles(MARKETERS)
def campaign_launch(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    when = (request.form.get("scheduled_at") or "").strip()
    now = request.form.get("action") not in ("schedule", "unschedule")
    # without assets the launch is refused at once: nothing to ask
    if now and campaign.assets and not confirm.confirmed():
        return confirm.confirmation_page(
            _launch_question(campaign),
            layout="admin/layout.html",
            cancel_url=url_for("admin.campaign_detail", campaign_id=campaign_id),
        )
    try:
        if request.form.get("action") == "schedule":
            try:
                moment = datetime.fromisoformat(when)
            except ValueError as exc:
                raise v.ValidationFailed(
                    {"scheduled_at": "Choose a date and time to launch."}
                ) from exc
            lifecycle.schedule(campaign_id, moment, current_user)
            flash(f"The campaign will launch at {moment:%Y-%m-%d %H:%M} UTC.", "success")
        elif request.form.get("action") == "unschedule":
            lifecycle.unschedule(campaign_id, current_user)
            flash("The scheduled launch is cancelled.", "info")
        else:
            result = lifecycle.launch(campaign_id, current_user)
            flash(launch_message(result), "success")
    except v.ValidationFailed as exc:
        session.rollback()
        flash(" ".join(exc.errors.values()), "error")
    return redirect(url_for("admin.campaign_detail", campaign_id=campaign_id))


def _count(number: int, noun: str, plural_form: str | None = None) -> str:
    return plural(number, noun, plural_form)


def launch_message(result) -> str:
    """What a launch did, in words, and why not every partner it added got an email."""
    message = (
        f"Launched: {plural(result.partners_added, 'partner')} added, "
        f"{plural(result.renders_queued, 'file')} being made, "
        f"{plural(result.emails_queued, 'email')} sent."
    )
    why = [reason.text for reason in result.no_email_reasons]
    if why:
        message += " No email for some: " + "; ".join(why) + "."
    return message


def _launch_question(campaign: Campaign) -> confirm.Question:
    """What "Launch now" asks first: how many partners it adds and emails it sends."""
    f = forecast.launch_forecast(campaign)
    partners, emails = _count(f.partners, "partner"), _count(f.emails, "email")
    if campaign.status == CampaignStatus.LIVE.value:
        title = f"Add the newly matching partners to {campaign.name}?"
        message = f"This adds {partners} and sends {emails} to their people."
        label = "Add partners"
    else:
        title = f"Launch {campaign.name} now?"
        message = f"It goes to {partners} at once, and {emails} will announce it to their people."
        label = "Launch now"
    details = []
    if f.silent_partners == 1:
        details.append(
            "Of these, 1 partner has nobody to email yet; it finds the campaign in the portal."
        )
    elif f.silent_partners:
        details.append(
            f"Of these, {f.silent_partners} partners have nobody to email yet; they find the "
            "campaign in the portal."
        )
    if f.suppressed:
        details.append(
            f"{_count(f.suppressed, 'address', 'addresses')} unsubscribed from marketing email"
            f" and {'gets' if f.suppressed == 1 else 'get'} none."
        )
    return confirm.Question(title, message, label, tuple(details), danger=False)


@bp.post("/campaigns/<int:campaign_id>/status")
@roles(MARKETERS)
def campaign_status(campaign_id: int):
    get_or_404(Campaign, campaign_id)
    action = {"ended": lifecycle.end_campaign, "archived": lifecycle.archive_campaign}.get(
        request.form.get("status", "")
    )
    if action is None:
        abort(400, "Choose ended or archived.")
    run_action(lambda: action(campaign_id, current_user), "Status changed.")
    return redirect(url_for("admin.campaign_detail", campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/retry")
@roles(MARKETERS)
def campaign_retry(campaign_id: int):
    get_or_404(Campaign, campaign_id)
    count = progress.retry_failed(campaign_id, current_user)
    flash(f"{plural(count, 'failed render')} queued again.", "info")
    return redirect(url_for("admin.campaign_detail", campaign_id=campaign_id))


@bp.get("/campaigns/<int:campaign_id>/progress.json")
@roles(VENDOR)
def campaign_progress(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    report = progress.progress(campaign.id)
    report["failures"] = [{"partner": p, "asset": a, "error": e} for p, a, e in report["failures"]]
    report["status"] = campaign.status
    return report


# the dashboard's series, in the same colours on every chart
KIND_SERIES = [
    charts.Series("view", "Viewed", "#1e3a8a"),
    charts.Series("customize", "Customized", "#f59e0b"),
    charts.Series("download", "Downloaded", "#0f766e"),
]
GROUP_SERIES = [charts.Series("targeted", "Targeted", "#9ca3af"), *KIND_SERIES]
# the dashboard's long breakdowns, each with a page that lists all of it:
# (key in events.dashboard, title, heading of the names, the series drawn)
BREAKDOWNS = {
    "tiers": ("by_tier", "Partners by tier", "Tier", GROUP_SERIES),
    "regions": ("by_region", "Partners by region", "Region", GROUP_SERIES),
    "partners": ("top_partners", "Most active partners", "Partner", KIND_SERIES),
}


def _breakdown(data: dict, which: str, limit: int | None = charts.TOP_ROWS) -> charts.Chart:
    key, title, heading, series = BREAKDOWNS[which]
    what = "Events" if which == "partners" else "Partners"
    return charts.breakdown(title, data[key], series, heading=heading, limit=limit, what=what)


@bp.get("/campaigns/<int:campaign_id>/dashboard")
@roles(VENDOR)
def campaign_dashboard(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    data = events.dashboard(campaign.id)
    points = {date.fromisoformat(day["date"]): day for day in data["per_day"]}
    # a live campaign's chart runs to today: days without activity since are news too
    today = utcnow().date() if campaign.status == CampaignStatus.LIVE.value else None
    activity = charts.time_series("Activity over time", points, KIND_SERIES, end=today)
    return render_template(
        "admin/campaign_dashboard.html",
        campaign=campaign,
        d=data,
        activity=activity,
        breakdowns={which: _breakdown(data, which) for which in BREAKDOWNS},
    )


@bp.get("/campaigns/<int:campaign_id>/dashboard/<any(tiers, regions, partners):which>")
@roles(VENDOR)
def campaign_breakdown(campaign_id: int, which: str):
    """One of the dashboard's breakdowns in full: a chart of its first rows, every row in
    the table."""
    campaign = get_or_404(Campaign, campaign_id)
    data = events.dashboard(campaign.id, top_partners=None)
    chart = _breakdown(data, which, limit=None)
    key, title, heading, series = BREAKDOWNS[which]
    # previews are not engagement: the columns add up to what the dashboard's cards say
    columns = (
        ["targeted", *events.ENGAGEMENT] if which != "partners" else [*events.ENGAGEMENT, "total"]
    )
    return render_template(
        "admin/campaign_breakdown.html",
        campaign=campaign,
        which=which,
        title=title,
        heading=heading,
        board=chart,
        rows=data[key],
        columns=columns,
    )


@bp.get("/campaigns/<int:campaign_id>/engagement.csv")
@roles(VENDOR)
def campaign_export(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    return Response(
        events.export_csv(campaign.id),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="campaign-{campaign.id}-engagement.csv"'
        },
    )
