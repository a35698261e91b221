"""Admin: vendor users and invitations."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.db import session
from app.models import PARTNER_ROLES, ROLE_LABELS, Invitation, Role, User
from app.web.access import ADMIN, VENDOR_MANAGERS, roles
from app.web.admin import bp
from app.web.common import form_page, get_or_404, invite_from_form, run_action
from directory import people


@bp.get("/users")
@roles(ADMIN)
def users():
    return _users_page({})


def _users_page(errors: dict):
    """The users page; with ERRORS, the invitation form shown again as typed (400)."""
    vendor_users = (
        session.execute(select(User).where(User.partner_id.is_(None)).order_by(User.email))
        .scalars()
        .all()
    )
    partner_users = (
        session.execute(select(User).where(User.partner_id.is_not(None)).order_by(User.email))
        .scalars()
        .all()
    )
    invitations = (
        session.execute(select(Invitation).order_by(Invitation.id.desc()).limit(50)).scalars().all()
    )
    roles_ = [(r.value, ROLE_LABELS[r]) for r in Role if r not in PARTNER_ROLES]
    return form_page(
        "admin/users.html",
        vendor_users=vendor_users,
        partner_users=partner_users,
        invitations=invitations,
        roles=roles_,
        errors=errors,
    )


@bp.post("/users/invite")
@roles(ADMIN)
def users_invite():
    outcome = invite_from_form(done=url_for("admin.users"))
    return outcome.response or _users_page(outcome.errors)


@bp.post("/users/<int:user_id>/active")
@roles(ADMIN)
def user_active(user_id: int):
    user = get_or_404(User, user_id)
    run_action(
        lambda: people.set_active(user, request.form.get("active") == "yes", current_user),
        lambda: f"{user.email} is {'active' if user.active else 'deactivated'}.",
    )
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("admin.users")
    )


@bp.post("/invitations/<int:invitation_id>/revoke")
@roles(VENDOR_MANAGERS)
def invitation_revoke(invitation_id: int):
    invitation = get_or_404(Invitation, invitation_id)
    people.revoke_invitation(invitation, current_user)
    session.commit()
    flash(f"Invitation for {invitation.email} revoked.", "success")
    return redirect(
        url_for("admin.users")
        if invitation.partner_id is None
        else url_for("admin.partner_detail", partner_id=invitation.partner_id)
    )
