"""Decoding uploaded PNG, JPEG and WebP files within a pixel limit
(renderers.uploads.rasters)."""

from __future__ import annotations

import struct

import pytest
from PIL import Image

from renderers.errors import ImageRejected
from renderers.uploads.rasters import decode_raster
from renderers.uploads.sniff import sniff_image
from tests.imagefiles import RED, encode


def rejection(data: bytes, max_pixels: int = 25_000_000) -> str:
    with pytest.raises(ImageRejected) as caught:
        decode_raster(data, sniff_image(data), max_pixels)
    return str(caught.value)


def test_jpeg_and_webp_declaring_huge_sizes_are_rejected_from_the_header():
    jpeg = bytearray(encode(Image.new("RGB", (16, 16), RED), "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 20_000, 20_000)
    assert "20000 × 20000 pixels" in rejection(bytes(jpeg))

    webp = bytearray(encode(Image.new("RGB", (16, 16), RED), "WEBP"))
    assert webp[12:16] == b"VP8 "
    webp[26:30] = struct.pack("<HH", 16_000, 16_000)
    assert "16000 × 16000 pixels (256 megapixels)" in rejection(bytes(webp))


@pytest.mark.parametrize("format", ["PNG", "JPEG", "WEBP"])
def test_truncated_image_is_rejected(format):
    # Checked from the file structure: importing WeasyPrint makes Pillow's decoders pad
    # cut-off images with grey instead of failing (ImageFile.LOAD_TRUNCATED_IMAGES).
    import weasyprint  # noqa: F401

    data = encode(Image.effect_noise((300, 300), 80).convert("RGB"), format)
    assert rejection(data[: len(data) // 2]) == (
        f"The {format} image is damaged or incomplete; it cannot be read."
    )
