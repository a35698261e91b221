"""The images of a bundle that a renderer could not use: corrupt, or over the pixel limit.

WeasyPrint leaves an image it cannot read out of the PDF with only a log line, and a
truncated image can even be embedded half-drawn; the renderers refuse an image with more
pixels than ``Limits.max_pixels``. Both can be read from the bundle alone, so validation
reports them by file name before any render.
"""

from __future__ import annotations

import io
import re
import warnings
from xml.etree import ElementTree

from PIL import Image, ImageFile, UnidentifiedImageError

from renderers.assets import sniff_mime
from renderers.limits import run_limited
from renderers.rasters import ALLOWED_FORMATS

from .bundle import TemplateBundle
from .errors import ValidationError

RASTER_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
SVG_TYPE = "image/svg+xml"
# all the images of a bundle (20 MB at most) are decoded in well under this
DECODE_TIMEOUT_S = 60.0
_EXPAT_LINE = re.compile(r": line \d+, column \d+$")


def image_file_errors(
    bundle: TemplateBundle, max_pixels: int | None = None
) -> list[ValidationError]:
    """A problem for each image file that cannot be decoded, or (with MAX_PIXELS) is larger."""
    errors: list[ValidationError] = []
    rasters: list[tuple[str, bytes]] = []
    for name, data in sorted(bundle.files.items()):
        mime = sniff_mime(data, name)
        if mime in RASTER_TYPES:
            rasters.append((name, data))
        elif mime == SVG_TYPE:
            errors += _svg_errors(name, data)
    if rasters:
        # decoded in a child process: the decoders are bounded by its timer, and it may set
        # Pillow's LOAD_TRUNCATED_IMAGES, which WeasyPrint turns on for the whole process
        problems = run_limited(_raster_problems, rasters, max_pixels, timeout_s=DECODE_TIMEOUT_S)
        errors += [ValidationError(name, None, None, problem) for name, problem in problems]
    return sorted(errors, key=lambda e: (e.file or "", e.line or 0))


def _raster_problems(
    rasters: list[tuple[str, bytes]], max_pixels: int | None
) -> list[tuple[str, str]]:
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # this process only: a render child
    problems = []
    for name, data in rasters:
        problem = raster_problem(data, max_pixels)
        if problem:
            problems.append((name, problem))
    return problems


def raster_problem(data: bytes, max_pixels: int | None) -> str | None:
    """Why DATA is not a PNG, JPEG, GIF or WebP image a renderer can use, or None.

    A truncated image is only noticed while ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` is off.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError:
        return _too_large(None, None, max_pixels)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return "not a readable PNG, JPEG, GIF or WebP image"
    with image:
        width, height = image.size
        if max_pixels is not None and width * height > max_pixels:
            return _too_large(width, height, max_pixels)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                image.load()
        except Image.DecompressionBombError:
            return _too_large(width, height, max_pixels)
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            return f"the {image.format} image cannot be decoded ({exc}): export it again"
    return None


def _too_large(width: int | None, height: int | None, max_pixels: int | None) -> str:
    size = f"{width}x{height} pixels" if width else "the image"
    limit = f"the limit of {max_pixels:,} pixels" if max_pixels else "what can be decoded"
    return f"{size} is more than {limit}; scale it down"


def _svg_errors(name: str, data: bytes) -> list[ValidationError]:
    # the parser WeasyPrint reads SVG images with
    try:
        ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        line, column = exc.position
        detail = _EXPAT_LINE.sub("", str(exc))
        message = f"not a readable SVG image: {detail} (column {column + 1})"
        return [ValidationError(name, line, None, message)]
    return []
