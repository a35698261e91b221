"""Public pages: the landing page, one-click unsubscribe, health, the program logo, and the
images of emails partners downloaded."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
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
from campaigns.journeys import tracking as journey_tracking

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
        journey_tracking.record_unsubscribe(address)
        session.commit()
        if request.form.get("List-Unsubscribe") == "One-Click":
            return "", 204
        flash(f"{address} will receive no more marketing email from us.", "success")
        return redirect(url_for("public.unsubscribe", token=token))
    return render_template(
        "public/unsubscribe.html", address=address, done=mail.is_suppressed(address)
    )


@bp.get("/t/o/<token>.gif")
@public
def journey_open(token: str):
    """The open pixel of a journey email: a transparent GIF whatever the token."""
    journey_tracking.record_open(token, request.headers.get("User-Agent", ""))
    response = Response(journey_tracking.PIXEL, mimetype="image/gif")
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.get("/t/c/<token>")
@public
def journey_click(token: str):
    """A link of a journey email: counted, then on to where the email pointed."""
    target = journey_tracking.record_click(token)
    if target is None:
        abort(404, "This link is not valid.")
    return redirect(target, code=302)
