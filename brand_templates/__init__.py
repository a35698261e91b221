"""The brand-template format: manifest, editable fields, validation, rendering, versions, starters.

A brand template is a folder (or a zip of one) holding ``template.toml``, its source and
its assets; see ``brand_templates/README.md`` for the format. Models and the import of
versions live in ``brand_templates.models`` and ``brand_templates.versions``.

``validate``, ``render``, ``render_key``, ``preview`` and ``RenderedAsset`` load the
renderers (WeasyPrint, pdfium, MJML) on first use, so importing the models stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .bundle import TemplateBundle, load_bundle
from .errors import FieldValueError, LockedFieldError, TemplateInvalid, ValidationError
from .fields import resolve_values
from .library import list_starters, load_starter, starter_slugs
from .manifest import FieldSpec, Manifest, ZoneSpec, parse_manifest
from .sanitize import sanitize_html

if TYPE_CHECKING:
    from .rendering import RenderedAsset, preview, render, render_key
    from .validation import validate

__all__ = [
    "FieldSpec",
    "FieldValueError",
    "LockedFieldError",
    "Manifest",
    "RenderedAsset",
    "TemplateBundle",
    "TemplateInvalid",
    "ValidationError",
    "ZoneSpec",
    "list_starters",
    "load_bundle",
    "load_starter",
    "parse_manifest",
    "preview",
    "render",
    "render_key",
    "resolve_values",
    "sanitize_html",
    "starter_slugs",
    "validate",
]

_LAZY = {
    "RenderedAsset": "rendering",
    "preview": "rendering",
    "render": "rendering",
    "render_key": "rendering",
    "validate": "validation",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)
