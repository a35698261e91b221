"""Partner image uploads: logos (checked by content, SVG sanitized, trimmed PNGs and
colours derived) and pictures for image fields (checked and re-encoded without metadata).

Pure: no database, no Flask, no network. `process_logo` either returns a `ProcessedLogo`
or raises `LogoRejected` with a message meant to be shown to the uploader as it is.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import re
import struct
import threading
import warnings
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass

import defusedxml
import defusedxml.ElementTree as DefusedET
import tinycss2
from PIL import (
    Image,
    ImageChops,
    ImageCms,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    UnidentifiedImageError,
    WebPImagePlugin,
)

__all__ = ["LogoRejected", "ProcessedLogo", "ProcessedPicture", "process_logo", "process_picture"]

TRIMMED_MAX_SIDE = 1200
THUMBNAIL_MAX_SIDE = 160
MAX_COLORS = 5

_NOT_AN_IMAGE = "This file is not a PNG, JPEG, WebP or SVG image."


class LogoRejected(ValueError):
    """An image upload (a logo or a picture) refused; the message is shown to the user as-is:
    clear and specific"""


@dataclass(frozen=True)
class ProcessedLogo:
    original: bytes
    mime: str
    extension: str
    width: int
    height: int
    trimmed_png: bytes
    thumbnail_png: bytes
    colors: list[str]


def process_logo(
    data: bytes, *, max_bytes: int = 5 * 1024 * 1024, max_pixels: int = 25_000_000
) -> ProcessedLogo:
    """Check an uploaded logo by its content and derive what the brand kit needs."""
    _check_bytes(data, max_bytes, "logo")
    kind = _sniff(data)
    if kind == "svg":
        original = _sanitize_svg(data, max_pixels=max_pixels)
        width, height = _svg_intrinsic_size(original)
        image = _render_svg(original, width, height)
    else:
        original = data
        image = _decode_raster(data, kind, max_pixels)
        width, height = image.size

    trimmed, background = _trim(image)
    trimmed = _fit(trimmed, TRIMMED_MAX_SIDE)
    thumbnail = _fit(trimmed, THUMBNAIL_MAX_SIDE)
    return ProcessedLogo(
        original=original,
        mime=_MIME[kind],
        extension=_EXTENSION[kind],
        width=width,
        height=height,
        trimmed_png=_png_bytes(trimmed),
        thumbnail_png=_png_bytes(thumbnail),
        colors=_dominant_colors(trimmed, background=background),
    )


@dataclass(frozen=True)
class ProcessedPicture:
    data: bytes
    mime: str
    extension: str
    width: int
    height: int


PICTURE_MAX_SIDE = 2400  # 8 inches at 300 dpi: enough for any field of a flyer
PICTURE_JPEG_QUALITY = 88


def process_picture(
    data: bytes, *, max_bytes: int = 10 * 1024 * 1024, max_pixels: int = 40_000_000
) -> ProcessedPicture:
    """Check an uploaded picture (a product photo, a header image) by its content.

    Returns it re-encoded: turned upright, at most ``PICTURE_MAX_SIDE`` pixels a side, with
    no metadata (a phone photo's EXIF can hold where it was taken); JPEG unless it has
    transparency. Raises LogoRejected with a message for the uploader.
    """
    _check_bytes(data, max_bytes, "picture")
    kind = _sniff(data)
    if kind == "svg":
        raise LogoRejected("Use a PNG, JPEG or WebP picture here (SVG drawings are for logos).")
    image = _fit(_decode_raster(data, kind, max_pixels), PICTURE_MAX_SIDE)
    buffer = io.BytesIO()
    if image.getchannel("A").getextrema()[0] < 255:
        image.save(buffer, format="PNG", optimize=True)
        mime, extension = "image/png", ".png"
    else:
        image.convert("RGB").save(buffer, format="JPEG", quality=PICTURE_JPEG_QUALITY)
        mime, extension = "image/jpeg", ".jpg"
    return ProcessedPicture(buffer.getvalue(), mime, extension, image.width, image.height)


def _check_bytes(data: bytes, max_bytes: int, what: str) -> None:
    if not data:
        raise LogoRejected("The file is empty.")
    if len(data) > max_bytes:
        size, limit = _format_size(len(data)), _format_size(max_bytes)
        if size == limit:  # 5.02 MB must not read as "5 MB; the limit is 5 MB"
            size = _format_size(len(data), decimals=2)
        if size == limit:
            size, limit = f"{len(data):,} bytes", f"{max_bytes:,} bytes"
        raise LogoRejected(f"The {what} is {size}; the limit is {limit}.")


# --- type detection -----------------------------------------------------------------------

_MIME = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "svg": "image/svg+xml",
}
_EXTENSION = {"png": ".png", "jpeg": ".jpg", "webp": ".webp", "svg": ".svg"}
_PIL_FORMAT = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
_OTHER_FORMATS = (
    (b"GIF87a", "a GIF"),
    (b"GIF89a", "a GIF"),
    (b"II*\x00", "a TIFF"),
    (b"MM\x00*", "a TIFF"),
    (b"%PDF", "a PDF"),
    (b"\x00\x00\x01\x00", "an ICO"),
    (b"8BPS", "a Photoshop (PSD)"),
    (b"%!PS", "a PostScript/EPS"),
    (b"\x1f\x8b", "a compressed (gzip/SVGZ)"),
)
# `<svg` or `<prefix:svg` as an element start, anywhere in the text.
_SVG_START = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]")


def _sniff(data: bytes) -> str:
    kind = _raster_kind(data)
    if kind is not None:
        return kind
    text = _decode_text(data)
    if text is not None and text.lstrip().startswith("<") and _SVG_START.search(text):
        return "svg"
    if data[:2] == b"BM" and data[6:10] == b"\x00\x00\x00\x00" and len(data) >= 26:
        raise LogoRejected(_NOT_AN_IMAGE[:-1] + " (it looks like a BMP file).")
    if data[4:8] == b"ftyp":
        raise LogoRejected(_NOT_AN_IMAGE[:-1] + " (it looks like a HEIC/AVIF photo or a video).")
    for magic, name in _OTHER_FORMATS:
        if data.startswith(magic):
            raise LogoRejected(_NOT_AN_IMAGE[:-1] + f" (it looks like {name} file).")
    raise LogoRejected(_NOT_AN_IMAGE)


def _raster_kind(data: bytes) -> str | None:
    """PNG, JPEG or WebP by signature, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _decode_text(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        # Legacy single-byte encodings still keep `<svg` readable.
        return data.decode("latin-1") if b"\x00" not in data else None


# --- raster images ------------------------------------------------------------------------

_OPENERS = {
    "png": PngImagePlugin.PngImageFile,
    "jpeg": JpegImagePlugin.JpegImageFile,
    "webp": WebPImagePlugin.WebPImageFile,
}


def _decode_raster(data: bytes, kind: str, max_pixels: int) -> Image.Image:
    """Decode the first frame as RGBA, after checking the declared size against the limit."""
    label = _PIL_FORMAT[kind]
    if kind == "webp":
        # Pillow's WebP reader sets up the whole canvas when it opens the file, so the
        # declared size is read from the RIFF header first.
        size = _webp_declared_size(data)
        if size is None:
            raise LogoRejected(f"The {label} image is damaged or incomplete; it cannot be read.")
        _check_pixels(size, max_pixels)
    try:
        # The plugin class reads the header only; Image.open would add Pillow's own global
        # bomb limit, but the limit that counts here is max_pixels.
        image = _OPENERS[kind](io.BytesIO(data))
    except (OSError, SyntaxError, ValueError, struct.error, EOFError, IndexError) as error:
        raise LogoRejected(
            f"The {label} image is damaged or incomplete; it cannot be read."
        ) from error
    _check_pixels(image.size, max_pixels)
    if not _is_complete(data, kind):
        raise LogoRejected(f"The {label} image is damaged or incomplete; it cannot be read.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            image = ImageOps.exif_transpose(image)
            return _to_rgba(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise LogoRejected(_too_many_pixels_message(image.size, max_pixels)) from error
    except (
        OSError,
        SyntaxError,
        ValueError,
        struct.error,
        EOFError,
        IndexError,
        UnidentifiedImageError,
    ) as error:
        raise LogoRejected(
            f"The {label} image is damaged or incomplete; it cannot be read."
        ) from error


def _is_complete(data: bytes, kind: str) -> bool:
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


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise LogoRejected("The image has no pixels (its width or height is zero).")
    if width * height > max_pixels:
        raise LogoRejected(_too_many_pixels_message(size, max_pixels))


def _too_many_pixels_message(size: tuple[int, int], max_pixels: int) -> str:
    width, height = size
    return (
        f"The logo is {width} × {height} pixels ({_format_megapixels(width * height)}); "
        f"the limit is {_format_megapixels(max_pixels)}."
    )


def _webp_declared_size(data: bytes) -> tuple[int, int] | None:
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


def _to_rgba(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit greyscale: a plain convert would clip everything above 255 to white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    icc_profile = image.info.get("icc_profile")
    if icc_profile:
        image = _to_srgb(image, icc_profile)
    return image.convert("RGBA")  # palette transparency becomes alpha here


def _to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
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
        return image  # A broken profile is not worth rejecting the logo for.
    return converted if converted is not None else image


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


# --- SVG sanitizing -----------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XHTML_NS = "http://www.w3.org/1999/xhtml"

MAX_SVG_ELEMENTS = 10_000  # after <use> expansion; WeasyPrint draws ~3,000 a second
MAX_SVG_DEPTH = 64  # the renderer recurses per level; logos rarely nest beyond 15

_EMBEDDED_CONTENT = {"iframe", "embed", "object", "audio", "video", "canvas", "applet"}
_SCRIPT_ELEMENTS = {"script", "handler", "listener"}
_ANIMATION_ELEMENTS = {"set", "animate", "animatecolor", "animatemotion", "animatetransform"}
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|jpg|webp)(?:;[^,;]*)*;base64,(.*)", re.S | re.I)
_CSS_IMAGE_FUNCTIONS = {"image", "image-set", "-webkit-image-set", "cross-fade", "element"}
_LENGTH = re.compile(
    r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(px|pt|pc|mm|cm|in|em|ex|%)?\s*\Z"
)
_UNIT_PX = {
    None: 1.0,
    "px": 1.0,
    "pt": 4 / 3,
    "pc": 16.0,
    "mm": 96 / 25.4,
    "cm": 96 / 2.54,
    "in": 96.0,
    "em": 16.0,
    "ex": 8.0,
}


def _sanitize_svg(data: bytes, *, max_pixels: int = 25_000_000) -> bytes:
    """Reject an unsafe SVG; return a clean re-serialization of a safe one.

    The output holds only the SVG tree that was checked: no DOCTYPE, comments,
    processing instructions, or editor metadata in other namespaces.
    """
    root = _parse_svg(data)
    budget = _PixelBudget(max_pixels)
    for element in root.iter():
        _check_element(element, budget)
    _check_complexity(root)
    return _serialize_svg(root)


class _PixelBudget:
    """Embedded rasters share one pixel limit, so many small images cannot add up to a bomb."""

    def __init__(self, limit: int) -> None:
        self.limit = self.left = limit

    def spend(self, pixels: int) -> None:
        self.left -= pixels
        if self.left < 0:
            raise LogoRejected(
                "The SVG embeds images with too many pixels; the limit is "
                f"{_format_megapixels(self.limit)} in all."
            )


class _RecordingTreeBuilder(ET.TreeBuilder):
    """Tree builder that remembers processing instructions (e.g. <?xml-stylesheet?>)."""

    def __init__(self) -> None:
        super().__init__()
        self.processing_instructions: list[str] = []

    def pi(self, target, text=None):
        self.processing_instructions.append(target)
        return super().pi(target, text)


def _parse_svg(data: bytes) -> ET.Element:
    builder = _RecordingTreeBuilder()
    parser = DefusedET.DefusedXMLParser(
        target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        root = parser.close()
    except defusedxml.EntitiesForbidden as error:
        raise LogoRejected(
            "The SVG declares XML entities (<!ENTITY> in a DOCTYPE), which are not allowed."
        ) from error
    except (defusedxml.ExternalReferenceForbidden, defusedxml.DTDForbidden) as error:
        raise LogoRejected(
            "The SVG refers to an external DTD or entity, which is not allowed."
        ) from error
    except ET.ParseError as error:
        raise LogoRejected(
            f"The SVG is not well-formed XML ({error}); please export it again."
        ) from error
    if any(target.lower() == "xml-stylesheet" for target in builder.processing_instructions):
        raise LogoRejected("The SVG links a stylesheet (<?xml-stylesheet?>), which is not allowed.")
    namespace, name = _split(root.tag)
    if name != "svg" or namespace not in (SVG_NS, None):
        raise LogoRejected(_NOT_AN_IMAGE)
    return root


def _split(qualified: str) -> tuple[str | None, str]:
    if qualified.startswith("{"):
        namespace, _, name = qualified[1:].partition("}")
        return namespace, name
    return None, qualified


def _check_element(element: ET.Element, budget: _PixelBudget) -> None:
    if not isinstance(element.tag, str):  # comments and processing instructions
        return
    namespace, name = _split(element.tag)
    lowered = name.lower()
    if lowered in _SCRIPT_ELEMENTS:
        raise LogoRejected("The SVG contains a script, which is not allowed.")
    if lowered == "foreignobject":
        raise LogoRejected(
            "The SVG contains a <foreignObject> (embedded HTML), which is not allowed."
        )
    if namespace == XHTML_NS:
        raise LogoRejected(f"The SVG contains embedded HTML (<{name}>), which is not allowed.")
    if lowered in _EMBEDDED_CONTENT:
        raise LogoRejected(f"The SVG contains an embedded <{name}>, which is not allowed.")

    for qualified, value in element.attrib.items():
        _, attribute = _split(qualified)
        attribute = attribute.lower()
        if attribute.startswith("on"):
            raise LogoRejected(
                f"The SVG contains an event handler ({attribute}=…), which is not allowed."
            )
        if "javascript:" in _squeeze(value):
            raise LogoRejected("The SVG contains a javascript: URL, which is not allowed.")
        if attribute in ("href", "src", "base"):
            _check_reference(value, budget)
        elif attribute == "style" or "(" in value:
            _check_css(value, budget)

    if lowered in _ANIMATION_ELEMENTS:
        target = element.get("attributeName", "").lower().rpartition(":")[2]
        if target in ("href", "src", "style") or target.startswith("on"):
            raise LogoRejected(f"The SVG animates the {target} attribute, which is not allowed.")
    if lowered == "style":
        _check_css("".join(element.itertext()), budget)


def _squeeze(value: str) -> str:
    """Lower-case without whitespace and control characters, as URL parsers see it."""
    return re.sub(r"[\x00-\x20\x7f]+", "", value).lower()


def _check_reference(value: str, budget: _PixelBudget) -> None:
    reference = value.strip()
    if reference == "" or reference.startswith("#"):
        return
    squeezed = _squeeze(reference)
    if squeezed.startswith("javascript:"):
        raise LogoRejected("The SVG contains a javascript: URL, which is not allowed.")
    if squeezed.startswith("data:"):
        _check_data_uri(reference, budget)
        return
    shown = reference if len(reference) <= 60 else reference[:57] + "…"
    raise LogoRejected(
        f"The SVG refers to an external resource ({shown}), which is not allowed: "
        "only #fragment links and embedded PNG, JPEG or WebP images are."
    )


def _check_data_uri(reference: str, budget: _PixelBudget) -> None:
    match = _DATA_IMAGE.match(reference.strip())
    if match is None:
        kind = reference.strip()[5:].split(",", 1)[0].split(";", 1)[0] or "text/plain"
        raise LogoRejected(
            f"The SVG embeds data of type {kind[:40]}; only base64 PNG, JPEG or WebP "
            "images may be embedded."
        )
    try:
        payload = base64.b64decode(re.sub(r"\s+", "", match.group(1)), validate=True)
    except (binascii.Error, ValueError) as error:
        raise LogoRejected("The SVG embeds an image whose base64 data is damaged.") from error
    kind = _raster_kind(payload)
    if kind is None:
        raise LogoRejected(
            "The SVG embeds an image that is not a PNG, JPEG or WebP image, which is not allowed."
        )
    size = _webp_declared_size(payload) if kind == "webp" else None
    try:
        if size is None:
            size = _OPENERS[kind](io.BytesIO(payload)).size
    except (OSError, SyntaxError, ValueError, struct.error, EOFError, IndexError) as error:
        raise LogoRejected("The SVG embeds an image that is damaged.") from error
    budget.spend(size[0] * size[1])


def _check_css(css: str, budget: _PixelBudget) -> None:
    """Reject @import and any url()/image-set() that is not a #fragment or an embedded image.

    tinycss2 is the tokenizer WeasyPrint itself uses, so CSS escapes such as `u\\72l(`
    are read here exactly as the renderer would read them.
    """
    if "javascript:" in _squeeze(css):
        raise LogoRejected("The SVG contains a javascript: URL, which is not allowed.")
    pending = list(tinycss2.parse_component_value_list(css, skip_comments=True))
    while pending:
        token = pending.pop()
        token_type = token.type
        if token_type == "at-keyword" and token.lower_value == "import":
            raise LogoRejected("The SVG imports a stylesheet (@import), which is not allowed.")
        if token_type == "url":
            _check_reference(token.value, budget)
        elif token_type == "function":
            if token.lower_name in ("url", "src") or token.lower_name in _CSS_IMAGE_FUNCTIONS:
                for argument in token.arguments:
                    if argument.type == "string":
                        _check_reference(argument.value, budget)
            pending.extend(token.arguments)
        elif token_type in ("() block", "[] block", "{} block"):
            pending.extend(token.content)


def _use_target(element: ET.Element) -> str | None:
    href = element.get(f"{{{XLINK_NS}}}href") or element.get("href") or ""
    href = href.strip()
    return href[1:] if href.startswith("#") else None


def _check_complexity(root: ET.Element) -> None:
    """Bound the rendered tree: <use> can multiply elements like entities can."""
    by_id: dict[str, ET.Element] = {}
    for element in root.iter():
        element_id = element.get("id") or element.get(f"{{{XML_NS}}}id")
        if element_id and element_id not in by_id:
            by_id[element_id] = element

    def edges(element: ET.Element) -> list[ET.Element]:
        children = [child for child in element if isinstance(child.tag, str)]
        if _split(element.tag)[1] == "use":
            target = by_id.get(_use_target(element) or "")
            if target is not None:
                children.append(target)
        return children

    # Iterative post-order over the reference graph, memoizing (element count, depth).
    cost: dict[int, tuple[int, int]] = {}
    visiting: set[int] = set()
    stack: list[tuple[ET.Element, bool]] = [(root, False)]
    while stack:
        element, expanded = stack.pop()
        key = id(element)
        if expanded:
            visiting.discard(key)
            count, depth = 1, 1
            for child in edges(element):
                child_count, child_depth = cost[id(child)]
                count += child_count
                depth = max(depth, child_depth + 1)
            if count > MAX_SVG_ELEMENTS:
                raise LogoRejected(
                    f"The SVG is too complex: more than {MAX_SVG_ELEMENTS:,} elements once "
                    "its <use> references are expanded."
                )
            if depth > MAX_SVG_DEPTH:
                raise LogoRejected(
                    f"The SVG is nested too deeply (more than {MAX_SVG_DEPTH} levels)."
                )
            cost[key] = (count, depth)
            continue
        if key in cost:
            continue
        if key in visiting:
            raise LogoRejected("The SVG contains a <use> element that refers to itself.")
        visiting.add(key)
        stack.append((element, True))
        for child in edges(element):
            child_key = id(child)
            if child_key in visiting:
                raise LogoRejected("The SVG contains a <use> element that refers to itself.")
            if child_key not in cost:
                stack.append((child, False))


def _serialize_svg(root: ET.Element) -> bytes:
    """Write SVG-namespace elements with their plain, xlink: and xml: attributes."""
    parts: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']

    def attribute_name(qualified: str) -> str | None:
        namespace, name = _split(qualified)
        if namespace is None:
            return name
        if namespace == XLINK_NS:
            return f"xlink:{name}"
        if namespace == XML_NS:
            return f"xml:{name}"
        return None  # editor metadata such as inkscape:label

    def write(element: ET.Element, is_root: bool) -> None:
        namespace, name = _split(element.tag)
        parts.append(f"<{name}")
        if is_root:
            parts.append(f' xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}"')
        for qualified, value in element.attrib.items():
            written = attribute_name(qualified)
            if written is not None:
                parts.append(f' {written}="{_escape_attribute(value)}"')
        if not element.text and len(element) == 0:
            parts.append("/>")
            return
        parts.append(">")
        if element.text:
            parts.append(_escape_text(element.text))
        for child in element:
            if isinstance(child.tag, str) and _split(child.tag)[0] in (SVG_NS, None):
                write(child, False)
            if child.tail:
                parts.append(_escape_text(child.tail))
        parts.append(f"</{name}>")

    write(root, True)
    return "".join(parts).encode("utf-8")


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    return (
        _escape_text(value)
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def _svg_intrinsic_size(svg: bytes) -> tuple[int, int]:
    """Size in CSS pixels, as a browser sizes an <img> of this SVG (300×150 by default)."""
    root = ET.fromstring(svg)  # our own serialization: no DTD, already checked
    width = _length(root.get("width"))
    height = _length(root.get("height"))
    view_box = _view_box(root.get("viewBox"))
    if width is None or height is None:
        if view_box is not None:
            box_width, box_height = view_box
            if width is not None:
                height = width * box_height / box_width
            elif height is not None:
                width = height * box_width / box_height
            else:
                width, height = box_width, box_height
        else:
            width = width if width is not None else 300.0
            height = height if height is not None else 150.0
    return max(1, round(width)), max(1, round(height))


def _length(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    if match is None or match.group(2) == "%":
        return None
    number = float(match.group(1)) * _UNIT_PX[match.group(2)]
    return number if math.isfinite(number) and number > 0 else None


def _view_box(value: str | None) -> tuple[float, float] | None:
    numbers = re.split(r"[\s,]+", (value or "").strip())
    if len(numbers) != 4:
        return None
    try:
        width, height = float(numbers[2]), float(numbers[3])
    except ValueError:
        return None
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        return None
    return width, height


# --- SVG rendering ------------------------------------------------------------------------

SVG_RENDER_SIDE = 2 * TRIMMED_MAX_SIDE  # room to trim the viewport and still keep 1200 px

_pdfium_lock = threading.Lock()  # pdfium is not thread-safe


def _render_svg(svg: bytes, width: int, height: int) -> Image.Image:
    """Rasterize a sanitized SVG: WeasyPrint draws it into a PDF, pdfium rasterizes that.

    Only data: URLs can be fetched, as a second fence behind _sanitize_svg.
    """
    import pypdfium2
    import weasyprint
    from weasyprint.urls import URLFetcher

    scale = SVG_RENDER_SIDE / max(width, height)
    pixel_width = max(1, round(width * scale))
    pixel_height = max(1, round(height * scale))
    source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    # 1 CSS px is 0.75 pt; pdfium renders 1 pt per pixel at scale 1.
    html = (
        f"<style>@page {{ size: {pixel_width * 0.75}pt {pixel_height * 0.75}pt; margin: 0 }}"
        "html, body { margin: 0 }"
        f"img {{ display: block; width: {pixel_width}px; height: {pixel_height}px }}</style>"
        f'<img src="{source}" alt="">'
    )
    try:
        pdf = weasyprint.HTML(
            string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})
        ).write_pdf()
        with _pdfium_lock:
            document = pypdfium2.PdfDocument(pdf)
            try:
                bitmap = document[0].render(
                    scale=4 / 3, fill_color=(0, 0, 0, 0), may_draw_forms=False, rev_byteorder=True
                )
                image = bitmap.to_pil().convert("RGBA")
            finally:
                document.close()
    except Exception as error:  # the renderer's failures are the file's, not the server's
        raise LogoRejected("The SVG could not be drawn; please export it again.") from error
    return image


# --- derivatives --------------------------------------------------------------------------

ALPHA_VISIBLE = 8  # alpha at or below this counts as transparent padding
BACKGROUND_TOLERANCE = 24  # per channel, absorbs JPEG noise around a white border


def _trim(image: Image.Image) -> tuple[Image.Image, tuple[int, int, int] | None]:
    """Crop transparent padding, or a uniform border of the corner colour.

    The corner colour counts as background only when the corners are opaque: on a
    transparent canvas an opaque flat area (a badge, a box) is part of the logo.
    Returns the cropped image and the background colour that was trimmed, if any.
    """
    visible = image.getchannel("A").point(lambda value: 255 if value > ALPHA_VISIBLE else 0)
    box = visible.getbbox()
    if box is None:
        raise LogoRejected("The logo is empty: every pixel is transparent.")

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


def _fit(image: Image.Image, max_side: int) -> Image.Image:
    if max(image.size) <= max_side:
        return image
    scale = max_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- dominant colours ---------------------------------------------------------------------

COLOR_SAMPLE_SIDE = 200
COLOR_MERGE_DISTANCE = 60.0  # "redmean" distance; below this two colours read as one
COLOR_MIN_SHARE = 0.02  # anti-aliasing blends stay under this share of the pixels
COLOR_BACKGROUND_TOLERANCE = 40  # wider than for trimming: JPEG halos are not brand colours


def _dominant_colors(
    image: Image.Image, *, background: tuple[int, int, int] | None = None, limit: int = MAX_COLORS
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
    """Reduce photographic colour spreads to 32 median-cut colours, weighted by area."""
    colors = list(counts)
    strip = Image.new("RGB", (len(colors), 1))
    strip.putdata(colors)
    quantized = strip.quantize(colors=32, method=Image.Quantize.MEDIANCUT)
    palette = quantized.getpalette() or []
    reduced: dict[tuple[int, int, int], int] = {}
    for x, rgb in enumerate(colors):
        index = quantized.getpixel((x, 0))
        entry = tuple(palette[index * 3 : index * 3 + 3])
        reduced[entry] = reduced.get(entry, 0) + counts[rgb]
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


# --- formatting ---------------------------------------------------------------------------


def _format_size(size: int, *, decimals: int = 1) -> str:
    """Human size in MB or KB ("7.2 MB", "5 MB"); bytes below 1 KB."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.{decimals}f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{size} bytes"


def _format_megapixels(pixels: int) -> str:
    value = pixels / 1_000_000
    return f"{value:.1f}".removesuffix(".0") + " megapixels"
