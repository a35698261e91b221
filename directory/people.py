"""Users: accounts, invitations, password resets and API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import render_template, url_for
from sqlalchemy import func, select

from app import audit, mail, runtime, security
from app import validation as v
from app.db import session, utcnow
from app.models import PARTNER_ROLES, VENDOR_ROLES, ApiToken, Invitation, Role, User
from app.tenancy import unscoped
from directory import activity

INVITATION_DAYS = 7
RESET_SALT = "password-reset"
RESET_MAX_AGE = 3600


def find_user(email: str) -> User | None:
    if "\x00" in email:  # no address has one, and PostgreSQL refuses it as a parameter
        return None
    with unscoped(session):
        return session.execute(
            select(User).where(func.lower(User.email) == email.strip().lower())
        ).scalar_one_or_none()


def signed_in(user) -> None:
    """Note a sign-in (the caller commits): when, and for a partner user, portal activity."""
    user.last_login_at = utcnow()
    if user.partner_id is not None:
        activity.record(user.partner_id, activity.PORTAL_LOGIN, ref=("user", user.id))


def authenticate(email: str, password: str) -> User | None:
    """The active user with EMAIL and PASSWORD, or None. One password hash is checked
    whatever the address (a dummy one for an unknown or inactive account), so the answer
    takes as long for an address that has no account: timing tells nothing."""
    user = find_user(email)
    known = user is not None and user.active
    matches = security.verify_password(
        user.password_hash if known else security.dummy_hash(), password
    )
    return user if known and matches else None


def _check_role(role: str, partner_id: int | None) -> Role:
    try:
        role = Role(role)
    except ValueError as exc:
        raise v.ValidationFailed({"role": f"'{role}' is not a role."}) from exc
    if role in PARTNER_ROLES and partner_id is None:
        raise v.ValidationFailed({"role": "A partner role needs a partner."})
    if role in VENDOR_ROLES and partner_id is not None:
        raise v.ValidationFailed({"role": "A vendor role cannot belong to a partner."})
    return role


def set_password(user: User, password: str) -> None:
    problem = security.password_problem(password, user.email)
    if problem:
        raise v.ValidationFailed({"password": problem})
    user.password_hash = security.hash_password(password)
    user.session_nonce = secrets.token_hex(8)  # signs out other sessions, voids reset links


def create_user(
    email: str, password: str, role: str, *, name: str = "", partner_id=None, actor=None
) -> User:
    address = v.collect({"email": lambda x: v.email(x, required=True)}, {"email": email})["email"]
    if find_user(address):
        raise v.ValidationFailed({"email": f"{address} already has an account."})
    role = _check_role(role, partner_id)
    user = User(
        email=address, name=v.text(name, max_length=120), role=role.value, partner_id=partner_id
    )
    set_password(user, password)
    session.add(user)
    session.flush()
    audit.record(
        actor or "system",
        "user.create",
        user,
        partner_id=partner_id,
        changes={"email": [None, address], "role": [None, role.value]},
    )
    return user


INVITE_CLEANERS = {
    "email": lambda x: v.email(x, required=True),
    "name": lambda x: v.text(x, max_length=120, label="The name"),
}


def invite(
    email: str, role: str, inviter, *, partner_id=None, name: str = ""
) -> tuple[Invitation, str]:
    """Create an invitation and queue its email; returns it with the one-time token."""
    errors = {}
    try:
        clean = v.collect(INVITE_CLEANERS, {"email": email, "name": name})
    except v.ValidationFailed as exc:
        errors, clean = exc.errors, {}
    try:
        role = _check_role(role, partner_id)
    except v.ValidationFailed as exc:
        errors.update(exc.errors)
    address = clean.get("email")
    if address and find_user(address):
        errors["email"] = f"{address} already has an account."
    if errors:
        raise v.ValidationFailed(errors)
    token = security.new_token()
    invitation = Invitation(
        email=address,
        name=clean["name"],
        role=role.value,
        partner_id=partner_id,
        token_hash=security.token_digest(token),
        invited_by_id=getattr(inviter, "id", None),
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.flush()
    link = runtime.settings().base_url + url_for("account.accept_invitation", token=token)
    context = {"invitation": invitation, "link": link, "inviter": inviter, "days": INVITATION_DAYS}
    mail.queue_mail(
        address,
        "You are invited to the partner program",
        render_template("mail/invitation.txt", **context),
        render_template("mail/invitation.html", **context),
    )
    audit.record(
        inviter,
        "invitation.create",
        invitation,
        partner_id=partner_id,
        changes={"email": [None, address], "role": [None, role.value]},
    )
    return invitation, token


def team(partner_id: int) -> tuple[list[User], list[Invitation]]:
    """A partner's users by email, and its invitations, newest first."""
    users = session.execute(
        select(User).where(User.partner_id == partner_id).order_by(User.email)
    ).scalars()
    invitations = session.execute(
        select(Invitation).where(Invitation.partner_id == partner_id).order_by(Invitation.id.desc())
    ).scalars()
    return list(users), list(invitations)


