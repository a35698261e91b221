"""Sign-in, sign-out, password reset, invitations and the user's own settings and API tokens."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from app import audit, security
from app import validation as v
from app.db import session
from app.models import ApiToken
from app.web import throttle
from app.web.access import ALL_ROLES, public, roles
from app.web.common import form_data, get_or_404
from directory import people

bp = Blueprint("account", __name__)


def _safe_next(target: str | None) -> str | None:
    # a header cannot hold a line break, and no path of Tandem has one or a control character
    if not target or v.text_problem(target) or any(ch in target for ch in "\t\r\n"):
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _home_for(user) -> str:
    return url_for("admin.dashboard" if user.is_vendor else "portal.home")


@bp.errorhandler(throttle.RateLimitExceeded)
def throttled(exc: throttle.RateLimitExceeded):
    """Too many failures: the sign-in page says so (and Flask-Limiter adds Retry-After)."""
    minutes = throttle.retry_minutes()
    message = (
        f"{exc.description} For your safety, please wait {minutes} minute"
        f"{'s' if minutes != 1 else ''} before you try again."
    )
    if request.endpoint != "account.login":
        return render_template("error.html", code=429, message=message), 429
    email = (request.form.get("email") or "").strip()[:254]
    return render_template("account/login.html", error=message, email=email), 429


@bp.route("/login", methods=["GET", "POST"])
@public
@throttle.sign_in
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    error = None
    email = ""
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()[:254]
        password = request.form.get("password") or ""
        user = people.authenticate(email, password)
        if user is not None:
            login_user(user, remember=request.form.get("remember") == "yes")
            people.signed_in(user)
            session.commit()
            return redirect(_safe_next(request.args.get("next")) or _home_for(user))
        error = "The email address or password is not right."
    return render_template("account/login.html", error=error, email=email), (401 if error else 200)


@bp.post("/logout")
@public
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("account.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@throttle.reset_requests
def forgot_password():
    if request.method == "POST":
        people.request_password_reset((request.form.get("email") or "")[:254])
        session.commit()
        flash("If that address has an account, a reset link is on its way.", "info")
        return redirect(url_for("account.login"))
    return render_template("account/forgot.html")


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
@throttle.secret_links
def reset_password(token: str):
    user = people.user_from_reset_token(token)
    if user is None:
        abort(404, "This reset link has expired or was already used.")
    errors = {}
    if request.method == "POST":
        if request.form.get("password") != request.form.get("confirm"):
            errors["confirm"] = "The two passwords differ."
        else:
            try:
                people.reset_password(token, request.form.get("password") or "")
                session.commit()
                flash("Your password is changed. Please sign in.", "success")
                return redirect(url_for("account.login"))
            except v.ValidationFailed as exc:
                session.rollback()
                errors = exc.errors
    return render_template("account/reset.html", user=user, errors=errors), (400 if errors else 200)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
@throttle.secret_links
def accept_invitation(token: str):
    invitation = people.pending_invitation(token)
    if invitation is None:
        abort(404, "This invitation has expired, was revoked or was already used.")
    errors: dict = {}
    name = invitation.name
    if request.method == "POST":
        name = request.form.get("name") or ""
        if request.form.get("password") != request.form.get("confirm"):
            errors["confirm"] = "The two passwords differ."
        else:
            try:
                user = people.accept_invitation(token, name, request.form.get("password") or "")
                session.commit()
                logout_user()
                login_user(user)
                flash("Welcome! Your account is ready.", "success")
                return redirect(_home_for(user))
            except v.ValidationFailed as exc:
                session.rollback()
                errors = exc.errors
    return render_template(
        "account/accept.html", invitation=invitation, errors=errors, name=name
    ), (400 if errors else 200)


@bp.route("/account", methods=["GET", "POST"])
@roles(ALL_ROLES)
def settings():
    errors: dict = {}
    new_token = None
    if request.method == "POST":
        action = request.form.get("action")
        data = form_data()
        try:
            if action == "password":
                if not security.verify_password(
                    current_user.password_hash, data.get("current", "")
                ):
                    raise v.ValidationFailed({"current": "The current password is not right."})
                if data.get("password") != data.get("confirm"):
                    raise v.ValidationFailed({"confirm": "The two passwords differ."})
                people.set_password(current_user, data.get("password", ""))
                audit.record(
                    current_user,
                    "user.password_change",
                    current_user,
                    partner_id=current_user.partner_id,
                )
                session.commit()
                # the session nonce changed; keep this session (the user, not the proxy: a
                # proxy kept as the request's user would resolve to itself)
                login_user(current_user._get_current_object())
                flash("Your password is changed; other sessions are signed out.", "success")
                return redirect(url_for("account.settings"))
            if action == "profile":
                current_user.name = v.collect(
                    {"name": lambda x: v.text(x, max_length=120, label="The name")}, data
                ).get("name", current_user.name)
                session.commit()
                flash("Saved.", "success")
                return redirect(url_for("account.settings"))
            if action == "token":
                _row, new_token = people.create_api_token(current_user, data.get("name", ""))
                session.commit()
                flash("Copy the token now: it is shown only once.", "info")
            else:
                abort(400, "Unknown action.")
        except v.ValidationFailed as exc:
            session.rollback()
            errors = exc.errors
    tokens = (
        session.execute(
            select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "account/settings.html", errors=errors, tokens=tokens, new_token=new_token
    ), (400 if errors else 200)


@bp.post("/account/tokens/<int:token_id>/revoke")
@roles(ALL_ROLES)
def revoke_token(token_id: int):
    token = get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    people.revoke_api_token(token, current_user)
    session.commit()
    flash(f"Token '{token.name}' revoked.", "success")
    return redirect(url_for("account.settings"))
