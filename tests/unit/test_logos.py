"""Partner logo uploads (directory.logos) and demo logos (directory.demo_logos).

Every input is a real file made here with Pillow or written out by hand; nothing is mocked.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
from PIL import Image, ImageDraw

from directory.demo_logos import generate_logo
from directory.logos import LogoRejected, ProcessedLogo, process_logo

RED = (214, 40, 40)
NAVY = (29, 53, 87)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode(image: Image.Image, format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def two_colour_logo() -> Image.Image:
    """White 400×300 canvas; a navy block twice the size of a red one at (100..299, 80..219)."""
    image = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 80, 166, 219), fill=RED)
    draw.rectangle((167, 80, 299, 219), fill=NAVY)
    return image


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    image.load()
    return image


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))


def close(a, b, tolerance=12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def rejection(data: bytes, **limits) -> str:
    with pytest.raises(LogoRejected) as caught:
        process_logo(data, **limits)
    return str(caught.value)


def svg(body: str, root_attributes: str = 'viewBox="0 0 200 100"', prolog: str = "") -> bytes:
    return (
        f"{prolog}<svg xmlns='http://www.w3.org/2000/svg' "
        f"xmlns:xlink='http://www.w3.org/1999/xlink' {root_attributes}>{body}</svg>"
    ).encode()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def png_bomb(width: int = 20_000, height: int = 20_000, *, complete: bool = True) -> bytes:
    """A 1-bit greyscale PNG of `width`×`height` zeros: tens of KB that decode to 400 MP.

    With complete=False the image data stops after a few rows, so decoding it would fail
    as a damaged file rather than as a too-large one.
    """
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    rows = height if complete else 4
    idat = b"".join(compressor.compress(row) for _ in range(rows))
    idat += compressor.flush() if complete else compressor.flush(zlib.Z_SYNC_FLUSH)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + (png_chunk(b"IEND", b"") if complete else b"")
    )


# --- accepted formats ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("format", "mime", "extension"),
    [
        ("PNG", "image/png", ".png"),
        ("JPEG", "image/jpeg", ".jpg"),
        ("WEBP", "image/webp", ".webp"),
    ],
)
def test_raster_formats_give_trimmed_png_and_thumbnail(format, mime, extension):
    data = encode(two_colour_logo(), format, **({"quality": 95} if format != "PNG" else {}))

    logo = process_logo(data)

    assert isinstance(logo, ProcessedLogo)
    assert (logo.mime, logo.extension) == (mime, extension)
    assert logo.original == data
    assert (logo.width, logo.height) == (400, 300)
    trimmed = open_png(logo.trimmed_png)
    thumbnail = open_png(logo.thumbnail_png)
    assert trimmed.mode == thumbnail.mode == "RGBA"
    # The white border goes; lossy formats may keep a pixel of ringing at the edge.
    assert abs(trimmed.width - 200) <= 3 and abs(trimmed.height - 140) <= 3
    assert thumbnail.width == 160 and abs(thumbnail.height - 112) <= 2


def test_svg_is_sanitized_and_rasterized():
    data = svg(
        "<!-- exported by an editor -->"
        "<sodipodi:namedview xmlns:sodipodi='http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd'/>"
        "<defs><linearGradient id='g'><stop offset='0' stop-color='#d62828'/>"
        "<stop offset='1' stop-color='#1d3557'/></linearGradient>"
        "<circle id='dot' r='10'/></defs>"
        "<rect x='50' y='25' width='100' height='50' fill='url(#g)'/>"
        "<use xlink:href='#dot' x='100' y='50' fill='#ffffff'/>",
        root_attributes="width='400' height='200' viewBox='0 0 200 100' "
        "xmlns:inkscape='http://www.inkscape.org/namespaces/inkscape' inkscape:version='1.3'",
        prolog="<?xml version='1.0'?><!DOCTYPE svg PUBLIC '-//W3C//DTD SVG 1.1//EN' "
        "'http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd'>",
    )

    logo = process_logo(data)

    assert (logo.mime, logo.extension) == ("image/svg+xml", ".svg")
    assert (logo.width, logo.height) == (400, 200)
    original = logo.original.decode()
    for removed in ("DOCTYPE", "<!--", "inkscape", "sodipodi"):
        assert removed not in original
    assert 'xlink:href="#dot"' in original and 'fill="url(#g)"' in original
    trimmed = open_png(logo.trimmed_png)
    assert trimmed.mode == "RGBA"
    # Transparent margins around the 100×50 rect are trimmed: a 2:1 image at full size.
    assert trimmed.size == (1200, 600)
    assert trimmed.getpixel((2, 300))[3] == 255
    assert max(open_png(logo.thumbnail_png).size) == 160


def test_svg_size_falls_back_to_viewbox_and_units():
    assert process_logo(svg("<rect width='300' height='60'/>", "viewBox='0 0 300 60'")).width == 300
    in_mm = process_logo(svg("<rect width='10' height='10'/>", "width='50.8mm' height='1in'"))
    assert (in_mm.width, in_mm.height) == (192, 96)


def test_svg_may_embed_a_png_image():
    dot = Image.new("RGB", (8, 8), RED)
    uri = "data:image/png;base64," + base64.b64encode(encode(dot)).decode()
    logo = process_logo(svg(f"<image href='{uri}' width='200' height='100'/>"))
    assert close(hex_to_rgb(logo.colors[0]), RED, 4)


# --- trimming ----------------------------------------------------------------------------


def test_white_border_is_trimmed_exactly():
    logo = process_logo(encode(two_colour_logo()))
    trimmed = open_png(logo.trimmed_png)
    assert trimmed.size == (200, 140)
    assert trimmed.getpixel((0, 0)) == (*RED, 255)
    assert trimmed.getpixel((199, 139)) == (*NAVY, 255)


def test_transparent_padding_is_trimmed_and_stays_transparent():
    image = Image.new("RGBA", (500, 500), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((100, 150, 299, 249), fill=(*NAVY, 255))
    trimmed = open_png(process_logo(encode(image)).trimmed_png)
    assert trimmed.size == (200, 100)
    assert trimmed.getpixel((0, 0))[3] == 0  # the ellipse leaves its bounding box corners clear
    assert trimmed.getpixel((100, 50)) == (*NAVY, 255)


def test_opaque_badge_on_transparency_is_not_mistaken_for_background():
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((50, 50, 249, 149), fill=(*NAVY, 255))
    draw.rectangle((120, 90, 179, 109), fill=(255, 255, 255, 255))
    trimmed = open_png(process_logo(encode(image)).trimmed_png)
    assert trimmed.size == (200, 100)


def test_large_logo_is_scaled_down_to_1200_and_160():
    image = Image.new("RGB", (3000, 1000), NAVY)
    logo = process_logo(encode(image))
    assert open_png(logo.trimmed_png).size == (1200, 400)
    assert open_png(logo.thumbnail_png).size == (160, 53)
    assert (logo.width, logo.height) == (3000, 1000)


# --- colours -----------------------------------------------------------------------------


def test_two_colour_logo_gives_its_two_colours_largest_first():
    assert process_logo(encode(two_colour_logo())).colors == ["#1d3557", "#d62828"]


def test_two_colour_jpeg_gives_colours_close_to_the_originals():
    colors = process_logo(encode(two_colour_logo(), "JPEG", quality=90)).colors
    assert len(colors) == 2
    assert close(hex_to_rgb(colors[0]), NAVY) and close(hex_to_rgb(colors[1]), RED)


def test_colours_ignore_transparent_pixels_but_keep_white_ink():
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 199, 99), fill=(*RED, 255))
    draw.rectangle((200, 0, 299, 99), fill=(255, 255, 255, 255))
    assert process_logo(encode(image)).colors == ["#d62828", "#ffffff"]


# --- rejections --------------------------------------------------------------------------


def test_empty_file_is_rejected():
    assert rejection(b"") == "The file is empty."


def test_file_over_the_byte_limit_is_rejected_with_both_sizes():
    data = PNG_SIGNATURE + b"\x00" * int(7.2 * 1024 * 1024)
    assert rejection(data) == "The logo is 7.2 MB; the limit is 5 MB."
    assert rejection(b"x" * (5 * 1024 * 1024 + 20_000)) == (
        "The logo is 5.02 MB; the limit is 5 MB."
    )
    assert rejection(b"x" * 2300, max_bytes=1024) == "The logo is 2.2 KB; the limit is 1 KB."


def test_decompression_bomb_is_rejected_from_its_header():
    bomb = png_bomb()
    assert len(bomb) < 200_000
    message = rejection(bomb)
    assert message == (
        "The logo is 20000 × 20000 pixels (400 megapixels); the limit is 25 megapixels."
    )
    # Cut short after four rows, the same header is still rejected for its size, not as
    # damaged: the pixels are never decoded.
    assert rejection(png_bomb(complete=False)) == message


def test_jpeg_and_webp_declaring_huge_sizes_are_rejected_from_the_header():
    jpeg = bytearray(encode(Image.new("RGB", (16, 16), RED), "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 20_000, 20_000)
    assert "20000 × 20000 pixels" in rejection(bytes(jpeg))

    webp = bytearray(encode(Image.new("RGB", (16, 16), RED), "WEBP"))
    assert webp[12:16] == b"VP8 "
    webp[26:30] = struct.pack("<HH", 16_000, 16_000)
    assert "16000 × 16000 pixels (256 megapixels)" in rejection(bytes(webp))


def test_pixel_limit_is_configurable():
    assert rejection(encode(two_colour_logo()), max_pixels=100_000) == (
        "The logo is 400 × 300 pixels (0.1 megapixels); the limit is 0.1 megapixels."
    )


def test_text_file_named_png_is_rejected_by_content():
    named_logo_png = b"Hello! This is a text file that someone renamed to logo.png\n"
    assert rejection(named_logo_png) == "This file is not a PNG, JPEG, WebP or SVG image."


def test_other_image_formats_are_named():
    gif = encode(Image.new("P", (10, 10)), "GIF")
    assert rejection(gif) == (
        "This file is not a PNG, JPEG, WebP or SVG image (it looks like a GIF file)."
    )


def test_xml_that_is_not_svg_is_rejected():
    assert rejection(b"<?xml version='1.0'?><html><body/></html>") == (
        "This file is not a PNG, JPEG, WebP or SVG image."
    )


@pytest.mark.parametrize("format", ["PNG", "JPEG", "WEBP"])
def test_truncated_image_is_rejected(format):
    # Checked from the file structure: importing WeasyPrint makes Pillow's decoders pad
    # cut-off images with grey instead of failing (ImageFile.LOAD_TRUNCATED_IMAGES).
    import weasyprint  # noqa: F401

    data = encode(Image.effect_noise((300, 300), 80).convert("RGB"), format)
    assert rejection(data[: len(data) // 2]) == (
        f"The {format} image is damaged or incomplete; it cannot be read."
    )


def test_fully_transparent_image_is_rejected():
    blank = encode(Image.new("RGBA", (50, 50), (255, 0, 0, 0)))
    assert rejection(blank) == "The logo is empty: every pixel is transparent."


BILLION_LAUGHS = (
    "<?xml version='1.0'?><!DOCTYPE svg ["
    "<!ENTITY lol 'lol'>"
    + "".join(f"<!ENTITY lol{i} '{('&lol' + str(i - 1) + ';') * 10}'>" for i in range(1, 10))
).replace("&lol0;", "&lol;") + "]>"

EXTERNAL = "The SVG refers to an external resource ("


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            svg("<script>alert(document.cookie)</script>"),
            "The SVG contains a script, which is not allowed.",
            id="script",
        ),
        pytest.param(
            svg("<html:script xmlns:html='http://www.w3.org/1999/xhtml'>alert(1)</html:script>"),
            "The SVG contains a script, which is not allowed.",
            id="xhtml-script",
        ),
        pytest.param(
            svg("<rect width='10' height='10'/>", "viewBox='0 0 10 10' onload='alert(1)'"),
            "The SVG contains an event handler (onload=…), which is not allowed.",
            id="onload",
        ),
        pytest.param(
            svg("<rect width='10' height='10' onMouseOver='alert(1)'/>"),
            "The SVG contains an event handler (onmouseover=…), which is not allowed.",
            id="onmouseover",
        ),
        pytest.param(
            svg("<a href='javascript:alert(1)'><rect width='10' height='10'/></a>"),
            "The SVG contains a javascript: URL, which is not allowed.",
            id="javascript-href",
        ),
        pytest.param(
            svg("<a xlink:href=' jav&#x09;ascript:alert(1)'><rect width='10' height='10'/></a>"),
            "The SVG contains a javascript: URL, which is not allowed.",
            id="javascript-obfuscated",
        ),
        pytest.param(
            svg("<image href='http://evil.example/pixel.png' width='10' height='10'/>"),
            EXTERNAL + "http://evil.example/pixel.png), which is not allowed: "
            "only #fragment links and embedded PNG, JPEG or WebP images are.",
            id="external-href",
        ),
        pytest.param(
            svg("<use xlink:href='file:///etc/passwd#x'/>"),
            EXTERNAL + "file:///etc/passwd#x)",
            id="xlink-file",
        ),
        pytest.param(
            svg("<use href='logo-parts.svg#mark'/>"),
            EXTERNAL + "logo-parts.svg#mark)",
            id="relative-href",
        ),
        pytest.param(
            svg("<rect width='10' height='10' style='fill: url(http://evil.example/p.svg#g)'/>"),
            EXTERNAL + "http://evil.example/p.svg#g)",
            id="css-url-in-style-attribute",
        ),
        pytest.param(
            svg(
                "<style>rect { fill: url('https://evil.example/p.svg#g') }</style>"
                "<rect width='10' height='10'/>"
            ),
            EXTERNAL + "https://evil.example/p.svg#g)",
            id="css-url-in-style-element",
        ),
        pytest.param(
            svg(r"<style>rect { fill: u\72l(//evil.example/p.svg) }</style>"),
            EXTERNAL + "//evil.example/p.svg)",
            id="css-url-escaped",
        ),
        pytest.param(
            svg("<rect width='10' height='10' fill='url(http://evil.example/p.svg#g)'/>"),
            EXTERNAL + "http://evil.example/p.svg#g)",
            id="presentation-attribute-url",
        ),
        pytest.param(
            svg("<style>@import 'https://evil.example/x.css';</style>"),
            "The SVG imports a stylesheet (@import), which is not allowed.",
            id="css-import",
        ),
        pytest.param(
            svg(r"<style>@im\70ort url(#x);</style>"),
            "The SVG imports a stylesheet (@import), which is not allowed.",
            id="css-import-escaped",
        ),
        pytest.param(
            svg(
                "<foreignObject width='10' height='10'>"
                "<div xmlns='http://www.w3.org/1999/xhtml'>hi</div></foreignObject>"
            ),
            "The SVG contains a <foreignObject> (embedded HTML), which is not allowed.",
            id="foreign-object",
        ),
        pytest.param(
            svg("<h:iframe xmlns:h='http://www.w3.org/1999/xhtml'/>"),
            "The SVG contains embedded HTML (<iframe>), which is not allowed.",
            id="xhtml-iframe",
        ),
        pytest.param(
            svg("<text>&lol9;</text>", prolog=BILLION_LAUGHS),
            "The SVG declares XML entities (<!ENTITY> in a DOCTYPE), which are not allowed.",
            id="billion-laughs",
        ),
        pytest.param(
            svg(
                "<text>&passwd;</text>",
                prolog="<!DOCTYPE svg [<!ENTITY passwd SYSTEM 'file:///etc/passwd'>]>",
            ),
            "The SVG declares XML entities (<!ENTITY> in a DOCTYPE), which are not allowed.",
            id="external-entity",
        ),
        pytest.param(
            svg("", prolog="<?xml-stylesheet href='https://evil.example/x.css'?>"),
            "The SVG links a stylesheet (<?xml-stylesheet?>), which is not allowed.",
            id="xml-stylesheet",
        ),
        pytest.param(
            svg(
                "<image width='10' height='10' href='data:image/svg+xml;base64,"
                + base64.b64encode(svg("<script>alert(1)</script>")).decode()
                + "'/>"
            ),
            "The SVG embeds data of type image/svg+xml; only base64 PNG, JPEG or WebP "
            "images may be embedded.",
            id="nested-svg-data-uri",
        ),
        pytest.param(
            svg("<animate attributeName='xlink:href' values='#a;#b' dur='1s'/>"),
            "The SVG animates the href attribute, which is not allowed.",
            id="animated-href",
        ),
        pytest.param(
            svg("<rect width='10' height='10'><g></rect></svg>"),
            "The SVG is not well-formed XML (mismatched tag: line 1, column ",
            id="not-well-formed",
        ),
        pytest.param(
            svg("<g id='a'><use href='#a'/></g>"),
            "The SVG contains a <use> element that refers to itself.",
            id="use-cycle",
        ),
        pytest.param(
            svg(
                "<g id='l0'><rect width='1' height='1'/></g>"
                + "".join(
                    f"<g id='l{i}'>" + f"<use href='#l{i - 1}'/>" * 10 + "</g>" for i in range(1, 7)
                )
            ),
            "The SVG is too complex: more than 10,000 elements once its <use> references "
            "are expanded.",
            id="use-bomb",
        ),
    ],
)
def test_unsafe_svg_is_rejected_with_what_was_found(data, expected):
    assert rejection(data).startswith(expected)


def test_svg_embedding_a_pixel_bomb_is_rejected():
    uri = "data:image/png;base64," + base64.b64encode(png_bomb(complete=False)).decode()
    assert rejection(svg(f"<image href='{uri}' width='10' height='10'/>")) == (
        "The SVG embeds images with too many pixels; the limit is 25 megapixels in all."
    )


# --- demo logos ------------------------------------------------------------------------


def test_demo_logo_is_a_deterministic_transparent_png():
    first = generate_logo("Northwind Traders")
    assert generate_logo("Northwind Traders") == first
    image = open_png(first)
    assert (image.size, image.mode) == ((600, 200), "RGBA")
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((599, 199))[3] == 0
    assert image.getchannel("A").getextrema() == (0, 255)


def test_demo_logos_differ_by_name_and_seed():
    names = ["Acme Solar", "Blue Ridge Installers", "Contoso", "Fabrikam", "Northwind Traders"]
    assert len({generate_logo(name) for name in names}) == len(names)
    assert len({generate_logo("Contoso", seed=seed) for seed in range(4)}) == 4


def test_demo_logo_survives_the_upload_pipeline():
    logo = process_logo(generate_logo("Contoso Heating and Cooling Services International"))
    assert logo.mime == "image/png" and 1 <= len(logo.colors) <= 5
