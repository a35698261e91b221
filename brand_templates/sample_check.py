"""Validation by rendering: the template rendered for the sample partner, and whatever that
runs into (the page limit, template code that fails at render time, an image the renderer
cannot read) reported like any other problem, at the file and line of the template.

``render_problems`` turns the error of any render (a sample one, or one for a real partner
on the command line) into those ``ValidationError`` lines.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from app.storage import StorageError
from renderers.errors import (
    AssetRefused,
    ImageUnreadable,
    RenderError,
    RenderLimitExceeded,
    TemplateSourceError,
)
from renderers.limits import Limits

from .bundle import TemplateBundle
from .errors import FieldValueError, TemplateInvalid, ValidationError
from .manifest import MANIFEST_FILE, KeyLines, Manifest
from .rendering import render
from .sample import sample_context, sample_storage_get
from .settings import max_pages_ceiling

log = logging.getLogger(__name__)

# bundles (by content hash) whose sample render worked: renders are deterministic, so a
# bundle imported again (the starters, in every test and demo) is not rendered again.
# Failures are not kept: a render that ran out of time may work the next time.
_RENDERED_CACHE_SIZE = 256
_rendered: OrderedDict[str, None] = OrderedDict()
_rendered_lock = threading.Lock()


def sample_render_errors(bundle: TemplateBundle) -> list[ValidationError]:
    """The problems of rendering BUNDLE (valid as files) for the sample partner; [] if none."""
    with _rendered_lock:
        if bundle.sha256 in _rendered:
            _rendered.move_to_end(bundle.sha256)
            return []
    try:
        render(bundle, sample_context(), sample_storage_get)
    except Exception as exc:  # every failure is the template's to hear about
        return render_problems(bundle, exc)
    with _rendered_lock:
        _rendered[bundle.sha256] = None
        while len(_rendered) > _RENDERED_CACHE_SIZE:
            _rendered.popitem(last=False)
    return []


def render_problems(bundle: TemplateBundle, exc: BaseException) -> list[ValidationError]:
    """EXC, raised by rendering BUNDLE, as problems that name the template's file and line."""
    if isinstance(exc, TemplateInvalid | FieldValueError):
        return list(exc.errors)
    manifest = bundle.manifest
    main = manifest.main_file
    if isinstance(exc, TemplateSourceError):
        return [_source_problem(bundle, manifest, exc)]
    if isinstance(exc, RenderLimitExceeded) and "pages" in str(exc):
        return [ValidationError(main, None, None, _page_limit_message(manifest, exc))]
    if isinstance(exc, ImageUnreadable | AssetRefused) and exc.url in bundle.files:
        return [ValidationError(exc.url, None, None, str(exc))]
    if isinstance(exc, RenderError | StorageError):
        return [ValidationError(main, None, None, str(exc))]
    log.warning("sample render of %s failed", bundle.origin, exc_info=exc)
    return [ValidationError(main, None, None, f"the render failed: {type(exc).__name__}: {exc}")]


def _source_problem(
    bundle: TemplateBundle, manifest: Manifest, exc: TemplateSourceError
) -> ValidationError:
    # an email's subject and preheader are Jinja strings of template.toml
    if exc.filename in ("subject", "preheader"):
        lines = KeyLines(bundle.files[MANIFEST_FILE].decode("utf-8"))
        start = lines.line(exc.filename)
        line = start + exc.lineno - 1 if start and exc.lineno else start
        return ValidationError(MANIFEST_FILE, line, exc.filename, exc.detail)
    filename = exc.filename if exc.filename in bundle.files else manifest.main_file
    return ValidationError(filename, exc.lineno, None, exc.detail)


def _page_limit_message(manifest: Manifest, exc: RenderLimitExceeded) -> str:
    limit = manifest.max_pages or Limits.max_pages
    ceiling = max_pages_ceiling()
    if manifest.max_pages is None and limit < ceiling:
        hint = f"to allow more, declare max_pages in template.toml (up to {ceiling})"
    elif limit < ceiling:
        hint = f"max_pages in template.toml allows {limit} (this instance allows up to {ceiling})"
    else:
        hint = f"this instance allows no more (TEMPLATE_MAX_PAGES_CEILING is {ceiling})"
    return f"the sample render has more than {limit} pages; {hint}"
