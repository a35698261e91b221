"""Public pages: the landing page, one-click unsubscribe, health, the program logo."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from app import mail
from app.access import public
from app.db import session
from app.storage import StorageError, get_storage
from app.theme import theme_context

bp = Blueprint("public", __name__)


@bp.get("/")
@public
def home():
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard" if current_user.is_vendor else "portal.home"))
    return render_template("public/home.html")


@bp.get("/healthz")
@public
def health():
    session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.get("/theme/logo")
@public
def program_logo():
    program = theme_context()["program"]
    if not program.logo_key:
        abort(404)
    try:
        data = get_storage().get(program.logo_key)
    except StorageError:
        abort(404)
    return _image_response(data, program.logo_key)


def _image_response(data: bytes, key: str) -> Response:
    mime = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
            "svg": "image/svg+xml"}.get(key.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    response = Response(data, mimetype=mime)
    # keys are content-addressed, so the bytes behind a key never change
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    if mime == "image/svg+xml":
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str):
    address = mail.address_from_unsubscribe_token(token)
    if address is None:
        abort(404, "This unsubscribe link is not valid.")
    if request.method == "POST":
        mail.suppress(address)
        session.commit()
        if request.form.get("List-Unsubscribe") == "One-Click":
            return "", 204
        flash(f"{address} will receive no more marketing email from us.", "success")
        return redirect(url_for("public.unsubscribe", token=token))
    return render_template("public/unsubscribe.html", address=address,
                           done=mail.is_suppressed(address))
