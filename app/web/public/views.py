"""Public pages: the landing page, the application form, one-click unsubscribe, health, the
favicon, the program logo, and the images of emails partners downloaded."""

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
from app import validation as v
from app.db import session
from app.storage import StorageError, get_storage
from app.web import pickers, throttle
from app.web.access import public
from app.web.common import form_data, image_response
from app.web.theme import theme_context
from campaigns import email_images
from campaigns.journeys import applications
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


# a field people never see (off-screen, skipped by the keyboard); a bot that fills it is
# thanked and nothing is kept
HONEYPOT = "fax_number"


@bp.errorhandler(throttle.RateLimitExceeded)
def throttled(exc: throttle.RateLimitExceeded):
    minutes = throttle.retry_minutes()
    plural = "s" if minutes != 1 else ""
    message = f"{exc.description} Please try again in about {minutes} minute{plural}."
    return render_template("error.html", code=429, message=message), 429


@bp.route("/become-a-partner", methods=["GET", "POST"])
@public
@throttle.public_forms
def become_a_partner():
    """The application form: saved with its confirmation email in one transaction, or shown
    again with what was typed and a message at each field (400)."""
    data: dict = {}
    errors: dict = {}
    if request.method == "POST":
        if request.form.get(HONEYPOT, "").strip():
            return redirect(url_for("public.application_thanks"))
        data = {k: request.form.get(k, "") for k in (*applications.FIELDS, "consent")}
        try:
            data = pickers.form_with_lists(form_data(), request.form, "specialties")
            applications.submit(data)
            session.commit()
            return redirect(url_for("public.application_thanks"))
        except v.ValidationFailed as exc:
            session.rollback()
            errors = exc.errors
    program = theme_context()["program"]
    return render_template(
        "public/apply.html",
        data=data,
        errors=errors,
        consent_text=applications.consent_wording(program),
        partner_types=applications.partner_type_options(),
        honeypot=HONEYPOT,
    ), (400 if errors else 200)


@bp.get("/become-a-partner/thank-you")
@public
def application_thanks():
    return render_template("public/apply_thanks.html")
