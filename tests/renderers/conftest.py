"""Helpers for the renderer tests: small images and PDFs made here, no fixtures on disk."""

from __future__ import annotations

import functools
import io

import pypdfium2
import pytest
from PIL import Image

from renderers import AssetResolver


def image_bytes(size=(40, 20), color=(255, 0, 0, 255), fmt="PNG", mode="RGBA") -> bytes:
    image = Image.new(mode, size, color if mode != "RGB" else color[:3])
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@functools.cache
def bomb_png(side: int = 20_000) -> bytes:
    """A 1-bit PNG declaring side x side pixels: a few KB that would decode to hundreds of MB."""
    out = io.BytesIO()
    Image.new("1", (side, side), 0).save(out, "PNG")
    return out.getvalue()


def render_page(pdf: bytes, page: int = 0, scale: float = 1.0) -> Image.Image:
    """A page as pixels (1 px per point at scale 1), top-left origin like zone coordinates."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[page].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()


def page_text(pdf: bytes, page: int = 0) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[page].get_textpage().get_text_range()
    finally:
        document.close()


class Storage:
    """A stand-in for Tandem's storage: a dict, recording which keys were read."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.reads: list[str] = []

    def get(self, key: str) -> bytes:
        self.reads.append(key)
        return self.files[key]


@pytest.fixture
def red_png() -> bytes:
    return image_bytes()


@pytest.fixture
def storage() -> Storage:
    return Storage(
        {
            "logos/acme.png": image_bytes((200, 100), (0, 0, 255, 255)),
            "logos/bomb.png": bomb_png(),
        }
    )


@pytest.fixture
def assets(red_png: bytes, storage: Storage) -> AssetResolver:
    return AssetResolver(
        {
            "images/red.png": red_png,
            "css/site.css": b"h1 { color: #00f } .banner { background: url(../images/red.png) }",
        },
        storage_get=storage.get,
    )
