"""Admin: the dashboard, partners, their locations and logos, CSV import and export."""

from __future__ import annotations

import json
import re

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import validation as v
from app.db import session
from app.models import AuditEntry, Role, User
from app.storage import StorageError, content_key, get_storage
from app.web import pickers
from app.web.access import VENDOR, VENDOR_MANAGERS, roles
from app.web.admin import bp, imports
from app.web.common import (
    form_data,
    form_page,
    get_or_404,
    invite_from_form,
    location_form,
    logo_response,
    save_form,
)
from campaigns import overview
from campaigns.journeys import analytics as journey_analytics
from campaigns.journeys import applications
from campaigns.membership import on_partner_changed, sync_all_live_soon
from directory import locations, partner_csv, partners, people, tags
from directory.models import PARTNER_TYPE_LABELS, Location, Partner, PartnerStatus


def _form_options() -> dict:
    managers = (
        session.execute(
            select(User)
            .where(User.partner_id.is_(None), User.role.in_([Role.ADMIN, Role.CHANNEL_MANAGER]))
            .order_by(User.name)
        )
        .scalars()
        .all()
    )
    return {
        "types": [(t.value, label) for t, label in PARTNER_TYPE_LABELS.items()],
        "statuses": [(s.value, s.value.capitalize()) for s in PartnerStatus],
        "tiers": partners.tiers(),
        "managers": managers,
    }


@bp.get("/")
@roles(VENDOR)
def dashboard():
    by_status = dict(
        session.execute(select(Partner.status, func.count()).group_by(Partner.status)).all()
    )
    by_tier = session.execute(
        select(func.coalesce(partners.Tier.name, "No tier"), func.count(Partner.id))
        .select_from(Partner)
        .outerjoin(partners.Tier, Partner.tier_id == partners.Tier.id)
        .group_by(partners.Tier.name, partners.Tier.rank)
        .order_by(partners.Tier.rank)
    ).all()
    recent = (
        session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(10)).scalars().all()
    )
    total = sum(by_status.values())
    return render_template(
        "admin/dashboard.html",
        home=overview.home_campaigns(),
        live_journeys=journey_analytics.list_journeys("live"),
        waiting_applications=applications.waiting_count(),
        by_status=by_status,
        by_tier=by_tier,
        total=total,
        recent=recent,
        statuses=list(PartnerStatus),
    )


@bp.get("/partners", endpoint="partners")
@roles(VENDOR)
def partners_list():
    filters = partners.PartnerFilters.from_args(request.args)
    page = partners.search_partners(filters)
    for message in filters.errors:
        flash(message, "error")
    return render_template(
        "admin/partners.html", page=page, f=filters, all_tags=tags.tags_in_use(), **_form_options()
    )


@bp.get("/partners/search.json")
@roles(VENDOR)
def partners_search():
    """Partners whose name, slug, email or website holds Q, or whose id is Q (the pickers)."""
    q = (request.args.get("q") or "").replace("\x00", "").strip()[:100]
    found: list[Partner] = []
    if q.isdigit() and v.is_row_id(int(q)):
        found += [p for p in [session.get(Partner, int(q))] if p is not None]
    if q:
        found += partners.search_partners(partners.PartnerFilters(q=q, per_page=10)).items
    unique = list({p.id: p for p in found}.values())[:10]
    return {
        "partners": [
            {
                "id": p.id,
                "name": p.name,
                "tier": p.tier.name if p.tier else None,
                "countries": list(p.countries or []),
            }
            for p in unique
        ]
    }


