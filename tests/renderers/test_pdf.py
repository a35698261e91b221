from __future__ import annotations

import io
import logging
import tempfile
import time

import pypdf
import pytest

from renderers import (
    AssetRefused,
    AssetResolver,
    ImageUnreadable,
    Limits,
    RenderLimitExceeded,
    TemplateSourceError,
    render_html_pdf,
)
from renderers.fonts import font_path

from .conftest import Storage, image_bytes, page_text, render_page

FLYER = """<html><head><link rel="stylesheet" href="css/site.css">
<style>@page { size: 300pt 300pt; margin: 20pt } body { margin: 0 }
.logo { width: 100pt; height: 50pt; display: block }</style></head>
<body><h1>{{ partner.name }}</h1><p>{{ fields.tagline }}</p>
<img class="logo" src="{{ partner.logo }}"><div class="banner" style="height: 40pt"></div>
</body></html>"""

CONTEXT = {
    "partner": {"name": "Acme & Sons", "logo": "storage:logos/acme.png"},
    "fields": {"tagline": "{{ ''.__class__ }} <b>x</b>"},
}


@pytest.fixture(scope="module")
def flyer_pdfs() -> tuple[bytes, bytes]:
    storage = Storage({"logos/acme.png": image_bytes((200, 100), (0, 0, 255, 255))})
    assets = AssetResolver(
        {
            "images/red.png": image_bytes(),
            "css/site.css": b"h1 { color: #00f } .banner { background: url(../images/red.png) }",
        },
        storage.get,
    )
    first = render_html_pdf(FLYER, CONTEXT, assets, filename="flyer.html")
    second = render_html_pdf(FLYER, CONTEXT, assets, filename="flyer.html")
    return first, second


def test_renders_values_as_text(flyer_pdfs):
    text = page_text(flyer_pdfs[0])
    assert "Acme & Sons" in text
    assert "{{ ''.__class__ }} <b>x</b>" in text


def test_template_files_and_storage_assets_are_drawn(flyer_pdfs):
    page = render_page(flyer_pdfs[0])
    blue = [
        page.getpixel((x, y))
        for x in range(20, 120, 10)
        for y in range(60, 160, 5)
        if page.getpixel((x, y)) == (0, 0, 255)
    ]
    assert blue, "the storage: logo is on the page"
    red = [page.getpixel((x, y)) for x in range(20, 280, 20) for y in range(100, 260, 5)]
    assert (255, 0, 0) in red, "the stylesheet's relative background image is on the page"


def test_same_inputs_same_bytes(flyer_pdfs):
    first, second = flyer_pdfs
    assert first == second
    info = pypdf.PdfReader(io.BytesIO(first)).metadata
    assert "/CreationDate" not in info and "/ModDate" not in info


@pytest.mark.parametrize(
    ("html", "url"),
    [
        ('<img src="file:///etc/passwd">', "file:///etc/passwd"),
        ('<img src="http://127.0.0.1:9/x.png">', "http://127.0.0.1:9/x.png"),
        ('<div style="background: url(file:///etc/passwd)">x</div>', "file:///etc/passwd"),
        (
            "<style>p { background: url('http://127.0.0.1:9/x.png') }</style><p>x</p>",
            "http://127.0.0.1:9/x.png",
        ),
        ('<style>@import "file:///etc/passwd";</style><p>x</p>', "file:///etc/passwd"),
        (
            '<link rel="stylesheet" href="http://127.0.0.1:9/a.css"><p>x</p>',
            "http://127.0.0.1:9/a.css",
        ),
        (
            "<style>@font-face { font-family: X; src: url(file:///etc/passwd) }"
            " p { font-family: X }</style><p>x</p>",
            "file:///etc/passwd",
        ),
        ('<img src="../../etc/passwd">', "../../etc/passwd"),
        ('<img src="/etc/passwd">', "/etc/passwd"),
        ('<base href="file:///etc/"><img src="passwd">', "file:///etc/passwd"),
        (
            '<svg width="10" height="10"><image href="http://127.0.0.1:9/y.png"'
            ' width="10" height="10"/></svg>',
            "http://127.0.0.1:9/y.png",
        ),
    ],
)
def test_urls_outside_the_template_are_refused_by_name(assets, html, url):
    with pytest.raises(AssetRefused) as caught:
        render_html_pdf(html, {}, assets)
    assert caught.value.url == url
    assert url in str(caught.value)


def test_decompression_bomb_images_are_refused(assets):
    with pytest.raises(RenderLimitExceeded, match="storage:logos/bomb.png"):
        render_html_pdf('<img src="storage:logos/bomb.png">', {}, assets)


def test_a_500_page_loop_stops_at_the_page_limit(assets):
    source = '{% for i in range(500) %}<p style="break-after: page">{{ i }}</p>{% endfor %}'
    started = time.monotonic()
    with pytest.raises(RenderLimitExceeded, match="more than 50 pages"):
        render_html_pdf(source, {}, assets)
    assert time.monotonic() - started < 10
    with pytest.raises(RenderLimitExceeded, match="more than 3 pages"):
        render_html_pdf(source, {}, assets, limits=Limits(max_pages=3))


