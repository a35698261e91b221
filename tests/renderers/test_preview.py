from __future__ import annotations

import base64
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
    email_thumbnail,
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


def _email(body: str) -> str:
    return (
        '<!doctype html><html><head><meta charset="utf-8"></head>'
        f'<body style="margin:0;background:#00f">{body}</body></html>'
    )


def test_email_thumbnail_is_a_png_of_the_top_of_the_email():
    red = "data:image/png;base64," + base64.b64encode(image_bytes((64, 64))).decode("ascii")
    html = _email(
        f'<div style="width:600px;margin:0 auto;background:#fff"><img src="{red}" '
        'style="display:block;width:600px;height:300px"><p style="height:3000px">long</p></div>'
    )
    image = Image.open(io.BytesIO(email_thumbnail(html, width=200))).convert("RGB")
    assert image.size == (200, 250)  # the top, at the inbox ratio, not the whole email
    assert image.getpixel((100, 40)) == (255, 0, 0)  # the inlined picture is drawn
    assert image.getpixel((2, 200)) == (0, 0, 255)  # the body's background, beside it


def test_email_thumbnail_fetches_nothing():
    """A remote image is left out (a thumbnail is made offline), and never fetched."""
    html = _email(
        '<img src="https://example.invalid/tracker.png" width="10" height="10">'
        '<div style="background:url(http://example.invalid/bg.png);height:50px">text</div>'
        '<img src="file:///etc/passwd">'
    )
    image = Image.open(io.BytesIO(email_thumbnail(html, width=100)))
    assert image.format == "PNG" and image.width == 100
    with pytest.raises(RenderError):
        email_thumbnail(html, width=0)
