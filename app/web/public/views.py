"""Public pages: the landing page, one-click unsubscribe, health, the favicon, the program logo,
and the images of emails partners downloaded."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text

from app import mail
from app.db import session
from app.storage import StorageError, get_storage
from app.web.access import public
from app.web.common import image_response
from app.web.theme import theme_context
from campaigns import email_images

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


@bp.get("/favicon.ico")
@public
def favicon():
    """The icon browsers ask for by this name (pages link the SVG one too)."""
    response = send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon"
    )
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


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
    return image_response(data, program.logo_key)


@bp.get("/m/<token>.<ext>")
@public
def email_image(token: str, ext: str):
    """An image of an email a partner downloaded, for any mail client: no session, the same
    bytes for good (the token is made from them), only what an email render published."""
    found = email_images.published(token, ext)
    if found is None:
        abort(404)
    data, mime = found
    response = Response(data, mimetype=mime)
    response.headers["Cache-Control"] = email_images.CACHE_CONTROL
    response.headers["X-Content-Type-Options"] = "nosniff"
    if mime == "image/svg+xml":  # opened on its own, an SVG may not run anything
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        )
    response.set_etag(token)
    return response.make_conditional(request)


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
    return render_template(
        "public/unsubscribe.html", address=address, done=mail.is_suppressed(address)
    )