def test_a_longer_page_limit_is_passed_in_limits(assets):
    source = '{% for i in range(60) %}<p style="break-after: page">{{ i }}</p>{% endfor %}'
    with pytest.raises(RenderLimitExceeded, match="more than 50 pages"):
        render_html_pdf(source, {}, assets)
    pdf = render_html_pdf(source, {}, assets, limits=Limits(max_pages=60))
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 60


def _truncated_jpeg() -> bytes:
    return image_bytes((64, 64), fmt="JPEG", mode="RGB")[:200]


@pytest.mark.parametrize(
    ("html", "url", "data", "reason"),
    [
        ('<img src="images/x.png">', "images/x.png", b"no image here", "cannot identify image"),
        ('<img src="x.jpg">', "x.jpg", _truncated_jpeg(), "Truncated File Read"),
        ('<img src="images/x.svg">', "images/x.svg", b"<svg><g></svg>", "mismatched tag"),
        ('<div style="background: url(b.png); height: 9pt"></div>', "b.png", b"GIF89a", ""),
    ],
)
def test_an_image_weasyprint_cannot_read_fails_the_render(monkeypatch, html, url, data, reason):
    # WeasyPrint only logs "Failed to load image" and leaves the image out; even with its
    # logger silenced by the application, the render fails and names the file
    monkeypatch.setattr(logging.getLogger("weasyprint"), "level", logging.CRITICAL)
    with pytest.raises(ImageUnreadable) as caught:
        render_html_pdf(html, {}, AssetResolver({url: data}))
    assert caught.value.url == url
    assert str(caught.value).startswith(f"image {url!r} cannot be read: {reason}")
    assert "object at 0x" not in str(caught.value)


def test_slow_renders_are_stopped(assets):
    source = "{% for i in range(400) %}<p>" + "word " * 400 + "</p>{% endfor %}"
    with pytest.raises(RenderLimitExceeded, match="longer than 0.2 s"):
        render_html_pdf(source, {}, assets, limits=Limits(timeout_s=0.2, max_pages=10_000))


def test_output_size_is_limited(assets):
    with pytest.raises(RenderLimitExceeded, match="larger than 500 bytes"):
        render_html_pdf("<p>hello</p>", {}, assets, limits=Limits(max_output_bytes=500))


def test_template_errors_name_file_and_line(assets):
    with pytest.raises(TemplateSourceError) as caught:
        render_html_pdf(
            "<p>\n{{ ''.__class__.__subclasses__() }}</p>", {}, assets, filename="x.html"
        )
    assert (caught.value.filename, caught.value.lineno) == ("x.html", 2)
    with pytest.raises(TemplateSourceError, match=r"x.html line 1: 'partner' is undefined"):
        render_html_pdf("{{ partner.name }}", {}, assets, filename="x.html")


def test_default_font_is_the_shipped_one(assets):
    pdf = render_html_pdf("<p>Shipped font</p>", {}, assets)
    fonts = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    names = [str(font.get_object()["/BaseFont"]) for font in fonts.values()]
    assert any("DejaVu" in name for name in names)


FONT_FACE = (
    "<style>@font-face { font-family: Brand; src: url(fonts/brand.ttf) }"
    " p { font-family: Brand }</style><p>Hello</p>"
)


def _font_names(pdf: bytes) -> list[str]:
    fonts = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    return [str(font.get_object()["/BaseFont"]).split("+", 1)[1] for font in fonts.values()]


def test_template_fonts_stay_with_their_template():
    # same @font-face rule, different files: each render must get its own file
    fonts = {name: font_path(name).read_bytes() for name in ("DejaVuSans-Bold", "DejaVuSans")}
    names = [
        _font_names(render_html_pdf(FONT_FACE, {}, AssetResolver({"fonts/brand.ttf": data})))
        for data in (fonts["DejaVuSans-Bold"], fonts["DejaVuSans"], fonts["DejaVuSans-Bold"])
    ]
    assert names == [["Brand-Bold"], ["Brand"], ["Brand-Bold"]]


def test_renders_leave_no_temporary_files(tmp_path, monkeypatch):
    font = font_path("DejaVuSans").read_bytes()
    render_html_pdf("<p>warm up</p>", {}, AssetResolver({}))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    render_html_pdf(FONT_FACE, {}, AssetResolver({"fonts/brand.ttf": font}))
    with pytest.raises(RenderLimitExceeded):
        render_html_pdf(
            FONT_FACE + "{% for i in range(3000) %}<p>{{ i }} x x x x</p>{% endfor %}",
            {},
            AssetResolver({"fonts/brand.ttf": font}),
            limits=Limits(timeout_s=0.3, max_pages=10_000),
        )
    assert list(tmp_path.iterdir()) == []
