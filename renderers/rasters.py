"""Opening raster images from assets without letting one exhaust memory or run a codec
that shells out (Pillow's EPS plugin calls Ghostscript): a few formats, a pixel cap; and
writing one back out as PNG."""

from __future__ import annotations

import io
import re

from PIL import (  # noqa: F401  loaded here once, not in every render child
    GifImagePlugin,
    Image,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    UnidentifiedImageError,
    WebPImagePlugin,
)

from .errors import RenderError, RenderLimitExceeded

ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
_HEX_COLOR = re.compile(r"^#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


def open_image(data: bytes, name: str, max_pixels: int) -> Image.Image:
    """Decode a PNG, JPEG, GIF or WebP image, upright, refusing more than ``max_pixels``."""
    try:
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError as exc:
        raise RenderLimitExceeded(f"image {name!r} is too large to decode: {exc}") from None
    except (UnidentifiedImageError, OSError):
        raise RenderError(f"{name!r} is not a PNG, JPEG, GIF or WebP image") from None
    width, height = image.size
    if width * height > max_pixels:
        raise RenderLimitExceeded(
            f"image {name!r} is {width}x{height} pixels, more than the limit of {max_pixels}"
        )
    try:
        image.load()
        return ImageOps.exif_transpose(image)
    except Image.DecompressionBombError as exc:
        raise RenderLimitExceeded(f"image {name!r} is too large to decode: {exc}") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise RenderError(f"image {name!r} cannot be decoded: {exc}") from None


def png_bytes(image: Image.Image) -> bytes:
    """The image as a PNG file, with Pillow's default settings."""
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def parse_color(value: object) -> tuple[int, int, int, int]:
    """``#rgb``, ``#rgba``, ``#rrggbb`` or ``#rrggbbaa`` to an RGBA tuple; ValueError else."""
    if not isinstance(value, str) or not _HEX_COLOR.match(value.strip()):
        raise ValueError(f"bad colour {value!r} (expected #rrggbb)")
    digits = value.strip()[1:]
    if len(digits) in (3, 4):
        digits = "".join(c * 2 for c in digits)
    if len(digits) == 6:
        digits += "ff"
    r, g, b, a = (int(digits[i : i + 2], 16) for i in range(0, 8, 2))
    return r, g, b, a
