"""The dominant colours of an image, as a brand kit offers them: '#rrggbb', most area first."""

from __future__ import annotations

import math

from PIL import Image

COLOR_SAMPLE_SIDE = 200
COLOR_MERGE_DISTANCE = 60.0  # "redmean" distance; below this two colours read as one
COLOR_MIN_SHARE = 0.02  # anti-aliasing blends stay under this share of the pixels
COLOR_BACKGROUND_TOLERANCE = 40  # wider than for trimming: JPEG halos are not brand colours


def dominant_colors(
    image: Image.Image, *, background: tuple[int, int, int] | None = None, limit: int = 5
) -> list[str]:
    """Up to `limit` colours as '#rrggbb', most area first, ignoring see-through pixels.

    Near-duplicates merge into the most frequent exact colour of the group, so flat logos
    get their real brand colours back rather than averages.
    """
    sample = image.convert("RGBA")
    if max(sample.size) > COLOR_SAMPLE_SIDE:
        # Nearest keeps exact colours; a filter would invent blends.
        scale = COLOR_SAMPLE_SIDE / max(sample.size)
        sample = sample.resize(
            (max(1, round(sample.width * scale)), max(1, round(sample.height * scale))),
            Image.Resampling.NEAREST,
        )
    counts: dict[tuple[int, int, int], int] = {}
    for count, (red, green, blue, alpha) in sample.getcolors(sample.width * sample.height):
        if alpha < 128:
            continue
        rgb = (red, green, blue)
        if background is not None and _near(rgb, background, COLOR_BACKGROUND_TOLERANCE):
            continue
        counts[rgb] = counts.get(rgb, 0) + count
    if not counts:
        return []
    if len(counts) > 256:
        counts = _quantized_counts(counts)

    total = sum(counts.values())
    groups: list[list] = []  # [representative, weight]
    for rgb, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        for group in groups:
            if _redmean(rgb, group[0]) < COLOR_MERGE_DISTANCE:
                group[1] += count
                break
        else:
            groups.append([rgb, count])
    groups.sort(key=lambda group: -group[1])
    kept = [group for group in groups if group[1] >= COLOR_MIN_SHARE * total] or groups[:1]
    return ["#{:02x}{:02x}{:02x}".format(*group[0]) for group in kept[:limit]]


def _quantized_counts(counts: dict[tuple[int, int, int], int]) -> dict[tuple[int, int, int], int]:
    """Reduce photographic colour spreads to 32 median-cut colours, weighted by area.

    Each colour enters the cut once per pixel it covers: cut over the distinct colours alone,
    hundreds of anti-aliased shades of one part would outvote a flat part covering a fifth
    of the logo, and fold its colour into theirs.
    """
    strip = Image.new("RGB", (sum(counts.values()), 1))
    strip.putdata([rgb for rgb, count in counts.items() for _ in range(count)])
    quantized = strip.quantize(colors=32, method=Image.Quantize.MEDIANCUT)
    palette = quantized.getpalette() or []
    reduced: dict[tuple[int, int, int], int] = {}
    start = 0
    for count in counts.values():
        index = quantized.getpixel((start, 0))
        entry = tuple(palette[index * 3 : index * 3 + 3])
        reduced[entry] = reduced.get(entry, 0) + count
        start += count
    return reduced


def _near(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def _redmean(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """Cheap perceptual distance between sRGB colours (0..~765)."""
    mean_red = (a[0] + b[0]) / 2
    dr, dg, db = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return math.sqrt(
        (2 + mean_red / 256) * dr * dr + 4 * dg * dg + (2 + (255 - mean_red) / 256) * db * db
    )
