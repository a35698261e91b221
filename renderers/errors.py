"""Errors raised by the renderers.

Every error is picklable with its attributes, because renders run in a forked child
process (see ``renderers.limits``) and their exceptions are re-raised in the parent.
"""

from __future__ import annotations


class ImageRejected(ValueError):
    """An uploaded image (a logo, a picture) is refused; the message is meant for the uploader
    as it is: clear and specific."""


class RenderError(Exception):
    """A render could not be produced; the message is meant for the template's author."""


class AssetRefused(RenderError):
    """A template or value asked for an asset that renderers may not fetch."""

    def __init__(self, url: str, reason: str = "not an allowed asset URL"):
        self.url = url
        self.reason = reason
        shown = url if len(url) <= 120 else url[:100] + "…"
        super().__init__(f"asset refused: {shown!r}: {reason}")

    def __reduce__(self):
        return (type(self), (self.url, self.reason))


class AssetNotFound(AssetRefused):
    """An allowed asset URL names a file that does not exist."""

    def __init__(self, url: str, reason: str = "no such file"):
        super().__init__(url, reason)


class ImageUnreadable(RenderError):
    """A renderer fetched an image but could not read it (corrupt, truncated, not an image)."""

    def __init__(self, url: str, reason: str = "not a readable image"):
        self.url = url
        self.reason = reason
        shown = url if len(url) <= 120 else url[:100] + "…"
        super().__init__(f"image {shown!r} cannot be read: {reason}")

    def __reduce__(self):
        return (type(self), (self.url, self.reason))


class RenderLimitExceeded(RenderError):
    """A render went over one of its ``Limits`` (time, pages, pixels, bytes)."""


class TemplateSourceError(RenderError):
    """The template source is wrong (syntax, undefined name, forbidden access).

    ``str(error)`` reads like ``flyer.html line 12: unexpected '}'``.
    """

    def __init__(self, detail: str, filename: str | None = None, lineno: int | None = None):
        self.detail = detail
        self.filename = filename
        self.lineno = lineno
        where = filename or "<template>"
        if lineno is not None:
            where = f"{where} line {lineno}"
        super().__init__(f"{where}: {detail}")

    def __reduce__(self):
        return (type(self), (self.detail, self.filename, self.lineno))
