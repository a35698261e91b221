"""The partner portal's leads inbox: new leads to accept or decline within the SLA, then
contacted, won or lost. Leads are partner-scoped rows: another partner's lead is not found."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import validation as v
from app.db import session
from app.web.access import PARTNER, roles
from app.web.common import form_data, get_or_404
from app.web.lookups import my_partner
from app.web.portal import bp
from directory.leads import inbox, rules
from directory.leads.models import STATUS_LABELS, Lead, LeadStatus

TABS = [
    LeadStatus.NEW,
    LeadStatus.ACCEPTED,
    LeadStatus.CONTACTED,
    LeadStatus.WON,
    LeadStatus.LOST,
]


@bp.get("/leads")
@roles(PARTNER)
def leads():
    status = request.args.get("status", LeadStatus.NEW.value)
    if status not in {t.value for t in TABS}:
        status = LeadStatus.NEW.value
    counts = dict(session.execute(select(Lead.status, func.count()).group_by(Lead.status)).all())
    rows = (
        session.execute(
            select(Lead).where(Lead.status == status).order_by(Lead.created_at.desc()).limit(200)
        )
        .scalars()
        .all()
    )
    return render_template(
        "portal/leads.html",
        rows=rows,
        status=status,
        tabs=[(t.value, STATUS_LABELS[t], counts.get(t.value, 0)) for t in TABS],
        sla_hours=rules.current().sla_hours,
    )


@bp.get("/leads/<int:lead_id>")
@roles(PARTNER)
def lead(lead_id: int):
    row = get_or_404(Lead, lead_id)
    return render_template("portal/lead.html", lead=row, errors={})


@bp.post("/leads/<int:lead_id>")
@roles(PARTNER)
def lead_answer(lead_id: int):
    row = get_or_404(Lead, lead_id)
    data = form_data()
    action = data.get("action", "")
    try:
        if action == "accept":
            inbox.accept(row, current_user)
            message = "Lead accepted: the customer's contact details are yours to use."
        elif action == "decline":
            inbox.decline(row, current_user, data.get("reason", ""))
            message = "Lead declined: it goes to another partner."
        elif action in ("contacted", "won", "lost"):
            inbox.progress(
                row, action, current_user, reason=data.get("reason", ""), value=data.get("value")
            )
            message = f"Lead marked {STATUS_LABELS[LeadStatus(action)].lower()}."
        else:
            abort(400, "Choose what to do with the lead.")
        session.commit()
    except v.ValidationFailed as exc:
        session.rollback()
        row = get_or_404(Lead, lead_id)
        return render_template("portal/lead.html", lead=row, errors=exc.errors), 400
    flash(message, "success")
    if action == "decline":
        return redirect(url_for("portal.leads"))
    return redirect(url_for("portal.lead", lead_id=lead_id))


@bp.route("/lead-settings", methods=["GET", "POST"])
@roles(PARTNER)
def lead_settings():
    partner = my_partner()
    errors: dict = {}
    if request.method == "POST":
        if current_user.role != "partner_admin":
            abort(403)
        try:
            rules.update_settings(partner, form_data(), current_user)
            session.commit()
            flash("Lead settings saved.", "success")
            return redirect(url_for("portal.lead_settings"))
        except v.ValidationFailed as exc:
            session.rollback()
            errors = exc.errors
    return render_template(
        "portal/lead_settings.html",
        partner=partner,
        s=rules.effective_settings(partner.id),
        errors=errors,
        default_radius=rules.current().default_radius_km,
        can_edit=current_user.role == "partner_admin",
    ), (400 if errors else 200)
