"""What an uploaded image is, from its bytes alone: PNG, JPEG, WebP or SVG.

Stricter than ``renderers.assets.sniff_mime``, whose signatures it shares: a file name
is never trusted, and any other format is refused with a message that names it.
"""

from __future__ import annotations

import re

from ..assets import sniff_mime
from ..errors import ImageRejected

NOT_AN_IMAGE = "This file is not a PNG, JPEG, WebP or SVG image."

MIME_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "svg": "image/svg+xml",
}
EXTENSIONS = {"png": ".png", "jpeg": ".jpg", "webp": ".webp", "svg": ".svg"}
PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}

_RASTER_KINDS = {"image/png": "png", "image/jpeg": "jpeg", "image/webp": "webp"}
_OTHER_FORMATS = (
    (b"GIF87a", "a GIF"),
    (b"GIF89a", "a GIF"),
    (b"II*\x00", "a TIFF"),
    (b"MM\x00*", "a TIFF"),
    (b"%PDF", "a PDF"),
    (b"\x00\x00\x01\x00", "an ICO"),
    (b"8BPS", "a Photoshop (PSD)"),
    (b"%!PS", "a PostScript/EPS"),
    (b"\x1f\x8b", "a compressed (gzip/SVGZ)"),
)
# `<svg` or `<prefix:svg` as an element start, anywhere in the text.
_SVG_START = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]")


def sniff_image(data: bytes) -> str:
    """ "png", "jpeg", "webp" or "svg"; ImageRejected for anything else."""
    kind = raster_kind(data)
    if kind is not None:
        return kind
    text = _decode_text(data)
    if text is not None and text.lstrip().startswith("<") and _SVG_START.search(text):
        return "svg"
    if data[:2] == b"BM" and data[6:10] == b"\x00\x00\x00\x00" and len(data) >= 26:
        raise ImageRejected(NOT_AN_IMAGE[:-1] + " (it looks like a BMP file).")
    if data[4:8] == b"ftyp":
        raise ImageRejected(NOT_AN_IMAGE[:-1] + " (it looks like a HEIC/AVIF photo or a video).")
    for magic, name in _OTHER_FORMATS:
        if data.startswith(magic):
            raise ImageRejected(NOT_AN_IMAGE[:-1] + f" (it looks like {name} file).")
    raise ImageRejected(NOT_AN_IMAGE)


def raster_kind(data: bytes) -> str | None:
    """PNG, JPEG or WebP by signature, or None."""
    return _RASTER_KINDS.get(sniff_mime(data))


def _decode_text(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        # Legacy single-byte encodings still keep `<svg` readable.
        return data.decode("latin-1") if b"\x00" not in data else None
