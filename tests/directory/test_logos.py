"""Partner logo uploads (directory.logos): what the brand kit keeps of a logo, and the limits.

Every input is a real file made here with Pillow or written out by hand; nothing is mocked.
The image work itself (sniffing, decoding, SVG, trimming, colours) is tested with the pure
layer, in tests/renderers/test_uploads_*.py.
"""

from __future__ import annotations

import pytest
from PIL import Image

from directory.logos import LogoRejected, ProcessedLogo, process_logo, process_picture
from renderers.errors import ImageRejected
from tests.imagefiles import NAVY, PNG_SIGNATURE, encode, open_png, png_bomb, svg, two_colour_logo


def rejection(data: bytes, **limits) -> str:
    with pytest.raises(LogoRejected) as caught:
        process_logo(data, **limits)
    return str(caught.value)


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


# --- sizes kept ----------------------------------------------------------------------------


def test_large_logo_is_scaled_down_to_1200_and_160():
    image = Image.new("RGB", (3000, 1000), NAVY)
    logo = process_logo(encode(image))
    assert open_png(logo.trimmed_png).size == (1200, 400)
    assert open_png(logo.thumbnail_png).size == (160, 53)
    assert (logo.width, logo.height) == (3000, 1000)


# --- limits --------------------------------------------------------------------------------


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


def test_pixel_limit_is_configurable():
    assert rejection(encode(two_colour_logo()), max_pixels=100_000) == (
        "The logo is 400 × 300 pixels (0.1 megapixels); the limit is 0.1 megapixels."
    )


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("process", "data", "expected"),
    [
        (process_logo, svg("<script>alert(1)</script>"), "The SVG contains a script"),
        (process_picture, encode(Image.new("P", (10, 10)), "GIF"), "(it looks like a GIF file)"),
        (
            process_picture,
            encode(Image.new("RGB", (64, 64), NAVY), "JPEG")[:300],
            "The JPEG image is damaged or incomplete",
        ),
    ],
)
def test_refusals_of_the_image_work_reach_callers_as_logo_rejected(process, data, expected):
    with pytest.raises(LogoRejected) as caught:
        process(data)
    assert expected in str(caught.value)
    assert type(caught.value) is LogoRejected
    assert isinstance(caught.value, ImageRejected) and isinstance(caught.value, ValueError)
    assert type(caught.value.__cause__) is ImageRejected
    assert str(caught.value.__cause__) == str(caught.value)


def test_a_wordmark_beside_an_anti_aliased_mark_is_one_of_the_colours():
    """The demo logo: a violet mark with hundreds of anti-aliased shades, and a navy wordmark
    covering a fifth of it. Its navy is a brand colour, not a shade of the violet."""
    from directory.demo_logos import generate_logo

    colors = process_logo(generate_logo("Alpha")).colors
    assert colors[0] == "#4338ca"
    assert "#1e1b4b" in colors
