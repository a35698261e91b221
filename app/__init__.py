"""Tandem: the application factory."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from app.config import Settings, load_settings


class BoundedInt(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        # imported here: the `tandem` CLI imports this package, and its --help needs no app
        from app.validation import MAX_ID

        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    from app import runtime, web
    from app.cli import register_commands

    settings = runtime.init_runtime(settings or load_settings())
    app = Flask(
        __name__,
        instance_path=str(settings.instance_dir),
        template_folder="web/templates",
        static_folder="web/static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        REMEMBER_COOKIE_SECURE=settings.base_url.startswith("https://"),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        TANDEM=settings,
    )
    app.config.update(overrides)

    # ids are 32-bit on PostgreSQL: a larger number in a URL is simply not found (404), not a 500
    app.url_map.converters["int"] = BoundedInt
    web.init_app(app)
    register_commands(app)
    return app
