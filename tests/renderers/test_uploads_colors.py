"""The dominant colours of an uploaded logo (renderers.uploads.colors)."""

from __future__ import annotations

from PIL import Image, ImageDraw

from renderers.uploads.colors import dominant_colors
from renderers.uploads.derive import trim
from renderers.uploads.rasters import decode_raster
from renderers.uploads.sniff import sniff_image
from tests.imagefiles import NAVY, RED, close, encode, hex_to_rgb, two_colour_logo


def colors_of(data: bytes) -> list[str]:
    """Colours of the upload once trimmed, its trimmed background left out."""
    trimmed, background = trim(decode_raster(data, sniff_image(data), 25_000_000))
    return dominant_colors(trimmed, background=background)


def test_two_colour_logo_gives_its_two_colours_largest_first():
    assert colors_of(encode(two_colour_logo())) == ["#1d3557", "#d62828"]


def test_two_colour_jpeg_gives_colours_close_to_the_originals():
    colors = colors_of(encode(two_colour_logo(), "JPEG", quality=90))
    assert len(colors) == 2
    assert close(hex_to_rgb(colors[0]), NAVY) and close(hex_to_rgb(colors[1]), RED)


def test_colours_ignore_transparent_pixels_but_keep_white_ink():
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 199, 99), fill=(*RED, 255))
    draw.rectangle((200, 0, 299, 99), fill=(255, 255, 255, 255))
    assert colors_of(encode(image)) == ["#d62828", "#ffffff"]
