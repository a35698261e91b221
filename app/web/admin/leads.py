"""Admin: the leads — list with filters and a map, one lead with its history and any channel
conflict side by side, the channel manager's queue, reports with charts, CSV exports, the
program's lead rules, a partner's lead settings, and a customer's data on request."""

from __future__ import annotations

import json
from datetime import date

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from app import audit
from app import validation as v
from app.db import session, utcnow
from app.web import charts
from app.web.access import ADMIN, VENDOR, VENDOR_MANAGERS, roles
from app.web.admin import bp
from app.web.common import form_data, get_or_404, run_action
from app.web.maps import map_settings, with_map_policy
from directory import partners as partner_dir
from directory.leads import (
    conflicts,
    declines,
    lifecycle,
    privacy,
    reports,
    rules,
    search_gaps,
)
from directory.leads.models import STATUS_LABELS, Lead, LeadEvent, LeadStatus
from directory.models import Partner

STATUS_SERIES = [
    charts.Series("new", "New", "#f59e0b"),
    charts.Series("accepted", "Accepted", "#0ea5e9"),
    charts.Series("contacted", "Contacted", "#1e3a8a"),
    charts.Series("won", "Won", "#0f766e"),
    charts.Series("lost", "Lost", "#9ca3af"),
    charts.Series("queued", "In the queue", "#b91c1c"),
]
SEARCH_SERIES = [
    charts.Series("found", "With results", "#1e3a8a"),
    charts.Series("empty", "No result", "#b91c1c"),
]
REPORTS = {
    "response-times": (
        "response_times",
        ["name", "sent", "accepted", "declined", "timed_out", "median_hours", "in_time_percent"],
    ),
    "conversion": ("conversion", ["name", "leads", "won", "lost", "win_rate"]),
    "regions": ("regions", ["name", "leads"]),
    "searches": ("searches", ["name", "searches", "results"]),
}


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


@bp.get("/leads")
@roles(VENDOR)
def leads():
    f = reports.LeadFilters.of(request.args)
    page = _page()
    rows, total = reports.page_of(f, page)
    html = render_template(
        "admin/leads.html",
        map_settings=map_settings(),
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // reports.PER_PAGE)),
        f=f,
        declined=declines.of_leads(lead.id for lead in rows),
        counts=reports.counts_by_status(),
        statuses=[(s.value, STATUS_LABELS[s]) for s in LeadStatus],
        partners=session.execute(select(Partner.id, Partner.name).order_by(Partner.name)).all(),
        tiers=partner_dir.tiers(),
        conflicts=len(conflicts.open_conflicts()),
    )
    return with_map_policy(html)


@bp.get("/leads/export.csv")
@roles(VENDOR)
def leads_export():
    rows = reports.all_of(reports.LeadFilters.of(request.args))
    return _csv(reports.leads_csv(rows), "leads")


@bp.get("/leads/map.json")
@roles(VENDOR)
def leads_map():
    """The leads of the filters that have a place, for the map (a few decimals: no house)."""
    rows = reports.all_of(reports.LeadFilters.of(request.args), limit=5000)
    return {
        "items": [
            {
                "lat": round(lead.latitude, 2),
                "lon": round(lead.longitude, 2),
                "status": lead.status_label,
                "partner": lead.partner.name if lead.partner else "",
                "url": url_for("admin.lead", lead_id=lead.id),
            }
            for lead in rows
            if lead.latitude is not None and lead.longitude is not None
        ]
    }


@bp.get("/leads/<int:lead_id>")
@roles(VENDOR)
def lead(lead_id: int):
    row = get_or_404(Lead, lead_id)
    events = session.execute(
        select(LeadEvent).where(LeadEvent.lead_id == row.id).order_by(LeadEvent.at, LeadEvent.id)
    ).scalars()
    other = session.get(Lead, row.conflict_with_id) if row.conflict_with_id else None
    return render_template(
        "admin/lead.html",
        lead=row,
        events=list(events),
        declined=declines.of_leads([row.id]).get(row.id, []),
        other=other,
        partners=session.execute(
            select(Partner.id, Partner.name)
            .where(Partner.status == "active")
            .order_by(Partner.name)
        ).all(),
    )


@bp.post("/leads/<int:lead_id>/assign")
@roles(VENDOR_MANAGERS)
def lead_assign(lead_id: int):
    row = get_or_404(Lead, lead_id)
    raw = request.form.get("partner_id", "")
    partner = session.get(Partner, int(raw)) if raw.isdigit() and v.is_row_id(int(raw)) else None
    if partner is None:
        flash("Choose a partner.", "error")
    elif not row.is_open:
        flash("Only an open lead can be sent to a partner.", "error")
    else:
        lifecycle.assign_by_hand(row, partner, current_user)
        audit.record(current_user, "lead.assign", row, changes={"partner": [None, partner.name]})
        session.commit()
        flash(f"Lead sent to {partner.name}.", "success")
    return redirect(url_for("admin.lead", lead_id=lead_id))


@bp.post("/leads/<int:lead_id>/conflict")
@roles(VENDOR_MANAGERS)
def lead_conflict(lead_id: int):
    row = get_or_404(Lead, lead_id)
    if not row.conflict_open:
        flash("This lead has no open conflict.", "info")
        return redirect(url_for("admin.lead", lead_id=lead_id))
    note = request.form.get("note", "")
    run_action(
        lambda: conflicts.resolve(row, current_user, v.text(note, max_length=500)),
        "Conflict closed.",
    )
    return redirect(url_for("admin.lead", lead_id=lead_id))


