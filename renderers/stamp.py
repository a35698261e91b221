"""Stamping a partner's logo, text and contact block into zones of an existing PDF.

The vendor's PDF is never re-rendered: for each page with zones, an overlay page is
drawn and merged with pypdf's ``merge_page``, which keeps the page's own content
stream byte for byte (wrapped in ``q``/``Q``) and appends the overlay after it.

Overlay text uses the shipped fonts as Type 3 fonts built from their outlines: only the
glyphs used are written, no TrueType subsetting is needed (that costs more than the
whole stamp), and a ToUnicode map keeps the text searchable and extractable. Text is
set glyph by glyph from the font's cmap and advance widths: no kerning, ligatures or
complex-script shaping, which is what names, phone numbers and addresses need.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pydyf
from markupsafe import Markup
from PIL import ExifTags, Image
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    StreamObject,
)

from .assets import AssetResolver
from .errors import RenderError, RenderLimitExceeded
from .fonts import FONT_FILES, OutlineFont, outline_font, pdf_num
from .limits import Limits, run_limited
from .rasters import open_image, parse_color
from .textfit import fit_text

CONTENTS = ("logo", "text", "contact")
ALIGNS = ("left", "center", "right")
FITS = ("contain", "cover")
LINE_SPACING = 1.2
MIN_FONT_SIZE = 4.0  # points; shrink_to_fit never goes below this
IMAGE_DPI = 300  # logos are downscaled to this resolution at their size on the page


@dataclass
class Zone:
    page: int  # 1-based
    x: float  # PDF points, origin top-left of the page as displayed
    y: float
    width: float
    height: float
    content: str  # 'logo' | 'text' | 'contact'
    field: str | None = None  # name of the value in `values`
    font: str = "DejaVuSans"
    size: float = 12
    color: str = "#000000"
    align: str = "left"  # left | center | right
    shrink_to_fit: bool = True
    fit: str = "contain"  # logos: 'contain' (whole logo) or 'cover' (fill, cropped)


def stamp_pdf(
    pdf: bytes,
    zones: Sequence[Zone],
    values: Mapping[str, object],
    assets: AssetResolver,
    *,
    limits: Limits = Limits(),
) -> bytes:
    """Draw each zone's value onto its page; same inputs give the same bytes."""
    for zone in zones:
        if getattr(zone, "font", None) in FONT_FILES:
            outline_font(zone.font)  # parse fonts here so every render child inherits them
    return run_limited(
        _stamp,
        pdf,
        list(zones),
        values,
        assets.with_max_bytes(limits.max_asset_bytes),
        limits,
        timeout_s=limits.timeout_s,
    )


@dataclass(frozen=True)
class _Geometry:
    """A page as displayed (rotation applied) and the map from it to PDF user space."""

    width: float
    height: float
    to_user: tuple[float, float, float, float, float, float]


def _geometry(page: PageObject, number: int) -> _Geometry:
    box = page.cropbox
    x0, y0, x1, y1 = (float(v) for v in (box.left, box.bottom, box.right, box.top))
    w, h = x1 - x0, y1 - y0
    rotation = int(page.rotation or 0) % 360
    # (u, v) is a point of the displayed page, origin bottom-left; /Rotate turns the
    # page clockwise for display, so these matrices undo that turn.
    if rotation == 0:
        return _Geometry(w, h, (1, 0, 0, 1, x0, y0))
    if rotation == 90:
        return _Geometry(h, w, (0, 1, -1, 0, x0 + w, y0))
    if rotation == 180:
        return _Geometry(w, h, (-1, 0, 0, -1, x0 + w, y0 + h))
    if rotation == 270:
        return _Geometry(h, w, (0, -1, 1, 0, x0, y0 + h))
    raise RenderError(f"page {number} has an unsupported rotation of {rotation} degrees")


