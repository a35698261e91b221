"""Drawing a sanitized SVG: its intrinsic size as a browser would take it, and its pixels."""

from __future__ import annotations

import base64
import math
import re
import threading
import xml.etree.ElementTree as ET

from PIL import Image

from ..errors import ImageRejected

_LENGTH = re.compile(
    r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(px|pt|pc|mm|cm|in|em|ex|%)?\s*\Z"
)
_UNIT_PX = {
    None: 1.0,
    "px": 1.0,
    "pt": 4 / 3,
    "pc": 16.0,
    "mm": 96 / 25.4,
    "cm": 96 / 2.54,
    "in": 96.0,
    "em": 16.0,
    "ex": 8.0,
}


def svg_intrinsic_size(svg: bytes) -> tuple[int, int]:
    """Size in CSS pixels, as a browser sizes an <img> of this SVG (300×150 by default)."""
    root = ET.fromstring(svg)  # our own serialization: no DTD, already checked
    width = _length(root.get("width"))
    height = _length(root.get("height"))
    view_box = _view_box(root.get("viewBox"))
    if width is None or height is None:
        if view_box is not None:
            box_width, box_height = view_box
            if width is not None:
                height = width * box_height / box_width
            elif height is not None:
                width = height * box_width / box_height
            else:
                width, height = box_width, box_height
        else:
            width = width if width is not None else 300.0
            height = height if height is not None else 150.0
    return max(1, round(width)), max(1, round(height))


def _length(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    if match is None or match.group(2) == "%":
        return None
    number = float(match.group(1)) * _UNIT_PX[match.group(2)]
    return number if math.isfinite(number) and number > 0 else None


def _view_box(value: str | None) -> tuple[float, float] | None:
    numbers = re.split(r"[\s,]+", (value or "").strip())
    if len(numbers) != 4:
        return None
    try:
        width, height = float(numbers[2]), float(numbers[3])
    except ValueError:
        return None
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        return None
    return width, height


_pdfium_lock = threading.Lock()  # pdfium is not thread-safe


def render_svg(svg: bytes, width: int, height: int, longest_side: int) -> Image.Image:
    """Rasterize a sanitized SVG of intrinsic size `width` × `height` so that its longer side
    is `longest_side` pixels: WeasyPrint draws it into a PDF, pdfium rasterizes that.

    Only data: URLs can be fetched, as a second fence behind sanitize_svg.
    """
    import pypdfium2
    import weasyprint
    from weasyprint.urls import URLFetcher

    scale = longest_side / max(width, height)
    pixel_width = max(1, round(width * scale))
    pixel_height = max(1, round(height * scale))
    source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    # 1 CSS px is 0.75 pt; pdfium renders 1 pt per pixel at scale 1.
    html = (
        f"<style>@page {{ size: {pixel_width * 0.75}pt {pixel_height * 0.75}pt; margin: 0 }}"
        "html, body { margin: 0 }"
        f"img {{ display: block; width: {pixel_width}px; height: {pixel_height}px }}</style>"
        f'<img src="{source}" alt="">'
    )
    try:
        pdf = weasyprint.HTML(
            string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})
        ).write_pdf()
        with _pdfium_lock:
            document = pypdfium2.PdfDocument(pdf)
            try:
                bitmap = document[0].render(
                    scale=4 / 3, fill_color=(0, 0, 0, 0), may_draw_forms=False, rev_byteorder=True
                )
                image = bitmap.to_pil().convert("RGBA")
            finally:
                document.close()
    except Exception as error:  # the renderer's failures are the file's, not the server's
        raise ImageRejected("The SVG could not be drawn; please export it again.") from error
    return image
