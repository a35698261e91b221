"""Pure rendering: templates, a context and an asset resolver in, bytes out.

Renderers know nothing of partners, databases, Flask or the network. Every template
runs in the Jinja sandbox, every asset goes through ``AssetResolver`` and every render
has ``Limits``.

``RENDERER_VERSION`` is part of what identifies a stored render: bump it whenever the
bytes a renderer produces for the same inputs can change (a new version of WeasyPrint,
Pillow, pypdf or MRML with different output, a layout or encoding change, other fonts),
so that cached renders are made again. Changes that only add features, validation or
error messages do not need a bump.

The names below are imported on first use, so that ``renderers.errors`` or
``renderers.sandbox`` can be used without loading WeasyPrint, pdfium and the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

RENDERER_VERSION = "1"

_EXPORTS = {
    "AssetResolver": "assets",
    "CompiledEmail": "email",
    "RenderedEmail": "email",
    "compile_mjml": "email",
    "render_email": "email",
    "AssetNotFound": "errors",
    "AssetRefused": "errors",
    "ImageRejected": "errors",
    "ImageUnreadable": "errors",
    "RenderError": "errors",
    "RenderLimitExceeded": "errors",
    "TemplateSourceError": "errors",
    "render_image": "image",
    "Limits": "limits",
    "run_limited": "limits",
    "render_html_pdf": "pdf",
    "email_preview_html": "preview",
    "email_thumbnail": "preview",
    "image_thumbnail": "preview",
    "pdf_thumbnail": "preview",
    "make_environment": "sandbox",
    "render_string": "sandbox",
    "render_text": "sandbox",
    "Zone": "stamp",
    "stamp_pdf": "stamp",
}

__all__ = [
    "RENDERER_VERSION",
    "AssetNotFound",
    "AssetRefused",
    "AssetResolver",
    "CompiledEmail",
    "ImageRejected",
    "ImageUnreadable",
    "Limits",
    "RenderError",
    "RenderLimitExceeded",
    "RenderedEmail",
    "TemplateSourceError",
    "Zone",
    "compile_mjml",
    "email_preview_html",
    "email_thumbnail",
    "image_thumbnail",
    "make_environment",
    "pdf_thumbnail",
    "render_email",
    "render_html_pdf",
    "render_image",
    "render_string",
    "render_text",
    "run_limited",
    "stamp_pdf",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:
    from .assets import AssetResolver
    from .email import CompiledEmail, RenderedEmail, compile_mjml, render_email
    from .errors import (
        AssetNotFound,
        AssetRefused,
        ImageRejected,
        ImageUnreadable,
        RenderError,
        RenderLimitExceeded,
        TemplateSourceError,
    )
    from .image import render_image
    from .limits import Limits, run_limited
    from .pdf import render_html_pdf
    from .preview import email_preview_html, email_thumbnail, image_thumbnail, pdf_thumbnail
    from .sandbox import make_environment, render_string, render_text
    from .stamp import Zone, stamp_pdf
