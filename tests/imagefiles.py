"""Image files for the upload tests, made here with Pillow or written out by hand."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw

RED = (214, 40, 40)
NAVY = (29, 53, 87)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode(image: Image.Image, format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def two_colour_logo() -> Image.Image:
    """White 400×300 canvas; a navy block twice the size of a red one at (100..299, 80..219)."""
    image = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 80, 166, 219), fill=RED)
    draw.rectangle((167, 80, 299, 219), fill=NAVY)
    return image


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    image.load()
    return image


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))


def close(a, b, tolerance=12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def svg(body: str, root_attributes: str = 'viewBox="0 0 200 100"', prolog: str = "") -> bytes:
    return (
        f"{prolog}<svg xmlns='http://www.w3.org/2000/svg' "
        f"xmlns:xlink='http://www.w3.org/1999/xlink' {root_attributes}>{body}</svg>"
    ).encode()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def png_bomb(width: int = 20_000, height: int = 20_000, *, complete: bool = True) -> bytes:
    """A 1-bit greyscale PNG of `width`×`height` zeros: tens of KB that decode to 400 MP.

    With complete=False the image data stops after a few rows, so decoding it would fail
    as a damaged file rather than as a too-large one.
    """
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    rows = height if complete else 4
    idat = b"".join(compressor.compress(row) for _ in range(rows))
    idat += compressor.flush() if complete else compressor.flush(zlib.Z_SYNC_FLUSH)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + (png_chunk(b"IEND", b"") if complete else b"")
    )