def pending_invitation(token: str) -> Invitation | None:
    with unscoped(session):
        invitation = session.execute(
            select(Invitation).where(Invitation.token_hash == security.token_digest(token))
        ).scalar_one_or_none()
    if invitation is None or invitation.state != "pending":
        return None
    return invitation


def accept_invitation(token: str, name: str, password: str) -> User:
    invitation = pending_invitation(token)
    if invitation is None:
        raise v.ValidationFailed({"token": "This invitation is no longer valid."})
    user = create_user(
        invitation.email,
        password,
        invitation.role,
        name=name or invitation.name,
        partner_id=invitation.partner_id,
        actor=invitation.email,
    )
    invitation.accepted_at = utcnow()
    return user


def revoke_invitation(invitation: Invitation, actor) -> None:
    invitation.revoked_at = utcnow()
    audit.record(actor, "invitation.revoke", invitation, partner_id=invitation.partner_id)


def request_password_reset(email: str) -> None:
    """Queue a reset link if the account exists; the caller says the same either way."""
    user = find_user(email or "")
    if user is None or not user.active:
        return
    token = security.sign(runtime.settings().secret_key, RESET_SALT, [user.id, user.session_nonce])
    link = runtime.settings().base_url + url_for("account.reset_password", token=token)
    context = {"user": user, "link": link, "minutes": RESET_MAX_AGE // 60}
    mail.queue_mail(
        user.email,
        "Reset your password",
        render_template("mail/reset.txt", **context),
        render_template("mail/reset.html", **context),
    )


def user_from_reset_token(token: str) -> User | None:
    payload = security.unsign(runtime.settings().secret_key, RESET_SALT, token, RESET_MAX_AGE)
    if not isinstance(payload, list) or len(payload) != 2:
        return None
    with unscoped(session):
        user = session.get(User, payload[0])
    # the nonce changes with the password, so a link works once
    if user is None or not user.active or user.session_nonce != payload[1]:
        return None
    return user


def reset_password(token: str, password: str) -> User:
    user = user_from_reset_token(token)
    if user is None:
        raise v.ValidationFailed({"token": "This reset link has expired or was already used."})
    set_password(user, password)
    audit.record(user, "user.password_reset", user, partner_id=user.partner_id)
    return user


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    label = v.collect(
        {"name": lambda x: v.text(x, max_length=100, required=True, label="The name")},
        {"name": name},
    )["name"]
    token = security.new_token("tdm_")
    row = ApiToken(
        user_id=user.id,
        partner_id=user.partner_id,
        name=label,
        prefix=token[:8],
        token_hash=security.token_digest(token),
    )
    session.add(row)
    session.flush()
    audit.record(user, "api_token.create", row, partner_id=user.partner_id)
    return row, token


def revoke_api_token(token: ApiToken, actor) -> None:
    token.revoked_at = utcnow()
    audit.record(actor, "api_token.revoke", token, partner_id=token.partner_id)


def set_active(user: User, active: bool, actor) -> None:
    if user.id == getattr(actor, "id", None) and not active:
        raise v.ValidationFailed({"active": "You cannot deactivate your own account."})
    user.active = active
    if not active:
        user.session_nonce = secrets.token_hex(8)
    audit.record(
        actor, "user.activate" if active else "user.deactivate", user, partner_id=user.partner_id
    )