def _stamp(
    pdf: bytes,
    zones: list[Zone],
    values: Mapping[str, object],
    assets: AssetResolver,
    limits: Limits,
) -> bytes:
    reader = _read_pdf(pdf)
    pages = reader.pages
    geometries = [_geometry(page, i + 1) for i, page in enumerate(pages)]
    for index, zone in enumerate(zones, 1):
        _validate(zone, index, geometries, values)

    shared = _Shared(assets, limits)
    overlays: dict[int, _Overlay] = {}
    for index, zone in enumerate(zones, 1):
        value = values[zone.field]  # type: ignore[index]
        if value is None or value == "" or value == [] or value == {}:
            continue
        geometry = geometries[zone.page - 1]
        overlay = overlays.setdefault(zone.page, _Overlay(geometry, shared))
        label = _label(zone, index)
        if zone.content == "logo":
            overlay.draw_logo(zone, _as_url(value, label))
        elif zone.content == "text":
            overlay.draw_text(zone, _as_text(value))
        else:
            overlay.draw_text(zone, _contact_text(value, label))

    numbers = sorted(overlays)
    mediaboxes = [[float(v) for v in pages[n - 1].mediabox] for n in numbers]
    overlay_pdf = (
        _overlay_pdf(shared, [overlays[n] for n in numbers], mediaboxes) if numbers else None
    )
    stamps = PdfReader(io.BytesIO(overlay_pdf)).pages if overlay_pdf else []
    try:
        writer = PdfWriter(clone_from=reader)
        for stamp, number in zip(stamps, numbers, strict=True):
            page = writer.pages[number - 1]
            _own_resources(page)
            page.merge_page(stamp)
            page.compress_content_streams()
        out = io.BytesIO()
        writer.write(out)
    except PyPdfError as exc:  # a broken object found only while copying
        raise RenderError(f"the PDF cannot be stamped: {exc}") from None
    data = out.getvalue()
    if len(data) > limits.max_output_bytes:
        raise RenderLimitExceeded(f"PDF is larger than {limits.max_output_bytes} bytes")
    return data


def _read_pdf(pdf: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(pdf))
        if reader.is_encrypted:
            raise RenderError("encrypted PDFs cannot be stamped")
        if len(reader.pages) == 0:
            raise RenderError("the PDF has no pages")
        return reader
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise RenderError(f"not a readable PDF: {exc}") from None


def _label(zone: Zone, index: int) -> str:
    return f"zone {index} ({zone.content} on page {zone.page})"


def _validate(
    zone: Zone, index: int, geometries: list[_Geometry], values: Mapping[str, object]
) -> None:
    label = _label(zone, index)
    if zone.content not in CONTENTS:
        raise RenderError(f"{label}: content must be one of {', '.join(CONTENTS)}")
    if isinstance(zone.page, bool) or not isinstance(zone.page, int):
        raise RenderError(f"{label}: page must be a whole number")
    if not 1 <= zone.page <= len(geometries):
        raise RenderError(f"{label}: the PDF has no page {zone.page} (it has {len(geometries)})")
    geometry = geometries[zone.page - 1]
    if zone.width <= 0 or zone.height <= 0:
        raise RenderError(f"{label}: width and height must be positive")
    tolerance = 0.01
    if (
        zone.x < -tolerance
        or zone.y < -tolerance
        or zone.x + zone.width > geometry.width + tolerance
        or zone.y + zone.height > geometry.height + tolerance
    ):
        raise RenderError(
            f"{label}: box at ({zone.x:g}, {zone.y:g}) sized {zone.width:g}x{zone.height:g} pt"
            f" is outside the {geometry.width:g}x{geometry.height:g} pt page"
        )
    if zone.align not in ALIGNS:
        raise RenderError(f"{label}: align must be one of {', '.join(ALIGNS)}")
    if zone.fit not in FITS:
        raise RenderError(f"{label}: fit must be one of {', '.join(FITS)}")
    if zone.font not in FONT_FILES:
        raise RenderError(f"{label}: unknown font {zone.font!r} ({', '.join(FONT_FILES)})")
    if not zone.size > 0:
        raise RenderError(f"{label}: size must be positive")
    try:
        parse_color(zone.color)
    except ValueError as exc:
        raise RenderError(f"{label}: {exc}") from None
    if not zone.field:
        raise RenderError(f"{label}: no field names the value to draw")
    if zone.field not in values:
        raise RenderError(f"{label}: no value for field {zone.field!r}")


def _as_url(value: object, label: str) -> str:
    if not isinstance(value, str):
        raise RenderError(f"{label}: the logo value must be an asset URL")
    return value


def _as_text(value: object) -> str:
    if isinstance(value, Markup):
        return value.striptags()
    return str(value)


def _contact_text(value: object, label: str) -> str:
    if isinstance(value, Mapping):
        lines = value.values()
    elif isinstance(value, list | tuple):
        lines = value
    elif isinstance(value, str):
        lines = value.splitlines()
    else:
        raise RenderError(f"{label}: a contact block is a mapping or a list of lines")
    return "\n".join(_as_text(line) for line in lines if line not in (None, ""))