@bp.get("/leads/reports")
@roles(VENDOR)
def lead_reports():
    data = _report_data()
    today = utcnow().date()
    over_time = charts.time_series(
        "Leads over time", reports.leads_over_time(), STATUS_SERIES, end=today, what="Leads"
    )
    response = charts.breakdown(
        "Answered within the SLA, by partner (%)",
        data["response_times"],
        [charts.Series("in_time_percent", "In time (%)", "#0f766e")],
        heading="Partner",
        what="Share of leads (%)",
    )
    by_partner = charts.breakdown(
        "Leads and wins by partner",
        data["conversion"],
        [charts.Series("leads", "Leads", "#1e3a8a"), charts.Series("won", "Won", "#0f766e")],
        heading="Partner",
        what="Leads",
    )
    by_tier = charts.breakdown(
        "Win rate by tier (%)",
        data["tiers"],
        [charts.Series("win_rate", "Win rate (%)", "#0f766e")],
        heading="Tier",
        what="Win rate (%)",
    )
    regions = charts.breakdown(
        "Leads by region",
        data["regions"],
        [charts.Series("leads", "Leads", "#1e3a8a")],
        heading="Region",
        what="Leads",
    )
    searches = charts.time_series(
        "Searches on the where-to-buy page",
        reports.searches_over_time(),
        SEARCH_SERIES,
        end=today,
        what="Searches",
    )
    gaps = search_gaps.unmet_demand()
    html = render_template(
        "admin/lead_reports.html",
        map_settings=map_settings(),
        data=data,
        charts=[over_time, response, by_partner, by_tier, regions, searches],
        sla_hours=rules.current().sla_hours,
        gaps=gaps,
        gaps_json=json.dumps([gap.as_point() for gap in gaps]),
        cell_km=round(search_gaps.CELL_DEGREES * 111),
        reports=REPORTS,
    )
    return with_map_policy(html)


def _report_data() -> dict:
    by_partner, by_tier = reports.conversion()
    return {
        "response_times": reports.response_times(),
        "conversion": by_partner,
        "tiers": by_tier,
        "regions": reports.leads_by_region(),
        "searches": reports.top_queries(100),
    }


@bp.get("/leads/reports/<which>.csv")
@roles(VENDOR)
def lead_report_csv(which: str):
    if which not in REPORTS:
        abort(404)
    key, columns = REPORTS[which]
    return _csv(reports.rows_csv(_report_data()[key], columns), f"leads-{which}")


@bp.route("/leads/settings", methods=["GET", "POST"])
@roles(ADMIN)
def lead_rules():
    errors: dict = {}
    if request.method == "POST":
        try:
            rules.update_rules(form_data(), current_user)
            session.commit()
            flash("Lead rules saved.", "success")
            return redirect(url_for("admin.lead_rules"))
        except v.ValidationFailed as exc:
            session.rollback()
            errors = exc.errors
    return render_template(
        "admin/lead_rules.html",
        r=rules.current(),
        errors=errors,
        data=form_data() if errors else None,
        actions=rules.RETENTION_ACTIONS,
    ), (400 if errors else 200)


@bp.route("/leads/privacy", methods=["GET", "POST"])
@roles(ADMIN)
def lead_privacy():
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()
        try:
            email = v.email(email, required=True)
        except v.Invalid as exc:
            return render_template("admin/lead_privacy.html", error=str(exc), email=email), 400
        if request.form.get("action") == "erase":
            erased = privacy.erase_customer(email)
            audit.record(current_user, "lead.erase", "lead", changes={"leads": [None, erased]})
            session.commit()
            flash(f"{erased} lead(s) of {email} anonymized.", "success")
            return redirect(url_for("admin.lead_privacy"))
        data = privacy.export_customer(email)
        audit.record(
            current_user, "lead.export", "lead", changes={"leads": [None, len(data["leads"])]}
        )
        session.commit()
        response = Response(json.dumps(data, indent=2), mimetype="application/json")
        response.headers["Content-Disposition"] = 'attachment; filename="customer-data.json"'
        return response
    return render_template("admin/lead_privacy.html", error=None, email="")


@bp.route("/partners/<int:partner_id>/lead-settings", methods=["GET", "POST"])
@roles(VENDOR_MANAGERS)
def partner_lead_settings(partner_id: int):
    partner = get_or_404(Partner, partner_id)
    errors: dict = {}
    if request.method == "POST":
        try:
            rules.update_settings(partner, form_data(), current_user)
            session.commit()
            flash("Lead settings saved.", "success")
            return redirect(url_for("admin.partner_lead_settings", partner_id=partner.id))
        except v.ValidationFailed as exc:
            session.rollback()
            errors = exc.errors
    return render_template(
        "admin/partner_lead_settings.html",
        partner=partner,
        s=rules.effective_settings(partner.id),
        errors=errors,
        default_radius=rules.current().default_radius_km,
        can_edit=True,
    ), (400 if errors else 200)


def _csv(text: str, name: str) -> Response:
    response = Response(text, mimetype="text/csv")
    stamp = date.today().isoformat()
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response
