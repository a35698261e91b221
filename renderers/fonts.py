"""Fonts shipped inside the package, so output never depends on what a machine has installed.

DejaVu Sans (regular and bold), licence in ``fonts/LICENSE.txt``. Pillow draws with them,
WeasyPrint gets them as the default ``@font-face``, and the PDF stamper reads their
outlines to draw text without embedding (and subsetting) a whole TrueType font.
"""

from __future__ import annotations

import io
from functools import cache, lru_cache
from pathlib import Path

from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont
from PIL import ImageFont

from .errors import RenderError

FONT_DIR = Path(__file__).with_name("fonts")
FONT_FILES = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
}
DEFAULT_FONT = "DejaVuSans"


def font_path(name: str) -> Path:
    try:
        return FONT_DIR / FONT_FILES[name]
    except KeyError:
        known = ", ".join(sorted(FONT_FILES))
        raise RenderError(f"unknown font {name!r} (available: {known})") from None


@cache
def font_bytes(name: str) -> bytes:
    return font_path(name).read_bytes()


@lru_cache(maxsize=256)
def pil_font(name: str, size: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: the same glyph positions whether or not libraqm is on the machine
    return ImageFont.truetype(
        io.BytesIO(font_bytes(name)), size, layout_engine=ImageFont.Layout.BASIC
    )


class _PdfPathPen(BasePen):
    """Collects a glyph outline as PDF path operators, scaled to 1000 units per em."""

    def __init__(self, glyph_set, scale: float):
        super().__init__(glyph_set)
        self.scale = scale
        self.ops: list[str] = []
        self.xs: list[float] = []
        self.ys: list[float] = []

    def _pt(self, point) -> str:
        x, y = point[0] * self.scale, point[1] * self.scale
        self.xs.append(x)
        self.ys.append(y)
        return f"{pdf_num(x)} {pdf_num(y)}"

    def _moveTo(self, p):
        self.ops.append(f"{self._pt(p)} m")

    def _lineTo(self, p):
        self.ops.append(f"{self._pt(p)} l")

    def _curveToOne(self, p1, p2, p3):
        self.ops.append(f"{self._pt(p1)} {self._pt(p2)} {self._pt(p3)} c")

    def _closePath(self):
        self.ops.append("h")


def pdf_num(value: float) -> str:
    """A number as PDF content writes it: at most 2 decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class OutlineFont:
    """Metrics and outlines of one shipped font, in PDF glyph space (1000 units per em)."""

    def __init__(self, name: str):
        self.name = name
        font = TTFont(io.BytesIO(font_bytes(name)), lazy=True)
        self.units_per_em = font["head"].unitsPerEm
        self._scale = 1000 / self.units_per_em
        self.cmap = font.getBestCmap()
        self.glyph_order = font.getGlyphOrder()
        self._gid = {glyph: i for i, glyph in enumerate(self.glyph_order)}
        metrics = font["hmtx"].metrics
        self._advances = [metrics[glyph][0] * self._scale for glyph in self.glyph_order]
        hhea = font["hhea"]
        self.ascent = hhea.ascent * self._scale
        self.descent = -hhea.descent * self._scale
        self._glyph_set = font.getGlyphSet()
        self._procs: dict[int, tuple[str, tuple[float, float, float, float]]] = {}
        postscript = font["name"].getDebugName(6) or name
        self.postscript_name = postscript.replace(" ", "")

    def glyph_id(self, char: str) -> int:
        glyph = self.cmap.get(ord(char))
        return self._gid[glyph] if glyph is not None else 0

    def advance(self, gid: int) -> float:
        """Advance width in 1000-unit glyph space."""
        return self._advances[gid]

    def text_width(self, text: str, size: float) -> float:
        return sum(self._advances[self.glyph_id(c)] for c in text) * size / 1000

    def glyph_procedure(self, gid: int) -> tuple[str, tuple[float, float, float, float]]:
        """PDF path operators filling the glyph, and its bounding box."""
        cached = self._procs.get(gid)
        if cached is None:
            pen = _PdfPathPen(self._glyph_set, self._scale)
            self._glyph_set[self.glyph_order[gid]].draw(pen)
            if pen.ops:
                bbox = (min(pen.xs), min(pen.ys), max(pen.xs), max(pen.ys))
                ops = "\n".join(pen.ops) + "\nf"
            else:
                bbox = (0.0, 0.0, 0.0, 0.0)
                ops = ""
            cached = self._procs[gid] = (ops, bbox)
        return cached


@cache
def outline_font(name: str) -> OutlineFont:
    font_path(name)  # unknown names fail with the list of known ones
    return OutlineFont(name)


def font_face_css(url_prefix: str) -> str:
    """``@font-face`` rules declaring the shipped fonts as the family 'DejaVu Sans'."""
    return (
        f'@font-face {{ font-family: "DejaVu Sans"; font-weight: normal;'
        f' src: url("{url_prefix}DejaVuSans"); }}\n'
        f'@font-face {{ font-family: "DejaVu Sans"; font-weight: bold;'
        f' src: url("{url_prefix}DejaVuSans-Bold"); }}\n'
    )
