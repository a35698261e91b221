"""Drawing sanitized SVG (renderers.uploads.svg_render): its intrinsic size and its pixels."""

from __future__ import annotations

import base64

from PIL import Image

from renderers.uploads.colors import dominant_colors
from renderers.uploads.derive import trim
from renderers.uploads.svg_render import render_svg, svg_intrinsic_size
from renderers.uploads.svg_sanitize import sanitize_svg
from tests.imagefiles import RED, close, encode, hex_to_rgb, svg


def intrinsic_size(data: bytes) -> tuple[int, int]:
    return svg_intrinsic_size(sanitize_svg(data))


def test_svg_size_falls_back_to_viewbox_and_units():
    assert intrinsic_size(svg("<rect width='300' height='60'/>", "viewBox='0 0 300 60'"))[0] == 300
    in_mm = intrinsic_size(svg("<rect width='10' height='10'/>", "width='50.8mm' height='1in'"))
    assert in_mm == (192, 96)


def test_svg_may_embed_a_png_image():
    dot = Image.new("RGB", (8, 8), RED)
    uri = "data:image/png;base64," + base64.b64encode(encode(dot)).decode()
    clean = sanitize_svg(svg(f"<image href='{uri}' width='200' height='100'/>"))
    trimmed, background = trim(render_svg(clean, *svg_intrinsic_size(clean), 2400))
    colors = dominant_colors(trimmed, background=background)
    assert close(hex_to_rgb(colors[0]), RED, 4)