def _own_resources(page: PageObject) -> None:
    """Give the page its own /Resources before pypdf merges into them.

    pypdf adds the overlay's fonts and images to the page's resource dictionaries in
    place; where pages share them (inherited from /Pages, or one dictionary referenced
    by several pages) every other page would get this page's overlay resources too.
    """
    resources = page.get_inherited("/Resources", None)
    resources = resources.get_object() if resources is not None else DictionaryObject()
    own = DictionaryObject()
    for key in resources:
        value = resources[key]
        if isinstance(value, DictionaryObject) and not isinstance(value, StreamObject):
            own[NameObject(key)] = DictionaryObject(
                {NameObject(k): value.raw_get(k) for k in value}
            )
        elif isinstance(value, ArrayObject):
            own[NameObject(key)] = ArrayObject(value)
        else:
            own[NameObject(key)] = resources.raw_get(key)
    page[NameObject("/Resources")] = own


class _Shared:
    """Fonts and images of one stamp, shared by all its pages (each stored once)."""

    def __init__(self, assets: AssetResolver, limits: Limits):
        self.assets = assets
        self.limits = limits
        self.encoders: dict[str, _GlyphEncoder] = {}
        self.images: dict[tuple[str, tuple[int, int]], tuple[str, _Raster]] = {}
        self.decoded: dict[str, tuple[Image.Image, bytes, str]] = {}

    def encoder(self, font_name: str) -> _GlyphEncoder:
        if font_name not in self.encoders:
            self.encoders[font_name] = _GlyphEncoder(outline_font(font_name), len(self.encoders))
        return self.encoders[font_name]

    def decode(self, url: str) -> tuple[Image.Image, bytes, str]:
        if url not in self.decoded:
            data, mime = self.assets.resolve(url)
            self.decoded[url] = (open_image(data, url, self.limits.max_pixels), data, mime)
        return self.decoded[url]

    def image(self, url: str, max_px: tuple[int, int]) -> str:
        key = (url, max_px)
        if key not in self.images:
            image, data, mime = self.decode(url)
            self.images[key] = (f"TandemIm{len(self.images)}", _raster(image, data, mime, max_px))
        return self.images[key][0]

    def add_to(self, document: pydyf.PDF) -> dict[str, bytes]:
        """Write the fonts and images; their references by resource name."""
        references = {}
        for encoder in self.encoders.values():
            for resource, font in encoder.fonts(document):
                references[resource] = font.reference
        for name, raster in self.images.values():
            references[name] = raster.add_to(document).reference
        return references


