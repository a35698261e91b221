"""The instance settings the brand-template format reads."""

from __future__ import annotations

import sys

from app import config


def max_pages_ceiling() -> int:
    """The largest ``max_pages`` a template may declare (setting TEMPLATE_MAX_PAGES_CEILING)."""
    # the settings of the running app, if there is one; else the environment (the CLI's
    # `validate` runs without one, and importing app.runtime would load the database layer)
    runtime = sys.modules.get("app.runtime")
    settings = runtime.configured_settings() if runtime is not None else None
    if settings is not None:
        return settings.template_max_pages_ceiling
    return config.template_max_pages_ceiling()
