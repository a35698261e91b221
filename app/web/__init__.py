"""The web faces, one package and blueprint each, and what they share: access control per
request, security headers, error pages, the program's theme."""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from app.db import session
from app.web import access, pickers
from app.web.theme import theme_context

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    csrf.init_app(app)
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
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'self'; form-action 'self'",
        )
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

    app.context_processor(theme_context)
    pickers.init_app(app)


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