class _Overlay:
    """The drawing for one page: content operators and the resources they name."""

    def __init__(self, geometry: _Geometry, shared: _Shared):
        self.geometry = geometry
        self.shared = shared
        self.ops: list[str] = []
        self.fonts: set[str] = set()
        self.images: set[str] = set()

    def _box(self, zone: Zone) -> tuple[float, float, float, float]:
        """The zone as (left, bottom, width, height) in displayed-page coordinates."""
        bottom = self.geometry.height - zone.y - zone.height
        return zone.x, bottom, zone.width, zone.height

    def draw_text(self, zone: Zone, text: str) -> None:
        font = outline_font(zone.font)
        left, bottom, width, height = self._box(zone)
        fitted = fit_text(
            text,
            width,
            height,
            size=zone.size,
            min_size=min(zone.size, MIN_FONT_SIZE),
            measure=font.text_width,
            line_spacing=LINE_SPACING,
            extent=(font.ascent + font.descent) / 1000,
            shrink=zone.shrink_to_fit,
            step=0.5,
        )
        size = fitted.size
        encoder = self.shared.encoder(zone.font)
        r, g, b, _ = parse_color(zone.color)
        ops = [
            "q",
            f"{pdf_num(left)} {pdf_num(bottom)} {pdf_num(width)} {pdf_num(height)} re W n",
            f"{pdf_num(r / 255)} {pdf_num(g / 255)} {pdf_num(b / 255)} rg",
            "BT",
        ]
        baseline = bottom + height - font.ascent * size / 1000
        for line in fitted.lines:
            line_width = font.text_width(line, size)
            x = left
            if zone.align == "center":
                x = left + (width - line_width) / 2
            elif zone.align == "right":
                x = left + width - line_width
            if line:
                ops.append(f"1 0 0 1 {pdf_num(x)} {pdf_num(baseline)} Tm")
                for resource, codes in encoder.encode(line):
                    self.fonts.add(resource)
                    ops.append(f"/{resource} {pdf_num(size)} Tf <{codes.hex()}> Tj")
            baseline -= size * LINE_SPACING
        ops += ["ET", "Q"]
        self.ops += ops

    def draw_logo(self, zone: Zone, url: str) -> None:
        image, _, _ = self.shared.decode(url)
        left, bottom, width, height = self._box(zone)
        scale_to = min if zone.fit == "contain" else max
        scale = scale_to(width / image.width, height / image.height)
        draw_w, draw_h = image.width * scale, image.height * scale
        x = left + (width - draw_w) / 2
        if zone.fit == "contain" and zone.align == "left":
            x = left
        elif zone.fit == "contain" and zone.align == "right":
            x = left + width - draw_w
        y = bottom + (height - draw_h) / 2
        max_px = (round(draw_w * IMAGE_DPI / 72), round(draw_h * IMAGE_DPI / 72))
        name = self.shared.image(url, max_px)
        self.images.add(name)
        self.ops += [
            "q",
            f"{pdf_num(left)} {pdf_num(bottom)} {pdf_num(width)} {pdf_num(height)} re W n",
            f"{pdf_num(draw_w)} 0 0 {pdf_num(draw_h)} {pdf_num(x)} {pdf_num(y)} cm",
            f"/{name} Do",
            "Q",
        ]

    def add_page(
        self, document: pydyf.PDF, mediabox: list[float], references: dict[str, bytes]
    ) -> None:
        fonts = pydyf.Dictionary({name: references[name] for name in sorted(self.fonts)})
        images = pydyf.Dictionary({name: references[name] for name in sorted(self.images)})
        matrix = " ".join(pdf_num(v) for v in self.geometry.to_user)
        content = _add(document, ["q", f"{matrix} cm", *self.ops, "Q"], compress=True)
        page = pydyf.Dictionary(
            {
                "Type": "/Page",
                "Parent": document.pages.reference,
                "MediaBox": pydyf.Array(pdf_num(v) for v in mediabox),
                "Resources": pydyf.Dictionary({"Font": fonts, "XObject": images}),
                "Contents": content.reference,
            }
        )
        document.add_page(page)


def _overlay_pdf(shared: _Shared, overlays: list[_Overlay], mediaboxes: list[list[float]]) -> bytes:
    """One overlay page per stamped page, as a PDF of its own (written with pydyf)."""
    document = pydyf.PDF()
    references = shared.add_to(document)
    for overlay, mediabox in zip(overlays, mediaboxes, strict=True):
        overlay.add_page(document, mediabox, references)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _add(
    document: pydyf.PDF, lines: list[str | bytes], extra: dict | None = None, compress=False
) -> pydyf.Stream:
    stream = pydyf.Stream(
        [line.encode("ascii") if isinstance(line, str) else line for line in lines],
        extra,
        compress=compress,
    )
    document.add_object(stream)
    return stream


