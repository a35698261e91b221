"""The web faces, one package and blueprint each, and what they share: access control per
request, security headers, error pages, the program's theme."""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from app import validation as v
from app.db import session
from app.web import access, common, history, pickers, throttle, words
from app.web.theme import theme_context

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    # before the first template is compiled: finalize is part of the compiled code
    app.jinja_options = {**app.jinja_options, "finalize": _displayable}
    csrf.init_app(app)
    # first: a throttled client is refused before its token is even looked up
    throttle.init_app(app)
    access.login_manager.init_app(app)
    _register_blueprints(app)
    _check_every_view_declares_roles(app)

    @app.before_request
    def _scope_request():
        g.api_user = None
        if request.blueprint == "api":
            g.api_user = access.user_from_api_token(request.headers.get("Authorization"))
        access.apply_partner_scope(access.acting_user())

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not g.get("embeddable"):  # the locator's widget page sits in other sites' frames
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'self'; form-action 'self'",
        )
        # what a signed-in person sees stays out of every cache (a shared computer's back
        # button, a proxy); files and images keep the caching they set, static files theirs
        if "Cache-Control" not in response.headers and request.endpoint != "static":
            user = access.acting_user()
            if user is not None and user.is_authenticated:
                response.headers["Cache-Control"] = "no-store"
        return response

    @app.teardown_appcontext
    def _end_session(_exc):
        session.remove()

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        return _error_page(
            400, "The form expired or was sent from elsewhere. Reload and try again."
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return _error_page(exc.code or 500, exc.description)

    @app.errorhandler(throttle.RateLimitExceeded)
    def _throttled(exc: throttle.RateLimitExceeded):
        # Flask-Limiter adds Retry-After to the answer
        minutes = throttle.retry_minutes()
        wait = f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        return _error_page(429, f"{exc.description} {wait}")

    @app.errorhandler(v.ValidationFailed)
    def _validation_failed(exc: v.ValidationFailed):
        # input refused before a view could show it beside its field (see form_data)
        session.rollback()
        return _error_page(400, " ".join(exc.errors.values()))

    app.context_processor(theme_context)
    pickers.init_app(app)
    app.jinja_env.globals.update(typed=common.typed, typed_list=common.typed_list)
    words.init_app(app)
    history.init_app(app)


def _displayable(value):
    """Every value a page shows: text stored before it was refused (a lone surrogate cannot
    even be encoded) is shown with U+FFFD in its place instead of failing the page."""
    if isinstance(value, str) and v.NOT_TEXT_RE.search(value):
        cleaned = v.displayable(value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


def _error_page(code: int, message: str):
    # by path: a URL that matched no route has no blueprint
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error={"code": code, "message": message}), code
    return render_template("error.html", code=code, message=message), code


def _register_blueprints(app: Flask) -> None:
    from app.web import account, admin, api, portal, public

    app.register_blueprint(public.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(portal.bp, url_prefix="/portal")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(api.docs, url_prefix="/api")
    app.register_blueprint(api.public_bp, url_prefix="/api/public/v1")
    csrf.exempt(api.bp)
    # RFC 8058 one-click unsubscribe is POSTed by mail clients; the signed token authorizes it
    csrf.exempt(public.unsubscribe)


def _check_every_view_declares_roles(app: Flask) -> None:
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "allowed_roles")
    ]
    if missing:
        raise RuntimeError(f"views without a role declaration: {', '.join(sorted(missing))}")
