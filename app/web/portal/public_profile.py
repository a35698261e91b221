"""The partner's public profile in the locator: description, services, languages (applied at
once or sent for the vendor's approval), and each location's opening hours and map pin."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import validation as v
from app.db import session
from app.web.access import PARTNER, PARTNER_ADMIN, roles
from app.web.common import form_data, get_or_404
from app.web.lookups import my_partner
from app.web.maps import map_settings, with_map_policy
from app.web.portal import bp
from directory.locator import finder, profiles
from directory.models import Location


def _values(partner) -> dict:
    return {
        "description": partner.description,
        "services": ", ".join(partner.services or ()),
        "languages": ", ".join(partner.languages or ()),
    }


@bp.route("/public-profile", methods=["GET", "POST"])
@roles(PARTNER)
def public_profile():
    partner = my_partner()
    errors: dict = {}
    pending = profiles.pending_change(partner)
    data = _values(partner)
    if pending is not None:
        data.update(
            {
                k: ", ".join(val) if isinstance(val, list) else val
                for k, val in pending.changes.items()
            }
        )
    editable = current_user.role == "partner_admin"
    if request.method == "POST":
        if not editable:
            abort(403, "Only your partner admin can change the public profile.")
        data = form_data()
        try:
            change = profiles.submit_profile(partner, data, current_user)
            session.commit()
            finder.facets_changed()
            flash(
                "Sent for approval: your public profile changes once it is approved."
                if change
                else "Your public profile is saved.",
                "success",
            )
            return redirect(url_for("portal.public_profile"))
        except v.ValidationFailed as exc:
            session.rollback()
            errors = exc.errors
    return render_template(
        "portal/public_profile.html",
        partner=partner,
        data=data,
        errors=errors,
        editable=editable,
        pending=pending,
        needs_approval=profiles.needs_approval(),
        locations=partner.locations,
    ), (400 if errors else 200)


@bp.route("/public-profile/locations/<int:location_id>", methods=["GET", "POST"])
@roles(PARTNER_ADMIN)
def public_location(location_id: int):
    """A location's opening hours and its pin on the map (dragged, or typed)."""
    location = get_or_404(Location, location_id)
    errors: dict = {}
    data = {
        "opening_hours": location.opening_hours,
        "latitude": location.latitude if location.latitude is not None else "",
        "longitude": location.longitude if location.longitude is not None else "",
    }
    if request.method == "POST":
        data = form_data()
        try:
            profiles.update_location_public(location, data, current_user)
            session.commit()
            flash("Location saved.", "success")
            return redirect(url_for("portal.public_profile"))
        except (v.ValidationFailed, ValueError) as exc:
            session.rollback()
            errors = exc.errors if isinstance(exc, v.ValidationFailed) else {"latitude": str(exc)}
    html = render_template(
        "portal/public_location.html",
        location=location,
        data=data,
        errors=errors,
        map_settings=map_settings(),
    )
    # the pin is placed on the tile server's map: the page may load its tiles
    return with_map_policy(html), (400 if errors else 200)
