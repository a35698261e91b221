"""Wires the plumbing (database, storage, mail, task queue) from Settings; shared by the web
and the worker."""

from __future__ import annotations

from app import db, jobs, storage
from app.config import Settings, load_settings

_settings: Settings | None = None


def init_runtime(settings: Settings | None = None) -> Settings:
    global _settings
    settings = settings or load_settings()
    from app.model_registry import import_all_models

    import_all_models()
    db.init_engine(settings.database_url)
    storage.configure(settings.storage_url)
    jobs.configure(settings)
    _settings = settings
    return settings


def configured_settings() -> Settings | None:
    """The settings the runtime was initialized with, or None (without initializing it)."""
    return _settings


def settings() -> Settings:
    if _settings is None:
        return init_runtime()
    return _settings
