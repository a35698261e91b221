"""Decoding an uploaded PNG, JPEG or WebP: the declared size checked against a pixel limit
before any pixel is decoded, the file checked to be whole, the result upright, RGBA, sRGB.

Unlike ``renderers.rasters.open_image`` (template assets, for renders), every refusal here
is an ``ImageRejected`` with a message for the uploader.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib

from PIL import (
    Image,
    ImageCms,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    UnidentifiedImageError,
    WebPImagePlugin,
)

from ..errors import ImageRejected
from .sizes import format_megapixels
from .sniff import PIL_FORMATS

# What Pillow's readers raise for a file they cannot read.
READ_ERRORS = (OSError, SyntaxError, ValueError, struct.error, EOFError, IndexError)

_OPENERS = {
    "png": PngImagePlugin.PngImageFile,
    "jpeg": JpegImagePlugin.JpegImageFile,
    "webp": WebPImagePlugin.WebPImageFile,
}


def decode_raster(data: bytes, kind: str, max_pixels: int) -> Image.Image:
    """Decode the first frame as RGBA, after checking the declared size against the limit."""
    label = PIL_FORMATS[kind]
    if kind == "webp":
        # Pillow's WebP reader sets up the whole canvas when it opens the file, so the
        # declared size is read from the RIFF header first.
        size = webp_declared_size(data)
        if size is None:
            raise ImageRejected(_damaged(label))
        check_pixels(size, max_pixels)
    try:
        # The plugin class reads the header only; Image.open would add Pillow's own global
        # bomb limit, but the limit that counts here is max_pixels.
        image = _OPENERS[kind](io.BytesIO(data))
    except READ_ERRORS as error:
        raise ImageRejected(_damaged(label)) from error
    check_pixels(image.size, max_pixels)
    if not is_complete(data, kind):
        raise ImageRejected(_damaged(label))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            image = ImageOps.exif_transpose(image)
            return to_rgba(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected(too_many_pixels_message(image.size, max_pixels)) from error
    except (*READ_ERRORS, UnidentifiedImageError) as error:
        raise ImageRejected(_damaged(label)) from error


def declared_size(data: bytes, kind: str) -> tuple[int, int]:
    """The size in a raster's header, no pixel decoded; one of READ_ERRORS if unreadable."""
    size = webp_declared_size(data) if kind == "webp" else None
    if size is None:
        size = _OPENERS[kind](io.BytesIO(data)).size
    return size


def _damaged(label: str) -> str:
    return f"The {label} image is damaged or incomplete; it cannot be read."


def is_complete(data: bytes, kind: str) -> bool:
    """Whether the file's own structure reaches its end marker.

    Pillow's decoders fill a cut-off image with grey instead of failing once
    ImageFile.LOAD_TRUNCATED_IMAGES is set, and WeasyPrint sets it, process-wide, on
    import. So completeness is checked here, from the container, whatever that flag says.
    """
    if kind == "png":
        return _png_is_complete(data)
    if kind == "jpeg":
        return _jpeg_is_complete(data)
    riff_size = int.from_bytes(data[4:8], "little")
    return len(data) >= 8 + riff_size


def _png_is_complete(data: bytes) -> bool:
    """Chunks run to IEND, and the critical ones (upper-case names) have intact CRCs."""
    position = 8
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            return False
        if kind[:1].isupper():
            crc = int.from_bytes(data[end - 4 : end], "big")
            if zlib.crc32(data[position + 4 : end - 4]) != crc:
                return False
        if kind == b"IEND":
            return True
        position = end
    return False


def _jpeg_is_complete(data: bytes) -> bool:
    """An end-of-image marker follows the first scan (markers can't occur inside scan data)."""
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return data.find(b"\xff\xd9", position + 2) != -1
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            position += 2
            continue
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return False


def check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageRejected("The image has no pixels (its width or height is zero).")
    if width * height > max_pixels:
        raise ImageRejected(too_many_pixels_message(size, max_pixels))


def too_many_pixels_message(size: tuple[int, int], max_pixels: int) -> str:
    width, height = size
    return (
        f"The logo is {width} × {height} pixels ({format_megapixels(width * height)}); "
        f"the limit is {format_megapixels(max_pixels)}."
    )


def webp_declared_size(data: bytes) -> tuple[int, int] | None:
    chunk, payload = data[12:16], data[20:30]
    if len(payload) < 10:
        return None
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(payload[4:7], "little")
        height = 1 + int.from_bytes(payload[7:10], "little")
        return width, height
    if chunk == b"VP8 " and payload[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", payload[6:10])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and payload[0] == 0x2F:
        bits = int.from_bytes(payload[1:5], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None


def to_rgba(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit greyscale: a plain convert would clip everything above 255 to white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    icc_profile = image.info.get("icc_profile")
    if icc_profile:
        image = to_srgb(image, icc_profile)
    return image.convert("RGBA")  # palette transparency becomes alpha here


def to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    """Convert from an embedded colour profile (often CMYK or Adobe RGB) to sRGB."""
    has_alpha = image.mode in ("RGBA", "LA", "PA")
    if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if "srgb" in ImageCms.getProfileDescription(source).lower():
            return image
        converted = ImageCms.profileToProfile(
            image, source, _SRGB, outputMode="RGBA" if has_alpha else "RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # A broken profile is not worth rejecting the upload for.
    return converted if converted is not None else image


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
