"""Draws app/web/static/favicon.ico (the SVG favicon's twin for browsers that ask for
/favicon.ico): run ``python -m app.web.make_favicon`` after changing the design, and commit."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).parent / "static"
BRAND, ACCENT, WHITE = "#1e3a8a", "#0ea5e9", "#ffffff"


def draw(size: int = 256) -> Image.Image:
    """Two linked rings on the brand colour, as favicon.svg draws them."""
    scale = size / 32
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, size - 1, size - 1), radius=round(6 * scale), fill=BRAND)
    width = round(3 * scale)
    for cx, colour in ((12, WHITE), (20, ACCENT)):
        box = [(cx - 7) * scale, 9 * scale, (cx + 7) * scale, 23 * scale]
        pen.ellipse(box, outline=colour, width=width)
    return image


def main() -> None:
    draw().save(STATIC / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
