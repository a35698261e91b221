"""Tandem: the application factory."""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from app.config import Settings, load_settings

csrf = CSRFProtect()
MAX_ID = 2**31 - 1


class BoundedInt(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    from app import access, runtime
    from app.db import session

    settings = runtime.init_runtime(settings or load_settings())
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        REMEMBER_COOKIE_SECURE=settings.base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
        TANDEM=settings,
    )
    app.config.update(overrides)

    # ids are 32-bit on PostgreSQL: a larger number in a URL is simply not found (404), not a 500
    app.url_map.converters["int"] = BoundedInt
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
        return _error_page(400, "The form expired or was sent from elsewhere. Reload and try again.")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return _error_page(exc.code or 500, exc.description)

    from app.theme import theme_context

    app.context_processor(theme_context)
    from app.cli import register_commands

    register_commands(app)
    return app


def _error_page(code: int, message: str):
    # by path: a URL that matched no route has no blueprint
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error={"code": code, "message": message}), code
    return render_template("error.html", code=code, message=message), code


def _register_blueprints(app: Flask) -> None:
    # these modules add their views to the admin and portal blueprints
    from app import admin_campaigns, admin_templates, api_campaigns, portal_campaigns  # noqa: F401
    from app.account import bp as account_bp
    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.api import docs as api_docs_bp
    from app.portal import bp as portal_bp
    from app.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(portal_bp, url_prefix="/portal")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(api_docs_bp, url_prefix="/api")
    csrf.exempt(api_bp)
    # RFC 8058 one-click unsubscribe is POSTed by mail clients; the signed token authorizes it
    from app.public import unsubscribe

    csrf.exempt(unsubscribe)


def _check_every_view_declares_roles(app: Flask) -> None:
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "allowed_roles")
    ]
    if missing:
        raise RuntimeError(f"views without a role declaration: {', '.join(sorted(missing))}")
