"""Sizes written for people: bytes as KB or MB, pixel counts as megapixels."""

from __future__ import annotations


def format_size(size: int, *, decimals: int = 1) -> str:
    """Human size in MB or KB ("7.2 MB", "5 MB"); bytes below 1 KB."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.{decimals}f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{size} bytes"


def size_against_limit(size: int, limit: int) -> str:
    """SIZE against LIMIT ("7.2 MB; the limit is 5 MB"), never reading the same for both."""
    shown, limit_shown = format_size(size), format_size(limit)
    if shown == limit_shown:  # 5.02 MB must not read as "5 MB; the limit is 5 MB"
        shown = format_size(size, decimals=2)
    if shown == limit_shown:
        shown, limit_shown = f"{size:,} bytes", f"{limit:,} bytes"
    return f"{shown}; the limit is {limit_shown}"


def format_megapixels(pixels: int) -> str:
    value = pixels / 1_000_000
    return f"{value:.1f}".removesuffix(".0") + " megapixels"
