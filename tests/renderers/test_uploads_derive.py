"""Trimming, fitting and encoding uploaded images (renderers.uploads.derive)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from renderers.errors import ImageRejected
from renderers.rasters import png_bytes
from renderers.uploads.derive import encode_picture, fit, trim
from renderers.uploads.rasters import decode_raster
from renderers.uploads.sniff import sniff_image
from tests.imagefiles import NAVY, RED, encode, open_png, two_colour_logo


def trimmed_png(data: bytes) -> Image.Image:
    """The upload decoded and trimmed, written as a PNG and read back."""
    trimmed, _ = trim(decode_raster(data, sniff_image(data), 25_000_000))
    return open_png(png_bytes(trimmed))


def test_white_border_is_trimmed_exactly():
    trimmed = trimmed_png(encode(two_colour_logo()))
    assert trimmed.size == (200, 140)
    assert trimmed.getpixel((0, 0)) == (*RED, 255)
    assert trimmed.getpixel((199, 139)) == (*NAVY, 255)


def test_transparent_padding_is_trimmed_and_stays_transparent():
    image = Image.new("RGBA", (500, 500), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((100, 150, 299, 249), fill=(*NAVY, 255))
    trimmed = trimmed_png(encode(image))
    assert trimmed.size == (200, 100)
    assert trimmed.getpixel((0, 0))[3] == 0  # the ellipse leaves its bounding box corners clear
    assert trimmed.getpixel((100, 50)) == (*NAVY, 255)


def test_opaque_badge_on_transparency_is_not_mistaken_for_background():
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((50, 50, 249, 149), fill=(*NAVY, 255))
    draw.rectangle((120, 90, 179, 109), fill=(255, 255, 255, 255))
    trimmed = trimmed_png(encode(image))
    assert trimmed.size == (200, 100)


def test_fully_transparent_image_is_rejected():
    blank = encode(Image.new("RGBA", (50, 50), (255, 0, 0, 0)))
    with pytest.raises(ImageRejected) as caught:
        trimmed_png(blank)
    assert str(caught.value) == "The logo is empty: every pixel is transparent."


def test_fit_scales_down_only():
    image = Image.new("RGBA", (300, 100), (*RED, 255))
    assert fit(image, 300) is image and fit(image, 1200) is image
    assert fit(image, 150).size == (150, 50)


def test_picture_is_png_when_see_through_else_jpeg():
    opaque = Image.new("RGBA", (40, 30), (*RED, 255))
    data, mime, extension = encode_picture(opaque, jpeg_quality=88)
    assert (mime, extension, Image.open(io.BytesIO(data)).format) == ("image/jpeg", ".jpg", "JPEG")

    faded = Image.new("RGBA", (40, 30), (*RED, 254))
    data, mime, extension = encode_picture(faded, jpeg_quality=88)
    assert (mime, extension) == ("image/png", ".png")
    assert open_png(data).getpixel((0, 0)) == (*RED, 254)