class _GlyphEncoder:
    """Assigns one-byte codes to the glyphs a page uses, 256 glyphs per Type 3 font."""

    def __init__(self, font: OutlineFont, number: int):
        self.font = font
        self.prefix = f"TandemF{number}_"
        self.codes: dict[int, tuple[int, int]] = {}  # glyph id -> (font chunk, code)
        self.chunks: list[list[int]] = []
        self.text: dict[int, str] = {}

    def encode(self, text: str) -> list[tuple[str, bytes]]:
        runs: list[tuple[str, bytearray]] = []
        for char in text:
            gid = self.font.glyph_id(char)
            if gid not in self.codes:
                if not self.chunks or len(self.chunks[-1]) == 256:
                    self.chunks.append([])
                self.codes[gid] = (len(self.chunks) - 1, len(self.chunks[-1]))
                self.chunks[-1].append(gid)
                self.text[gid] = char
            chunk, code = self.codes[gid]
            resource = f"{self.prefix}{chunk}"
            if not runs or runs[-1][0] != resource:
                runs.append((resource, bytearray()))
            runs[-1][1].append(code)
        return [(resource, bytes(codes)) for resource, codes in runs]

    def fonts(self, document: pydyf.PDF) -> list[tuple[str, pydyf.Dictionary]]:
        return [
            (f"{self.prefix}{i}", self._type3(document, gids)) for i, gids in enumerate(self.chunks)
        ]

    def _type3(self, document: pydyf.PDF, gids: list[int]) -> pydyf.Dictionary:
        procs = pydyf.Dictionary()
        widths = pydyf.Array()
        bbox = [0.0, 0.0, 0.0, 0.0]
        for gid in gids:
            ops, (x0, y0, x1, y1) = self.font.glyph_procedure(gid)
            advance = self.font.advance(gid)
            head = (
                f"{pdf_num(advance)} 0 {pdf_num(x0)} {pdf_num(y0)} {pdf_num(x1)} {pdf_num(y1)} d1"
            )
            procs[f"g{gid}"] = _add(document, [head, ops], compress=True).reference
            widths.append(pdf_num(advance))
            bbox = [min(bbox[0], x0), min(bbox[1], y0), max(bbox[2], x1), max(bbox[3], y1)]
        to_unicode = _add(
            document, [_to_unicode_cmap([self.text[gid] for gid in gids])], compress=True
        )
        font = pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/Type3",
                "Name": f"/{self.font.postscript_name}",
                "FontBBox": pydyf.Array(pdf_num(v) for v in bbox),
                "FontMatrix": pydyf.Array(["0.001", 0, 0, "0.001", 0, 0]),
                "CharProcs": procs,
                "Encoding": pydyf.Dictionary(
                    {
                        "Type": "/Encoding",
                        "Differences": pydyf.Array([0, *(f"/g{g}" for g in gids)]),
                    }
                ),
                "FirstChar": 0,
                "LastChar": len(gids) - 1,
                "Widths": widths,
                "Resources": pydyf.Dictionary(),
                "ToUnicode": to_unicode.reference,
            }
        )
        document.add_object(font)
        return font


def _to_unicode_cmap(chars: list[str]) -> str:
    entries = [
        f"<{code:02x}> <{char.encode('utf-16-be').hex()}>" for code, char in enumerate(chars)
    ]
    blocks = []
    for start in range(0, len(entries), 100):  # at most 100 entries per block
        block = entries[start : start + 100]
        blocks.append(f"{len(block)} beginbfchar\n" + "\n".join(block) + "\nendbfchar")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<00> <ff>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    )


@dataclass
class _Raster:
    """Image XObject data: 8-bit gray or RGB samples, Flate- or DCT-encoded."""

    width: int
    height: int
    gray: bool
    data: bytes
    dct: bool
    smask: _Raster | None = None

    def add_to(self, document: pydyf.PDF) -> pydyf.Stream:
        extra = {
            "Type": "/XObject",
            "Subtype": "/Image",
            "Width": self.width,
            "Height": self.height,
            "ColorSpace": "/DeviceGray" if self.gray else "/DeviceRGB",
            "BitsPerComponent": 8,
            "Filter": "/DCTDecode" if self.dct else "/FlateDecode",
        }
        if self.smask is not None:
            extra["SMask"] = self.smask.add_to(document).reference
        return _add(document, [self.data], extra)


def _raster(image: Image.Image, data: bytes, mime: str, max_px: tuple[int, int]) -> _Raster:
    """The logo for the PDF: a JPEG's bytes as they are when nothing needs changing."""
    max_w, max_h = max(max_px[0], 1), max(max_px[1], 1)
    too_big = image.width > max_w * 1.05 or image.height > max_h * 1.05
    if mime == "image/jpeg" and image.mode in ("RGB", "L") and not too_big and _upright(data):
        return _Raster(image.width, image.height, image.mode == "L", data, dct=True)
    if too_big:
        image = image.copy()
        image.thumbnail((max_w, max_h), Image.Resampling.LANCZOS)
    alpha = None
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        image = image.convert("RGBA")
        alpha = image.getchannel("A")
        image = image.convert("RGB")
    else:
        image = image.convert("L" if image.mode in ("1", "L") else "RGB")
    gray = image.mode == "L"
    if mime == "image/jpeg":  # a photo: keep it a JPEG
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        raster = _Raster(image.width, image.height, gray, buffer.getvalue(), dct=True)
    else:
        raster = _Raster(image.width, image.height, gray, zlib.compress(image.tobytes()), False)
    if alpha is not None:
        raster.smask = _Raster(
            alpha.width, alpha.height, True, zlib.compress(alpha.tobytes()), False
        )
    return raster


def _upright(jpeg: bytes) -> bool:
    orientation = Image.open(io.BytesIO(jpeg)).getexif().get(ExifTags.Base.Orientation, 1)
    return orientation in (0, 1)