@bp.get("/partners/export.csv")
@roles(VENDOR)
def partners_export():
    filters = partners.PartnerFilters.from_args(request.args)
    rows = session.execute(partners.partner_query(filters)).scalars().all()
    return Response(
        partner_csv.export(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="partners.csv"'},
    )


@bp.route("/partners/new", methods=["GET", "POST"])
@roles(VENDOR_MANAGERS)
def partner_new():
    return _partner_form(None, {"type": "reseller", "status": "prospect"})


@bp.get("/partners/<int:partner_id>")
@roles(VENDOR)
def partner_detail(partner_id: int):
    return _detail_page(get_or_404(Partner, partner_id), {})


def _detail_page(partner: Partner, errors: dict, *, form: str = "invite"):
    """The partner's page; with ERRORS, FORM (invite, status) shown again as typed (400)."""
    users, invitations = people.team(partner.id)
    history = (
        session.execute(
            select(AuditEntry)
            .where(AuditEntry.partner_id == partner.id)
            .order_by(AuditEntry.id.desc())
            .limit(20)
        )
        .scalars()
        .all()
    )
    allowed = sorted(s.value for s in partners.STATUS_TRANSITIONS[PartnerStatus(partner.status)])
    return form_page(
        "admin/partner_detail.html",
        errors=errors,
        form_errors={form: errors},
        partner=partner,
        users=users,
        invitations=invitations,
        history=history,
        status_options=[(status, status) for status in allowed],
        kit=partner.brand_kit,
    )


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@roles(VENDOR_MANAGERS)
def partner_edit(partner_id: int):
    partner = get_or_404(Partner, partner_id)
    return _partner_form(partner, partners.form_values(partner))


def _partner_form(partner: Partner | None, data: dict):
    """A new partner (PARTNER None) or an existing one's edit form: saved in one unit of work
    (campaigns follow the change) and on to its page, or shown again with every error (400)."""
    errors: dict = {}
    if request.method == "POST":
        data = pickers.form_with_lists(form_data(), request.form, "countries")
        outcome = save_form(
            lambda: _save_partner(partner, data),
            success=lambda saved: f"{saved.name} is created." if partner is None else "Saved.",
            done=lambda saved: url_for("admin.partner_detail", partner_id=saved.id),
        )
        if outcome.response:
            return outcome.response
        errors = outcome.errors
    return form_page(
        "admin/partner_form.html", partner=partner, data=data, errors=errors, **_form_options()
    )


def _save_partner(partner: Partner | None, data: dict) -> Partner:
    """A new partner (PARTNER None) or PARTNER updated from DATA; its campaigns follow."""
    if partner is None:
        saved = partners.create_partner(data, current_user)
    else:
        data.pop("status", None)  # status has its own action with a note
        saved = partners.update_partner(partner, data, current_user)
    on_partner_changed(saved.id)
    return saved


@bp.post("/partners/<int:partner_id>/status")
@roles(VENDOR_MANAGERS)
def partner_status(partner_id: int):
    partner = get_or_404(Partner, partner_id)

    def move() -> None:
        data = form_data()
        partners.change_status(partner, data.get("status", ""), current_user, data.get("note", ""))
        on_partner_changed(partner.id)

    outcome = save_form(
        move,
        success=lambda _: f"{partner.name} is now {partner.status}.",
        done=url_for("admin.partner_detail", partner_id=partner.id),
    )
    return outcome.response or _detail_page(partner, outcome.errors, form="status")


@bp.route("/partners/<int:partner_id>/locations/new", methods=["GET", "POST"])
@roles(VENDOR_MANAGERS)
def location_new(partner_id: int):
    partner = get_or_404(Partner, partner_id)
    return location_form(
        partner,
        None,
        layout="admin/layout.html",
        done=url_for("admin.partner_detail", partner_id=partner.id),
    )


@bp.route("/locations/<int:location_id>", methods=["GET", "POST"])
@roles(VENDOR_MANAGERS)
def location_edit(location_id: int):
    location = get_or_404(Location, location_id)
    return location_form(
        location.partner,
        location,
        layout="admin/layout.html",
        done=url_for("admin.partner_detail", partner_id=location.partner_id),
    )


@bp.post("/locations/<int:location_id>/delete")
@roles(VENDOR_MANAGERS)
def location_delete(location_id: int):
    location = get_or_404(Location, location_id)
    partner_id = location.partner_id
    locations.delete_location(location, current_user)
    session.commit()
    flash("Location removed.", "success")
    return redirect(url_for("admin.partner_detail", partner_id=partner_id))


@bp.get("/partners/<int:partner_id>/logo/<any(original, trimmed, thumb):variant>")
@roles(VENDOR)
def partner_logo(partner_id: int, variant: str):
    partner = get_or_404(Partner, partner_id)
    return logo_response(partner, variant)


@bp.post("/partners/<int:partner_id>/invite")
@roles(VENDOR_MANAGERS)
def partner_invite(partner_id: int):
    partner = get_or_404(Partner, partner_id)
    outcome = invite_from_form(
        done=url_for("admin.partner_detail", partner_id=partner.id),
        partner_id=partner.id,
        role=Role.PARTNER_ADMIN.value,
    )
    return outcome.response or _detail_page(partner, outcome.errors)


@bp.route("/partners/import", methods=["GET", "POST"])
@roles(VENDOR_MANAGERS)
def partners_import():
    """Upload -> dry run (the values to be saved, every row's errors) -> import every row (all
    or nothing), or only the good ones; the bad ones come back as a CSV to fix. The file waits
    in storage between the steps; each import is one transaction."""
    return imports.import_screen(
        PARTNER_IMPORT,
        "admin/import.html",
        _partners_imported,
        lambda: {
            "columns": partner_csv.COLUMNS,
            "noun": "partners",
            "import_url": url_for("admin.partners_import"),
            "sample_url": url_for("admin.partners_import_sample"),
        },
    )


PARTNER_IMPORT = imports.CsvImport(partner_csv, "partners-to-fix.csv")


def _partners_imported(result: partner_csv.ImportResult):
    sync_all_live_soon()  # new and changed partners join the live campaigns they match
    imports.flash_imported(result, "{create} created, {update} updated.")
    return redirect(
        url_for("admin.partners_import_report", key=_store_report(get_storage(), result))
    )


REPORT_KEY = re.compile(r"^imports/reports/[0-9a-f]{2}/[0-9a-f]{64}\.json$")


def _store_report(storage, result: partner_csv.ImportResult) -> str:
    """What an import did (its partners, its rows left out), kept for the page that shows it."""
    report = {
        "partners": [[r.partner_id, r.action, r.line] for r in result.good_rows],
        "rejected": partner_csv.rejected_csv(result) if result.error_rows else "",
        "rejected_count": len(result.error_rows),
    }
    data = json.dumps(report).encode()
    return storage.put(content_key("imports/reports", data, ".json"), data, "application/json")


@bp.get("/partners/import/report")
@roles(VENDOR_MANAGERS)
def partners_import_report():
    """The partners an import created and updated, and (format=csv) the rows it left out."""
    key = request.args.get("key", "")
    try:
        report = json.loads(get_storage().get(key)) if REPORT_KEY.match(key) else None
    except StorageError:
        report = None
    if report is None:
        flash("That import report is no longer available.", "info")
        return redirect(url_for("admin.partners_import"))
    if request.args.get("format") == "csv":
        return imports.csv_file(report["rejected"], "partners-to-fix.csv")
    ids = [partner_id for partner_id, _action, _line in report["partners"]]
    found = {
        p.id: p
        for chunk in (ids[i : i + 1000] for i in range(0, len(ids), 1000))
        for p in session.execute(select(Partner).where(Partner.id.in_(chunk))).scalars()
    }
    rows = [(found[pid], action, line) for pid, action, line in report["partners"] if pid in found]
    return render_template(
        "admin/import_report.html",
        rows=rows,
        key=key,
        created=sum(1 for _p, action, _line in rows if action == "create"),
        updated=sum(1 for _p, action, _line in rows if action == "update"),
        rejected_count=report["rejected_count"],
    )


@bp.get("/partners/import/sample.csv")
@roles(VENDOR_MANAGERS)
def partners_import_sample():
    """A file in the import's format to start from."""
    names = [t.name for t in partners.tiers()]
    return imports.csv_file(partner_csv.sample_csv(names), "partners-sample.csv")
