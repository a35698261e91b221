"""The partner portal: a partner's own profile, locations, brand kit and team.

Every query here runs under the partner scope set for the request (app.tenancy), so a row of
another partner is never found.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import runtime
from app import validation as v
from app.db import session
from app.models import Invitation, Role, User
from app.web import confirm, pickers
from app.web.access import PARTNER, PARTNER_ADMIN, roles
from app.web.common import (
    form_data,
    form_page,
    get_or_404,
    invite_from_form,
    location_form,
    logo_response,
    run_action,
    save_form,
    uploaded_bytes,
)
from app.web.lookups import my_partner
from app.web.portal import bp
from directory import brand_kits, locations, partners, people
from directory.context import partner_context
from directory.locator import profiles
from directory.logos import LogoRejected
from directory.models import Location


@bp.get("/")
@roles(PARTNER)
def home():
    partner = my_partner()
    kit = partner.brand_kit
    todo = []
    if not kit or not kit.logo_key:
        todo.append(("Upload your logo", url_for("portal.brand_kit")))
    if not partner.locations:
        todo.append(("Add your address", url_for("portal.location_new")))
    if not partner.description:
        todo.append(("Describe your business", url_for("portal.profile")))
    from campaigns.visibility import live_campaigns_for

    return render_template(
        "portal/home.html",
        partner=partner,
        kit=kit,
        todo=todo,
        campaigns=live_campaigns_for(partner.id),
    )


@bp.route("/profile", methods=["GET", "POST"])
@roles(PARTNER)
def profile():
    partner = my_partner()
    errors: dict = {}
    data = partners.form_values(partner)
    editable = current_user.role == Role.PARTNER_ADMIN
    if request.method == "POST":
        if not editable:
            abort(403)

        def save():
            # with approval on, the public description changes only through the public profile
            only = partners.SELF_EDITABLE
            if profiles.needs_approval():
                only = tuple(name for name in only if name != "description")
            data = pickers.form_with_lists(form_data(), request.form, "countries")
            return partners.update_partner(partner, data, current_user, only=only)

        outcome = save_form(save, success="Your profile is saved.", done=url_for("portal.profile"))
        if outcome.response:
            return outcome.response
        errors = outcome.errors
    return form_page(
        "portal/profile.html",
        partner=partner,
        data=data,
        errors=errors,
        editable=editable,
        description_needs_approval=profiles.needs_approval(),
    )


@bp.get("/locations", endpoint="locations")
@roles(PARTNER)
def locations_list():
    return render_template("portal/locations.html", partner=my_partner())


@bp.route("/locations/new", methods=["GET", "POST"])
@roles(PARTNER_ADMIN)
def location_new():
    return location_form(
        my_partner(), None, layout="portal/layout.html", done=url_for("portal.locations")
    )


@bp.route("/locations/<int:location_id>", methods=["GET", "POST"])
@roles(PARTNER_ADMIN)
def location_edit(location_id: int):
    return location_form(
        my_partner(),
        get_or_404(Location, location_id),
        layout="portal/layout.html",
        done=url_for("portal.locations"),
    )


@bp.post("/locations/<int:location_id>/delete")
@roles(PARTNER_ADMIN)
def location_delete(location_id: int):
    locations.delete_location(get_or_404(Location, location_id), current_user)
    session.commit()
    flash("Location removed.", "success")
    return redirect(url_for("portal.locations"))


REMOVE_LOGO_QUESTION = confirm.Question(
    title="Remove your logo?",
    message=(
        "Your co-branded assets show no logo until you upload one again, and the colours "
        "suggested from it go too."
    ),
    confirm_label="Remove logo",
)


@bp.route("/brand-kit", methods=["GET", "POST"])
@roles(PARTNER)
def brand_kit():
    partner = my_partner()
    kit = brand_kits.brand_kit_for(partner)
    session.commit()
    errors: dict = {}
    editable = current_user.role == Role.PARTNER_ADMIN
    if request.method == "POST":
        if not editable:
            abort(403)
        action = request.form.get("action", "save")
        if action == "remove_logo" and not confirm.confirmed():
            return confirm.confirmation_page(
                REMOVE_LOGO_QUESTION,
                layout="portal/layout.html",
                cancel_url=url_for("portal.brand_kit"),
            )
        outcome = save_form(
            lambda: _save_brand_kit(partner, action),
            success=lambda message: message,
            done=url_for("portal.brand_kit"),
        )
        if outcome.response:
            return outcome.response
        errors = outcome.errors
        kit = brand_kits.brand_kit_for(my_partner())
    return form_page(
        "portal/brand_kit.html",
        partner=partner,
        kit=kit,
        errors=errors,
        editable=editable,
        context=partner_context(partner),
        remove_logo_question=REMOVE_LOGO_QUESTION,
        backgrounds=brand_kits.LOGO_BACKGROUNDS,
        fading=brand_kits.logo_colors_fading_on_dark(kit),
    )


def _save_brand_kit(partner, action: str) -> str:
    """Remove the logo, or save the form's fields and the logo uploaded with them; what to say."""
    if action == "remove_logo":
        brand_kits.remove_logo(partner, current_user)
        return "The logo is removed."
    # the fields first: a refused field must not leave a stored logo behind
    brand_kits.update_brand_kit(partner, form_data(), current_user)
    logo = uploaded_bytes("logo")
    if logo is not None:
        max_bytes = runtime.settings().max_upload_bytes
        try:
            brand_kits.set_logo(partner, logo, current_user, max_bytes=max_bytes)
        except LogoRejected as exc:
            raise v.ValidationFailed({"logo": str(exc)}) from exc
    return "Your brand kit is saved."


@bp.get("/brand-kit/logo/<any(original, trimmed, thumb):variant>")
@roles(PARTNER)
def logo(variant: str):
    return logo_response(my_partner(), variant)


@bp.get("/team")
@roles(PARTNER)
def team():
    return _team_page({})


def _team_page(errors: dict):
    """The team page; with ERRORS, the invitation form shown again as typed (400)."""
    members, invitations = people.team(current_user.partner_id)
    return form_page("portal/team.html", members=members, invitations=invitations, errors=errors)


@bp.post("/team/invite")
@roles(PARTNER_ADMIN)
def team_invite():
    outcome = invite_from_form(
        done=url_for("portal.team"),
        partner_id=current_user.partner_id,
        roles=(Role.PARTNER_ADMIN.value, Role.PARTNER_MEMBER.value),
        role=None if request.form.get("role") else Role.PARTNER_MEMBER.value,
    )
    return outcome.response or _team_page(outcome.errors)


@bp.post("/team/<int:user_id>/active")
@roles(PARTNER_ADMIN)
def team_member_active(user_id: int):
    user = get_or_404(User, user_id)
    run_action(
        lambda: people.set_active(user, request.form.get("active") == "yes", current_user),
        lambda: f"{user.email} is {'active' if user.active else 'deactivated'}.",
    )
    return redirect(url_for("portal.team"))


@bp.post("/team/invitations/<int:invitation_id>/revoke")
@roles(PARTNER_ADMIN)
def team_invitation_revoke(invitation_id: int):
    invitation = get_or_404(Invitation, invitation_id)
    people.revoke_invitation(invitation, current_user)
    session.commit()
    flash(f"Invitation for {invitation.email} revoked.", "success")
    return redirect(url_for("portal.team"))
