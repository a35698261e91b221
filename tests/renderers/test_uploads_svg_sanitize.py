"""Sanitizing uploaded SVG (renderers.uploads.svg_sanitize): what is refused, and why."""

from __future__ import annotations

import base64

import pytest

from renderers.errors import ImageRejected
from renderers.uploads.svg_sanitize import sanitize_svg
from tests.imagefiles import png_bomb, svg


def rejection(data: bytes, max_pixels: int = 25_000_000) -> str:
    with pytest.raises(ImageRejected) as caught:
        sanitize_svg(data, max_pixels=max_pixels)
    return str(caught.value)


BILLION_LAUGHS = (
    "<?xml version='1.0'?><!DOCTYPE svg ["
    "<!ENTITY lol 'lol'>"
    + "".join(f"<!ENTITY lol{i} '{('&lol' + str(i - 1) + ';') * 10}'>" for i in range(1, 10))
).replace("&lol0;", "&lol;") + "]>"

EXTERNAL = "The SVG refers to an external resource ("


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            svg("<script>alert(document.cookie)</script>"),
            "The SVG contains a script, which is not allowed.",
            id="script",
        ),
        pytest.param(
            svg("<html:script xmlns:html='http://www.w3.org/1999/xhtml'>alert(1)</html:script>"),
            "The SVG contains a script, which is not allowed.",
            id="xhtml-script",
        ),
        pytest.param(
            svg("<rect width='10' height='10'/>", "viewBox='0 0 10 10' onload='alert(1)'"),
            "The SVG contains an event handler (onload=…), which is not allowed.",
            id="onload",
        ),
        pytest.param(
            svg("<rect width='10' height='10' onMouseOver='alert(1)'/>"),
            "The SVG contains an event handler (onmouseover=…), which is not allowed.",
            id="onmouseover",
        ),
        pytest.param(
            svg("<a href='javascript:alert(1)'><rect width='10' height='10'/></a>"),
            "The SVG contains a javascript: URL, which is not allowed.",
            id="javascript-href",
        ),
        pytest.param(
            svg("<a xlink:href=' jav&#x09;ascript:alert(1)'><rect width='10' height='10'/></a>"),
            "The SVG contains a javascript: URL, which is not allowed.",
            id="javascript-obfuscated",
        ),
        pytest.param(
            svg("<image href='http://evil.example/pixel.png' width='10' height='10'/>"),
            EXTERNAL + "http://evil.example/pixel.png), which is not allowed: "
            "only #fragment links and embedded PNG, JPEG or WebP images are.",
            id="external-href",
        ),
        pytest.param(
            svg("<use xlink:href='file:///etc/passwd#x'/>"),
            EXTERNAL + "file:///etc/passwd#x)",
            id="xlink-file",
        ),
        pytest.param(
            svg("<use href='logo-parts.svg#mark'/>"),
            EXTERNAL + "logo-parts.svg#mark)",
            id="relative-href",
        ),
        pytest.param(
            svg("<rect width='10' height='10' style='fill: url(http://evil.example/p.svg#g)'/>"),
            EXTERNAL + "http://evil.example/p.svg#g)",
            id="css-url-in-style-attribute",
        ),
        pytest.param(
            svg(
                "<style>rect { fill: url('https://evil.example/p.svg#g') }</style>"
                "<rect width='10' height='10'/>"
            ),
            EXTERNAL + "https://evil.example/p.svg#g)",
            id="css-url-in-style-element",
        ),
        pytest.param(
            svg(r"<style>rect { fill: u\72l(//evil.example/p.svg) }</style>"),
            EXTERNAL + "//evil.example/p.svg)",
            id="css-url-escaped",
        ),
        pytest.param(
            svg("<rect width='10' height='10' fill='url(http://evil.example/p.svg#g)'/>"),
            EXTERNAL + "http://evil.example/p.svg#g)",
            id="presentation-attribute-url",
        ),
        pytest.param(
            svg("<style>@import 'https://evil.example/x.css';</style>"),
            "The SVG imports a stylesheet (@import), which is not allowed.",
            id="css-import",
        ),
        pytest.param(
            svg(r"<style>@im\70ort url(#x);</style>"),
            "The SVG imports a stylesheet (@import), which is not allowed.",
            id="css-import-escaped",
        ),
        pytest.param(
            svg(
                "<foreignObject width='10' height='10'>"
                "<div xmlns='http://www.w3.org/1999/xhtml'>hi</div></foreignObject>"
            ),
            "The SVG contains a <foreignObject> (embedded HTML), which is not allowed.",
            id="foreign-object",
        ),
        pytest.param(
            svg("<h:iframe xmlns:h='http://www.w3.org/1999/xhtml'/>"),
            "The SVG contains embedded HTML (<iframe>), which is not allowed.",
            id="xhtml-iframe",
        ),
        pytest.param(
            svg("<text>&lol9;</text>", prolog=BILLION_LAUGHS),
            "The SVG declares XML entities (<!ENTITY> in a DOCTYPE), which are not allowed.",
            id="billion-laughs",
        ),
        pytest.param(
            svg(
                "<text>&passwd;</text>",
                prolog="<!DOCTYPE svg [<!ENTITY passwd SYSTEM 'file:///etc/passwd'>]>",
            ),
            "The SVG declares XML entities (<!ENTITY> in a DOCTYPE), which are not allowed.",
            id="external-entity",
        ),
        pytest.param(
            svg("", prolog="<?xml-stylesheet href='https://evil.example/x.css'?>"),
            "The SVG links a stylesheet (<?xml-stylesheet?>), which is not allowed.",
            id="xml-stylesheet",
        ),
        pytest.param(
            svg(
                "<image width='10' height='10' href='data:image/svg+xml;base64,"
                + base64.b64encode(svg("<script>alert(1)</script>")).decode()
                + "'/>"
            ),
            "The SVG embeds data of type image/svg+xml; only base64 PNG, JPEG or WebP "
            "images may be embedded.",
            id="nested-svg-data-uri",
        ),
        pytest.param(
            svg("<animate attributeName='xlink:href' values='#a;#b' dur='1s'/>"),
            "The SVG animates the href attribute, which is not allowed.",
            id="animated-href",
        ),
        pytest.param(
            svg("<rect width='10' height='10'><g></rect></svg>"),
            "The SVG is not well-formed XML (mismatched tag: line 1, column ",
            id="not-well-formed",
        ),
        pytest.param(
            svg("<g id='a'><use href='#a'/></g>"),
            "The SVG contains a <use> element that refers to itself.",
            id="use-cycle",
        ),
        pytest.param(
            svg(
                "<g id='l0'><rect width='1' height='1'/></g>"
                + "".join(
                    f"<g id='l{i}'>" + f"<use href='#l{i - 1}'/>" * 10 + "</g>" for i in range(1, 7)
                )
            ),
            "The SVG is too complex: more than 10,000 elements once its <use> references "
            "are expanded.",
            id="use-bomb",
        ),
    ],
)
def test_unsafe_svg_is_rejected_with_what_was_found(data, expected):
    assert rejection(data).startswith(expected)


def test_svg_embedding_a_pixel_bomb_is_rejected():
    uri = "data:image/png;base64," + base64.b64encode(png_bomb(complete=False)).decode()
    assert rejection(svg(f"<image href='{uri}' width='10' height='10'/>")) == (
        "The SVG embeds images with too many pixels; the limit is 25 megapixels in all."
    )
