"""Images derived from an upload: trimmed to what is drawn, fitted within a size, encoded."""

from __future__ import annotations

import io

from PIL import Image, ImageChops

from ..errors import ImageRejected

ALPHA_VISIBLE = 8  # alpha at or below this counts as transparent padding
BACKGROUND_TOLERANCE = 24  # per channel, absorbs JPEG noise around a white border


def trim(image: Image.Image) -> tuple[Image.Image, tuple[int, int, int] | None]:
    """Crop transparent padding, or a uniform border of the corner colour.

    The corner colour counts as background only when the corners are opaque: on a
    transparent canvas an opaque flat area (a badge, a box) is part of the logo.
    Returns the cropped image and the background colour that was trimmed, if any.
    """
    visible = image.getchannel("A").point(lambda value: 255 if value > ALPHA_VISIBLE else 0)
    box = visible.getbbox()
    if box is None:
        raise ImageRejected("The logo is empty: every pixel is transparent.")

    background = _corner_color(image)
    if background is None:
        return image.crop(box), None
    # Per-channel lookup tables: far cheaper than differencing against a filled image.
    red, green, blue, _ = image.split()
    differs = [
        band.point(
            [255 if abs(value - level) > BACKGROUND_TOLERANCE else 0 for value in range(256)]
        )
        for band, level in zip((red, green, blue), background, strict=True)
    ]
    mask = ImageChops.lighter(ImageChops.lighter(differs[0], differs[1]), differs[2])
    # See-through pixels count as background too.
    box = ImageChops.multiply(mask, visible).getbbox()
    if box is None:  # a single flat colour: nothing to trim it down to
        return image, None
    return image.crop(box), background


def _corner_color(image: Image.Image) -> tuple[int, int, int] | None:
    """The shared colour of the four corners when they are opaque and alike."""
    width, height = image.size
    corners = [
        image.getpixel(point)
        for point in ((0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1))
    ]
    if any(corner[3] < 250 for corner in corners):
        return None
    first = corners[0]
    for corner in corners[1:]:
        if max(abs(corner[channel] - first[channel]) for channel in range(3)) > 16:
            return None
    return tuple(round(sum(corner[c] for corner in corners) / 4) for c in range(3))


def fit(image: Image.Image, max_side: int) -> Image.Image:
    """Scaled down, never up, so that neither side is longer than `max_side`."""
    if max(image.size) <= max_side:
        return image
    scale = max_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def encode_picture(image: Image.Image, *, jpeg_quality: int) -> tuple[bytes, str, str]:
    """PNG when any pixel is see-through, else JPEG: (bytes, mime type, extension).

    Either way the file holds pixels only, no metadata such as EXIF.
    """
    buffer = io.BytesIO()
    if image.getchannel("A").getextrema()[0] < 255:
        image.save(buffer, format="PNG", optimize=True)
        mime, extension = "image/png", ".png"
    else:
        image.convert("RGB").save(buffer, format="JPEG", quality=jpeg_quality)
        mime, extension = "image/jpeg", ".jpg"
    return buffer.getvalue(), mime, extension
