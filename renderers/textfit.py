"""Wrapping text into a box and finding the largest font size at which it fits.

Shared by the image renderer (Pillow metrics) and the PDF stamper (outline metrics):
both pass a ``measure(text, size) -> width`` function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Measure = Callable[[str, float], float]
ELLIPSIS = "…"


@dataclass(frozen=True)
class FittedText:
    size: float
    lines: list[str]
    overflowed: bool  # True when even the smallest size did not fit and lines were cut


def wrap_lines(text: str, width: float, size: float, measure: Measure) -> list[str]:
    """Greedy word wrap; explicit newlines are kept and over-long words are split."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            lines.append("")
            continue
        current = ""
        for word in words:
            candidate = f"{current} {word}" if current else word
            if measure(candidate, size) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            while measure(word, size) > width and len(word) > 1:
                cut = _longest_prefix(word, width, size, measure)
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


def _longest_prefix(word: str, width: float, size: float, measure: Measure) -> int:
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(word[:mid], size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def block_height(lines: int, size: float, line_spacing: float, extent: float) -> float:
    """Height of ``lines`` lines: one glyph extent plus the line pitch for the others."""
    if lines == 0:
        return 0.0
    return size * extent + (lines - 1) * size * line_spacing


def fit_text(
    text: str,
    width: float,
    height: float,
    *,
    size: float,
    min_size: float,
    measure: Measure,
    line_spacing: float = 1.2,
    extent: float = 1.2,
    wrap: bool = True,
    shrink: bool = True,
    step: float = 1.0,
) -> FittedText:
    """Largest size in ``[min_size, size]`` (multiples of ``step``) at which text fits.

    ``extent`` is the font's ascent + descent per unit of size. When nothing fits, the
    text is set at ``min_size`` and cut to the lines that fit, the last one ending in '…'.
    """

    def layout(at: float) -> list[str]:
        return wrap_lines(text, width, at, measure) if wrap else text.split("\n")

    def fits(at: float, lines: list[str]) -> bool:
        if block_height(len(lines), at, line_spacing, extent) > height + 1e-6:
            return False
        return all(measure(line, at) <= width + 1e-6 for line in lines)

    lines = layout(size)
    if fits(size, lines) or not shrink:
        chosen = size
    else:
        sizes = _candidates(min_size, size, step)
        lo, hi = 0, len(sizes) - 1  # sizes[lo] is assumed to fit; search the largest
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fits(sizes[mid], layout(sizes[mid])):
                lo = mid
            else:
                hi = mid - 1
        chosen = sizes[lo]
        lines = layout(chosen)
    if fits(chosen, lines):
        return FittedText(chosen, lines, False)
    return FittedText(
        chosen, _cut(lines, width, height, chosen, line_spacing, extent, measure), True
    )


def _candidates(min_size: float, max_size: float, step: float) -> list[float]:
    count = int((max_size - min_size) / step + 1e-9)
    sizes = [round(min_size + i * step, 4) for i in range(count + 1)]
    if sizes[-1] < max_size:
        sizes.append(max_size)
    return sizes


def _cut(
    lines: list[str],
    width: float,
    height: float,
    size: float,
    line_spacing: float,
    extent: float,
    measure: Measure,
) -> list[str]:
    keep = len(lines)
    while keep > 1 and block_height(keep, size, line_spacing, extent) > height + 1e-6:
        keep -= 1
    kept = lines[:keep]
    last = kept[-1] if kept else ""
    while last and measure(last.rstrip() + ELLIPSIS, size) > width:
        last = last[:-1]
    if kept:
        kept[-1] = last.rstrip() + ELLIPSIS
    return kept
