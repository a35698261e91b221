"""Admin: the partner locator — its settings, where the geocoder failed, profile changes to
approve, and which partners are listed."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import audit
from app import validation as v
from app.db import session
from app.web import theme
from app.web.access import ADMIN, VENDOR, VENDOR_MANAGERS, roles
from app.web.admin import bp
from app.web.common import form_data, form_page, get_or_404, run_action, save_form
from directory.locator import finder, geocoding, profiles
from directory.locator.models import ProfileChange
from directory.models import GEOCODE_STATE_LABELS, GeocodeState, Location, Partner, PartnerStatus


def _sort(value) -> str:
    return v.choice(value, options=["distance", "tier"], label="The order")


SETTINGS_CLEANERS = {
    "locator_sort": _sort,
    "locator_tier_boost_km": lambda x: (
        v.float_in(x, low=0, high=1000, label="The tier boost") or 0.0
    ),
    "locator_radius_km": lambda x: int(
        v.float_in(x, low=1, high=1000, label="The default radius") or 50
    ),
    "profile_changes_need_approval": v.boolean,
}


@bp.get("/locator")
@roles(VENDOR)
def locator():
    return _locator_page({})


def _locator_page(errors: dict):
    """The locator page; with ERRORS, its settings form shown again as typed (400)."""
    program = theme.program_settings()
    counts = dict(
        session.execute(
            select(Location.geocode_state, func.count()).group_by(Location.geocode_state)
        ).all()
    )
    active = (
        session.execute(
            select(Partner)
            .where(Partner.status == PartnerStatus.ACTIVE.value)
            .order_by(Partner.listed_in_locator, Partner.name)
            .limit(500)
        )
        .scalars()
        .all()
    )
    return form_page(
        "admin/locator.html",
        errors=errors,
        program=program,
        counts=[(GEOCODE_STATE_LABELS[s], counts.get(s.value, 0), s.value) for s in GeocodeState],
        failures=geocoding.failures(),
        changes=profiles.pending_changes(),
        partners=active,
    )


@bp.post("/locator/settings")
@roles(ADMIN)
def locator_settings():
    program = theme.program_settings()

    def save():
        data = form_data()
        data.setdefault("profile_changes_need_approval", "")
        clean = v.collect(SETTINGS_CLEANERS, data)
        before = {k: getattr(program, k) for k in clean}
        for key, value in clean.items():
            setattr(program, key, value)
        audit.record(current_user, "settings.locator", program, changes=audit.diff(before, clean))

    outcome = save_form(save, success="Locator settings saved.", done=url_for("admin.locator"))
    return outcome.response or _locator_page(outcome.errors)


@bp.post("/locator/changes/<int:change_id>")
@roles(VENDOR_MANAGERS)
def locator_change(change_id: int):
    change = get_or_404(ProfileChange, change_id)
    approve = request.form.get("decision") == "approve"
    if run_action(
        lambda: profiles.decide(change, approve, current_user, request.form.get("note", "")),
        f"{change.partner.name}'s profile change {'approved' if approve else 'rejected'}.",
    ):
        finder.facets_changed()
    return redirect(url_for("admin.locator"))


@bp.post("/locator/partners/<int:partner_id>/listed")
@roles(VENDOR_MANAGERS)
def locator_listed(partner_id: int):
    partner = get_or_404(Partner, partner_id)
    listed = request.form.get("listed") == "yes"
    if run_action(
        lambda: profiles.set_listed(partner, listed, current_user),
        f"{partner.name} is {'now listed' if listed else 'no longer listed'} in the locator.",
    ):
        finder.facets_changed()
    return redirect(request.form.get("next") or url_for("admin.locator"))


@bp.post("/locator/locations/<int:location_id>/geocode")
@roles(VENDOR_MANAGERS)
def locator_geocode_again(location_id: int):
    location = get_or_404(Location, location_id)
    run_action(lambda: geocoding.schedule(location), "The address is being located again.")
    return redirect(url_for("admin.locator"))
