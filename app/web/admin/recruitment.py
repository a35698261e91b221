"""Admin: recruitment. Prospects (list, add, edit, CSV import) and the review of applications
(approve into an onboarding partner, or decline with a polite email)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import validation as v
from app.db import session
from app.web import confirm
from app.web.access import VENDOR, VENDOR_MANAGERS, roles
from app.web.admin import bp, imports
from app.web.common import form_data, get_or_404
from campaigns.journeys import applications, fit, prospect_csv, prospects
from campaigns.journeys.models import (
    APPLICATION_STATUS_LABELS,
    PROSPECT_STATUS_LABELS,
    Application,
    ApplicationStatus,
    Prospect,
)
from campaigns.membership import on_partner_changed

LAYOUT = "admin/layout.html"


def _status_options() -> list[tuple[str, str]]:
    return [(s.value, label) for s, label in PROSPECT_STATUS_LABELS.items()]


@bp.get("/prospects")
@roles(VENDOR)
def prospects_list():
    filters = prospects.ProspectFilters.from_args(request.args)
    for message in filters.errors:
        flash(message, "error")
    if filters.sort == "score":
        page, scores = fit.search_by_score(filters)
    else:
        page = prospects.search_prospects(filters)
        scores = fit.for_prospects(page.items)
    return render_template(
        "admin/prospects.html",
        page=page,
        scores=scores,
        f=filters,
        hints=prospects.duplicate_hints(page.items),
        statuses=_status_options(),
        sources=prospects.sources(),
        status_label=prospects.status_label,
    )


@bp.route("/prospects/new", methods=["GET", "POST"])
@roles(VENDOR)
def prospect_new():
    return _prospect_form(None, {"status": "new"})


@bp.route("/prospects/<int:prospect_id>", methods=["GET", "POST"])
@roles(VENDOR)
def prospect_edit(prospect_id: int):
    prospect = get_or_404(Prospect, prospect_id)
    return _prospect_form(prospect, prospects.form_values(prospect))


def _prospect_form(prospect: Prospect | None, data: dict):
    """Add a prospect (PROSPECT None) or change one: saved in one unit of work, or shown again
    with what was typed and a message at each field (400)."""
    errors: dict = {}
    if request.method == "POST":
        data = {k: request.form.get(k, "") for k in prospects.FIELDS}
        try:
            data = form_data()
            if prospect is None:
                saved = prospects.create_prospect(data, current_user)
                done = f"{saved.company} is added."
            else:
                saved = prospects.update_prospect(prospect, data, current_user)
                done = "Saved."
            session.commit()
            flash(done, "success")
            return redirect(url_for("admin.prospect_edit", prospect_id=saved.id))
        except v.ValidationFailed as exc:
            session.rollback()
            errors = exc.errors
    found = (
        prospects.duplicates(prospect.email, prospect.domain, exclude_prospect_id=prospect.id)
        if prospect is not None
        else None
    )
    return render_template(
        "admin/prospect_form.html",
        prospect=prospect,
        data=data,
        errors=errors,
        statuses=_status_options(),
        duplicates=found,
        fit=fit.for_prospects([prospect])[prospect.id] if prospect is not None else None,
    ), (400 if errors else 200)


@bp.route("/prospects/import", methods=["GET", "POST"])
@roles(VENDOR)
def prospects_import():
    """The partner import's steps for prospects: upload -> dry run -> import every row, or the
    good ones only; the bad ones come back as a CSV to fix. Each import is one transaction."""
    return imports.import_screen(
        PROSPECT_IMPORT,
        "admin/import.html",
        _prospects_imported,
        lambda: {
            "columns": prospect_csv.COLUMNS,
            "noun": "prospects",
            "import_url": url_for("admin.prospects_import"),
            "sample_url": url_for("admin.prospects_import_sample"),
        },
    )


PROSPECT_IMPORT = imports.CsvImport(prospect_csv, "prospects-to-fix.csv")


def _prospects_imported(result):
    imports.flash_imported(result, "{create} added, {update} updated.")
    return redirect(url_for("admin.prospects_list"))


@bp.get("/prospects/import/sample.csv")
@roles(VENDOR)
def prospects_import_sample():
    return imports.csv_file(prospect_csv.sample_csv(), "prospects-sample.csv")


@bp.get("/applications")
@roles(VENDOR)
def applications_list():
    status = (request.args.get("status") or "").strip().lower()
    if status and status not in applications.APPLICATION_STATUSES:
        flash(f"Unknown status '{status[:30]}'.", "error")
        status = ""
    try:
        number = max(1, min(int(request.args.get("page") or 1), 100000))
    except ValueError:
        number = 1
    return render_template(
        "admin/applications.html",
        page=applications.search_applications(status, number),
        status=status,
        counts=applications.counts(),
        statuses=[(s.value, label) for s, label in APPLICATION_STATUS_LABELS.items()],
        status_label=applications.status_label,
    )


def _approve_question(application: Application) -> confirm.Question:
    return confirm.Question(
        f"Approve {application.company}?",
        f"{application.company} becomes a partner in onboarding, and "
        f"{application.email} gets an invitation to the portal by email.",
        "Approve and invite",
        ("Journeys that start on an approved application start for the new partner.",),
        danger=False,
    )


def _decline_question(application: Application) -> confirm.Question:
    return confirm.Question(
        f"Decline {application.company}?",
        f"{application.email} gets a polite email saying the application was not accepted"
        " (with your reason, if you wrote one).",
        "Decline and send the email",
    )


@bp.get("/applications/<int:application_id>")
@roles(VENDOR)
def application_detail(application_id: int):
    application = get_or_404(Application, application_id)
    return render_template(
        "admin/application_detail.html",
        application=application,
        duplicates=applications.duplicates(application),
        fit=fit.for_application(application),
        status_label=applications.status_label,
        type_label=applications.partner_type_label,
        waiting=application.status == ApplicationStatus.SUBMITTED.value,
        approve_question=_approve_question(application),
        decline_question=_decline_question(application),
    )


@bp.post("/applications/<int:application_id>/approve")
@roles(VENDOR_MANAGERS)
def application_approve(application_id: int):
    application = get_or_404(Application, application_id)
    back = url_for("admin.application_detail", application_id=application.id)
    if not confirm.confirmed():
        return confirm.confirmation_page(
            _approve_question(application), layout=LAYOUT, cancel_url=back
        )
    try:
        approval = applications.approve(application, current_user)
        on_partner_changed(approval.partner.id)
        session.commit()
    except v.ValidationFailed as exc:
        session.rollback()
        flash(" ".join(exc.errors.values()), "error")
        return redirect(back)
    partner = approval.partner
    message = f"{partner.name} is a partner now (onboarding)."
    if approval.invited:
        message += f" {application.email} is invited to the portal."
    else:
        message += f" {application.email} already has an account: no invitation was sent."
    flash(message, "success")
    return redirect(url_for("admin.partner_detail", partner_id=partner.id))


@bp.post("/applications/<int:application_id>/decline")
@roles(VENDOR_MANAGERS)
def application_decline(application_id: int):
    application = get_or_404(Application, application_id)
    back = url_for("admin.application_detail", application_id=application.id)
    if not confirm.confirmed():
        return confirm.confirmation_page(
            _decline_question(application), layout=LAYOUT, cancel_url=back, keep=("reason",)
        )
    try:
        applications.decline(application, current_user, request.form.get("reason", ""))
        session.commit()
    except v.ValidationFailed as exc:
        session.rollback()
        flash(" ".join(exc.errors.values()), "error")
        return redirect(back)
    flash(f"{application.company} is declined; {application.email} is told by email.", "success")
    return redirect(back)
