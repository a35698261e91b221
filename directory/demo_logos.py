"""Deterministic placeholder logos for demo partners: a coloured mark and the company name."""

from __future__ import annotations

import functools
import hashlib
import io
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

__all__ = ["generate_logo"]

WIDTH, HEIGHT = 600, 200
MARK_SIZE = 150
MARK_LEFT = 25
TEXT_LEFT = MARK_LEFT + MARK_SIZE + 25
TEXT_RIGHT_MARGIN = 20
SUPERSAMPLE = 4  # ImageDraw shapes are not anti-aliased; draw large and shrink

# (mark, accent, text) — mark colours with enough contrast for a white initial.
PALETTES = (
    ("#1d4ed8", "#93c5fd", "#1e293b"),
    ("#0f766e", "#5eead4", "#134e4a"),
    ("#b91c1c", "#fca5a5", "#1f2937"),
    ("#7c3aed", "#c4b5fd", "#2e1065"),
    ("#c2410c", "#fdba74", "#292524"),
    ("#15803d", "#86efac", "#14532d"),
    ("#be185d", "#f9a8d4", "#1f2937"),
    ("#0369a1", "#7dd3fc", "#0c4a6e"),
    ("#a16207", "#fde047", "#292524"),
    ("#4338ca", "#a5b4fc", "#1e1b4b"),
    ("#334155", "#94a3b8", "#0f172a"),
    ("#047857", "#fcd34d", "#1f2937"),
)
SHAPES = ("circle", "rounded_square", "hexagon")

_REPO_FONTS = Path(__file__).resolve().parent.parent / "renderers" / "fonts"
_SYSTEM_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _find_font() -> Path | None:
    """A bold TTF shipped in the repository, else the system DejaVu, else None."""
    shipped = sorted(_REPO_FONTS.glob("*.ttf")) if _REPO_FONTS.is_dir() else []
    for candidate in shipped:
        if candidate.stem.lower().endswith("sans-bold"):
            return candidate
    bold = [candidate for candidate in shipped if "bold" in candidate.stem.lower()]
    if bold or shipped:
        return (bold or shipped)[0]
    return _SYSTEM_FONT if _SYSTEM_FONT.is_file() else None


FONT_PATH = _find_font()


@functools.lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT_PATH is not None:
        return ImageFont.truetype(str(FONT_PATH), size)
    return ImageFont.load_default(size=size)


def generate_logo(name: str, seed: int | None = None) -> bytes:
    """A 600×200 PNG on transparency: a geometric mark and `name`; same inputs, same bytes.

    The palette follows the name; the shape follows `seed` (or the name when no seed).
    """
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    palette = PALETTES[digest[0] % len(PALETTES)]
    variant = int.from_bytes(digest[1:3], "big") if seed is None else seed
    shape = SHAPES[variant % len(SHAPES)]

    image = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    mark = _mark(shape, palette, _initial(name), motif=(variant // len(SHAPES)) % 2)
    image.alpha_composite(mark, (MARK_LEFT, (HEIGHT - MARK_SIZE) // 2))
    _draw_name(image, name.strip() or "Partner", palette[2])

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def _initial(name: str) -> str:
    for character in name:
        if character.isalnum():
            return character.upper()
    return "•"


def _mark(shape: str, palette: tuple[str, str, str], initial: str, motif: int) -> Image.Image:
    size = MARK_SIZE * SUPERSAMPLE
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    color, accent, _ = palette
    inset = size * 0.04
    box = (inset, inset, size - inset, size - inset)
    if shape == "circle":
        draw.ellipse(box, fill=color)
    elif shape == "rounded_square":
        draw.rounded_rectangle(box, radius=size * 0.22, fill=color)
    else:
        draw.regular_polygon((size / 2, size / 2, size / 2 - inset), 6, 30.0, fill=color)

    stroke = round(size * 0.045)
    if motif:  # an accent arc under the initial
        ring = (size * 0.16, size * 0.16, size * 0.84, size * 0.84)
        draw.arc(ring, start=35, end=145, fill=accent, width=stroke)
    else:  # an accent ring around the initial
        ring = (size * 0.17, size * 0.17, size * 0.83, size * 0.83)
        draw.ellipse(ring, outline=accent, width=stroke)

    font = _font(round(size * 0.38))
    draw.text((size / 2, size / 2), initial, font=font, fill="white", anchor="mm")
    return layer.resize((MARK_SIZE, MARK_SIZE), Image.Resampling.LANCZOS)


def _draw_name(image: Image.Image, name: str, color: str) -> None:
    draw = ImageDraw.Draw(image)
    available = WIDTH - TEXT_LEFT - TEXT_RIGHT_MARGIN
    size, lines = _layout(draw, name, available)
    draw.multiline_text(
        (TEXT_LEFT, HEIGHT / 2),
        "\n".join(lines),
        font=_font(size),
        fill=color,
        anchor="lm",
        spacing=round(size * 0.2),
    )


def _layout(draw: ImageDraw.ImageDraw, name: str, available: int) -> tuple[int, list[str]]:
    """Font size and lines: one line if it fits at a readable size, else two, else cut."""
    for size in (52, 46, 40, 36):
        if draw.textlength(name, font=_font(size)) <= available:
            return size, [name]
    words = name.split()
    if len(words) > 1:
        for size in (40, 36, 32, 28):
            font = _font(size)
            split = _best_split(draw, words, font)
            if max(draw.textlength(line, font=font) for line in split) <= available:
                return size, split
    size = 30
    font = _font(size)
    cut = name
    while cut and draw.textlength(cut + "…", font=font) > available:
        cut = cut[:-1]
    return size, [cut.rstrip() + "…"]


def _best_split(draw: ImageDraw.ImageDraw, words: list[str], font) -> list[str]:
    best, best_width = [" ".join(words)], math.inf
    for index in range(1, len(words)):
        lines = [" ".join(words[:index]), " ".join(words[index:])]
        width = max(draw.textlength(line, font=font) for line in lines)
        if width < best_width:
            best, best_width = lines, width
    return best
