"""Thumbnails and previews for the admin area and the partner portal."""

from __future__ import annotations

import re
import tempfile
from html import escape

from PIL import Image, ImageDraw

from .assets import AssetResolver
from .email import RenderedEmail
from .errors import RenderError
from .fonts import pil_font
from .limits import Limits, run_limited
from .rasters import open_image, png_bytes
from .textfit import wrap_lines

# an email drawn as a mail client shows it: 600 px wide (MJML's default), on a page long
# enough for a whole newsletter, of which the thumbnail shows the top
EMAIL_PAGE_CSS = "<style>@page { size: 640px 2400px; margin: 0 }</style>"
EMAIL_THUMBNAIL_RATIO = 1.25  # height / width: the top of the email, as an inbox shows it
# what a thumbnail cannot fetch: anything but data: URLs (a preview inlines its images)
_REMOTE = re.compile(
    r"""(?P<lead>\b(?:src|background)\s*=\s*)(?P<q>["'])(?!data:)[^"'<>]*(?P=q)"""
    r"""|url\(\s*(?P<cq>["']?)(?!data:)[^"')<>]*(?P=cq)\s*\)""",
    re.IGNORECASE,
)


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


def email_thumbnail(html: str, width: int = 400, *, limits: Limits = Limits()) -> bytes:
    """PNG of the top of an email (its HTML with images inlined as ``data:`` URLs),
    ``width`` pixels wide and ``EMAIL_THUMBNAIL_RATIO`` times as high.

    Drawn by WeasyPrint in a render child, like a PDF. Images it cannot have offline
    (a remote ``src``) are left out, not fetched.
    """
    from .pdf import _shared_fonts

    _check_width(width)
    _shared_fonts()  # loaded here, once, so that every render child inherits them
    offline = _REMOTE.sub(lambda m: f"{m['lead']}{m['q']}{m['q']}" if m["lead"] else "none", html)
    with tempfile.TemporaryDirectory(prefix="tandem-render-") as scratch:
        return run_limited(
            _email_thumbnail, offline, width, limits, scratch, timeout_s=limits.timeout_s
        )


def _email_thumbnail(html: str, width: int, limits: Limits, scratch: str) -> bytes:
    import pypdfium2

    from .pdf import html_to_pdf

    tempfile.tempdir = scratch  # this process only: it is a render child
    head = re.search(r"<head(\s[^>]*)?>", html, re.IGNORECASE)
    at = head.end() if head else 0
    pdf = html_to_pdf(html[:at] + EMAIL_PAGE_CSS + html[at:], AssetResolver({}), limits)
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=width / page.get_width()).to_pil()
    height = min(image.height, round(width * EMAIL_THUMBNAIL_RATIO))
    return png_bytes(image.crop((0, 0, width, height)))


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


def error_thumbnail(title: str, lines: list[str], width: int = 400) -> bytes:
    """A PNG that says why there is no preview: TITLE, then each of LINES, word-wrapped."""
    _check_width(width)
    margin, size, title_size = max(8, width // 25), max(10, width // 32), max(12, width // 24)
    font, bold = pil_font("DejaVuSans", size), pil_font("DejaVuSans-Bold", title_size)
    text_width = width - 2 * margin

    def measure(text: str, _size: float) -> float:
        return font.getlength(text)

    wrapped = [line for text in lines for line in wrap_lines(text, text_width, size, measure)]
    wrapped = wrapped[:40] + (["…"] if len(wrapped) > 40 else [])
    line_height = round(size * 1.35)
    height = max(width * 3 // 4, 2 * margin + round(title_size * 1.8) + line_height * len(wrapped))
    image = Image.new("RGB", (width, height), "#fef2f2")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline="#dc2626", width=2)
    draw.text((margin, margin), title, font=bold, fill="#991b1b")
    y = margin + round(title_size * 1.8)
    for line in wrapped:
        draw.text((margin, y), line, font=font, fill="#1f2328")
        y += line_height
    return png_bytes(image)


def _check_width(width: int) -> None:
    if isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= 4000:
        raise RenderError("thumbnail width must be a whole number of pixels, 1 to 4000")
