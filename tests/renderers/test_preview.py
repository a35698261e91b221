from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from PIL import Image

from renderers import (
    AssetResolver,
    RenderedEmail,
    RenderError,
    RenderLimitExceeded,
    email_preview_html,
    image_thumbnail,
    pdf_thumbnail,
    render_html_pdf,
)

from .conftest import bomb_png, image_bytes


def test_pdf_thumbnail_is_a_png_of_the_first_page():
    pdf = render_html_pdf(
        "<style>@page { size: 200pt 100pt; margin: 0 } body { margin: 0; background: #00f }"
        "</style><p>first</p><p style='break-before: page'>second</p>",
        {},
        AssetResolver({}),
    )
    image = Image.open(io.BytesIO(pdf_thumbnail(pdf, width=100)))
    assert (image.format, image.size) == ("PNG", (100, 50))
    assert image.convert("RGB").getpixel((90, 45)) == (0, 0, 255)


def test_pdf_thumbnail_of_garbage_is_a_render_error():
    with pytest.raises(RenderError, match="not a readable PDF"):
        pdf_thumbnail(b"not a pdf")


def test_image_thumbnail_keeps_the_aspect_ratio():
    image = Image.open(io.BytesIO(image_thumbnail(image_bytes((800, 400)), width=200)))
    assert (image.format, image.size) == ("PNG", (200, 100))
    assert image.convert("RGB").getpixel((100, 50)) == (255, 0, 0)
    with pytest.raises(RenderLimitExceeded):
        image_thumbnail(bomb_png())


class _Texts(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.texts: list[str] = []
        self.tags: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data.strip())


def test_email_preview_shows_subject_and_preheader_above_the_email():
    rendered = RenderedEmail(
        subject="Spring <offer>",
        preheader="Save 20% & more",
        html="<!doctype html><html><head><title>x</title></head>"
        '<body style="margin:0"><p>Email body</p></body></html>',
        text="Email body\n",
    )
    html = email_preview_html(rendered)
    assert html.startswith("<!doctype html>")
    parsed = _Texts(html)
    assert parsed.texts.index("Spring <offer>") < parsed.texts.index("Email body")
    assert "Save 20% & more" in parsed.texts
    assert "<offer>" not in html  # escaped
    assert '<base target="_blank">' in html
    bare = email_preview_html(RenderedEmail("S", "P", "<p>fragment</p>", "fragment"))
    assert bare.startswith("<!doctype html>") and "<p>fragment</p>" in bare


def test_error_thumbnail_says_why_there_is_no_preview():
    from renderers.preview import error_thumbnail

    short = Image.open(io.BytesIO(error_thumbnail("No preview", ["flyer.html:3: broken"])))
    assert (short.format, short.width) == ("PNG", 400)
    assert short.getpixel((0, 0)) != short.getpixel((200, 200))  # a frame around the text
    many = ["c.html: the sample render has more than 50 pages; " * 3] * 6
    tall = Image.open(io.BytesIO(error_thumbnail("No preview", many)))
    assert tall.width == 400 and tall.height > short.height  # long messages wrap
    with pytest.raises(RenderError):
        error_thumbnail("No preview", [], width=0)
