"""WCAG 2 contrast between sRGB colours written '#rrggbb'."""

from __future__ import annotations

# the WCAG thresholds: normal text, and large text or the parts of a graphic (a logo)
TEXT_CONTRAST = 4.5
GRAPHIC_CONTRAST = 3.0
WHITE = "#ffffff"
INK = "#111827"


def relative_luminance(color: str) -> float:
    """The WCAG relative luminance of '#rrggbb', 0 (black) to 1 (white)."""
    red, green, blue = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(channel: float) -> float:
        if channel <= 0.04045:
            return channel / 12.92
        return ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two colours, 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_color_on(background: str) -> str:
    """White or ink, whichever reads better on BACKGROUND."""
    return max((WHITE, INK), key=lambda text: contrast_ratio(text, background))
