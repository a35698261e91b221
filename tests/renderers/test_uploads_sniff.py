"""An upload's type told from its bytes (renderers.uploads.sniff)."""

from __future__ import annotations

import pytest
from PIL import Image

from renderers.errors import ImageRejected
from renderers.uploads.sniff import sniff_image
from tests.imagefiles import encode, svg, two_colour_logo


def rejection(data: bytes) -> str:
    with pytest.raises(ImageRejected) as caught:
        sniff_image(data)
    return str(caught.value)


def test_kinds_are_told_by_content():
    image = two_colour_logo()
    assert sniff_image(encode(image, "PNG")) == "png"
    assert sniff_image(encode(image, "JPEG")) == "jpeg"
    assert sniff_image(encode(image, "WEBP")) == "webp"
    assert sniff_image(b"\xef\xbb\xbf  " + svg("<rect width='1' height='1'/>")) == "svg"


def test_text_file_named_png_is_rejected_by_content():
    named_logo_png = b"Hello! This is a text file that someone renamed to logo.png\n"
    assert rejection(named_logo_png) == "This file is not a PNG, JPEG, WebP or SVG image."


def test_other_image_formats_are_named():
    gif = encode(Image.new("P", (10, 10)), "GIF")
    assert rejection(gif) == (
        "This file is not a PNG, JPEG, WebP or SVG image (it looks like a GIF file)."
    )


def test_xml_that_is_not_svg_is_rejected():
    assert rejection(b"<?xml version='1.0'?><html><body/></html>") == (
        "This file is not a PNG, JPEG, WebP or SVG image."
    )
