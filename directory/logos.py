"""Partner image uploads: logos (checked by content, SVG sanitized, trimmed PNGs and
colours derived) and pictures for image fields (checked and re-encoded without metadata).

This module holds the rules: the limits, which formats go where and what the brand kit
keeps. The image work itself is pure and lives in ``renderers.uploads``. `process_logo`
either returns a `ProcessedLogo` or raises `LogoRejected` with a message meant to be shown
to the uploader as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from renderers.errors import ImageRejected
from renderers.rasters import png_bytes
from renderers.uploads.colors import dominant_colors
from renderers.uploads.derive import encode_picture, fit, trim
from renderers.uploads.rasters import decode_raster
from renderers.uploads.sizes import size_against_limit
from renderers.uploads.sniff import EXTENSIONS, MIME_TYPES, sniff_image
from renderers.uploads.svg_render import render_svg, svg_intrinsic_size
from renderers.uploads.svg_sanitize import sanitize_svg

_P = ParamSpec("_P")
_R = TypeVar("_R")

__all__ = ["LogoRejected", "ProcessedLogo", "ProcessedPicture", "process_logo", "process_picture"]

TRIMMED_MAX_SIDE = 1200
THUMBNAIL_MAX_SIDE = 160
MAX_COLORS = 5
SVG_RENDER_SIDE = 2 * TRIMMED_MAX_SIDE  # room to trim the viewport and still keep 1200 px


class LogoRejected(ImageRejected):
    """An image upload (a logo or a picture) refused; the message is shown to the user as-is:
    clear and specific"""


def _refusals_as_logo_rejected(process: Callable[_P, _R]) -> Callable[_P, _R]:
    """Raise the image work's refusals (ImageRejected) as LogoRejected, same message."""

    @functools.wraps(process)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return process(*args, **kwargs)
        except LogoRejected:
            raise
        except ImageRejected as error:
            raise LogoRejected(*error.args) from error

    return wrapper


@dataclass(frozen=True)
class ProcessedLogo:
    original: bytes
    mime: str
    extension: str
    width: int
    height: int
    trimmed_png: bytes
    thumbnail_png: bytes
    colors: list[str]


@_refusals_as_logo_rejected
def process_logo(
    data: bytes, *, max_bytes: int = 5 * 1024 * 1024, max_pixels: int = 25_000_000
) -> ProcessedLogo:
    """Check an uploaded logo by its content and derive what the brand kit needs."""
    _check_bytes(data, max_bytes, "logo")
    kind = sniff_image(data)
    if kind == "svg":
        original = sanitize_svg(data, max_pixels=max_pixels)
        width, height = svg_intrinsic_size(original)
        image = render_svg(original, width, height, SVG_RENDER_SIDE)
    else:
        original = data
        image = decode_raster(data, kind, max_pixels)
        width, height = image.size

    trimmed, background = trim(image)
    trimmed = fit(trimmed, TRIMMED_MAX_SIDE)
    thumbnail = fit(trimmed, THUMBNAIL_MAX_SIDE)
    return ProcessedLogo(
        original=original,
        mime=MIME_TYPES[kind],
        extension=EXTENSIONS[kind],
        width=width,
        height=height,
        trimmed_png=png_bytes(trimmed),
        thumbnail_png=png_bytes(thumbnail),
        colors=dominant_colors(trimmed, background=background, limit=MAX_COLORS),
    )


@dataclass(frozen=True)
class ProcessedPicture:
    data: bytes
    mime: str
    extension: str
    width: int
    height: int


PICTURE_MAX_SIDE = 2400  # 8 inches at 300 dpi: enough for any field of a flyer
PICTURE_JPEG_QUALITY = 88


@_refusals_as_logo_rejected
def process_picture(
    data: bytes, *, max_bytes: int = 10 * 1024 * 1024, max_pixels: int = 40_000_000
) -> ProcessedPicture:
    """Check an uploaded picture (a product photo, a header image) by its content.

    Returns it re-encoded: turned upright, at most ``PICTURE_MAX_SIDE`` pixels a side, with
    no metadata (a phone photo's EXIF can hold where it was taken); JPEG unless it has
    transparency. Raises LogoRejected with a message for the uploader.
    """
    _check_bytes(data, max_bytes, "picture")
    kind = sniff_image(data)
    if kind == "svg":
        raise LogoRejected("Use a PNG, JPEG or WebP picture here (SVG drawings are for logos).")
    image = fit(decode_raster(data, kind, max_pixels), PICTURE_MAX_SIDE)
    encoded, mime, extension = encode_picture(image, jpeg_quality=PICTURE_JPEG_QUALITY)
    return ProcessedPicture(encoded, mime, extension, image.width, image.height)


def _check_bytes(data: bytes, max_bytes: int, what: str) -> None:
    if not data:
        raise LogoRejected("The file is empty.")
    if len(data) > max_bytes:
        raise LogoRejected(f"The {what} is {size_against_limit(len(data), max_bytes)}.")
