"""Thumbnails and previews for the admin area and the partner portal."""

from __future__ import annotations

from html import escape

from PIL import Image

from .email import RenderedEmail
from .errors import RenderError
from .limits import Limits, run_limited
from .rasters import open_image, png_bytes


def pdf_thumbnail(pdf: bytes, width: int = 400, *, limits: Limits = Limits()) -> bytes:
    """PNG of the PDF's first page, ``width`` pixels wide."""
    _check_width(width)
    # loaded here, once per process, so that every render child inherits it; and only
    # here, so that rendering a PDF (or validating a template) does not load pdfium
    import pypdfium2  # noqa: F401

    # pdfium is neither thread-safe nor hardened against every hostile file: run it
    # in a render child, which also keeps the calling process free of its state.
    return run_limited(_pdf_thumbnail, pdf, width, timeout_s=limits.timeout_s)


def _pdf_thumbnail(pdf: bytes, width: int) -> bytes:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as exc:
        raise RenderError(f"not a readable PDF: {exc}") from None
    if len(document) == 0:
        raise RenderError("the PDF has no pages")
    page = document[0]
    page_width = page.get_width()
    if page_width <= 0:
        raise RenderError("the PDF's first page has no width")
    image = page.render(scale=width / page_width).to_pil()
    if image.width != width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    return png_bytes(image)


def image_thumbnail(data: bytes, width: int = 400, *, limits: Limits = Limits()) -> bytes:
    """PNG of an image scaled to ``width`` pixels wide, aspect ratio kept."""
    _check_width(width)
    image = open_image(data, "image", limits.max_pixels)
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    height = max(1, round(image.height * width / image.width))
    return png_bytes(image.resize((width, height), Image.Resampling.LANCZOS))


def email_preview_html(rendered: RenderedEmail) -> str:
    """A whole HTML document for an iframe ``srcdoc``: subject and preheader, then the email."""
    header = (
        '<div style="all:initial;display:block;font-family:DejaVu Sans,Arial,sans-serif;'
        "font-size:14px;line-height:1.4;color:#1f2328;background:#f6f8fa;"
        'border-bottom:1px solid #d0d7de;padding:12px 16px;">'
        f'<div><span style="color:#59636e;">Subject:</span> <strong>{escape(rendered.subject)}'
        "</strong></div>"
        f'<div><span style="color:#59636e;">Preview text:</span> {escape(rendered.preheader)}'
        "</div></div>"
    )
    html = rendered.html
    head = html.find("<head")
    head_end = html.find(">", head) if head >= 0 else -1
    if head_end >= 0:
        # links open outside the preview frame
        html = html[: head_end + 1] + '<base target="_blank">' + html[head_end + 1 :]
    body = html.find("<body")
    body_end = html.find(">", body) if body >= 0 else -1
    if body_end < 0:
        return (
            '<!doctype html><html><head><meta charset="utf-8"><base target="_blank">'
            f'</head><body style="margin:0">{header}{html}</body></html>'
        )
    return html[: body_end + 1] + header + html[body_end + 1 :]


def _check_width(width: int) -> None:
    if isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= 4000:
        raise RenderError("thumbnail width must be a whole number of pixels, 1 to 4000")
