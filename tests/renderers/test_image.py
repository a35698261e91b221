from __future__ import annotations

import io

import pytest
from PIL import Image

from renderers import (
    AssetRefused,
    AssetResolver,
    Limits,
    RenderError,
    RenderLimitExceeded,
    TemplateSourceError,
    render_image,
)

from .conftest import Storage, bomb_png, image_bytes

YELLOW, BLUE, GREEN, WHITE = (255, 204, 0), (0, 0, 255), (0, 128, 0), (255, 255, 255)

SPEC = {
    "width": 600,
    "height": 300,
    "background": "#ffffff",
    "layers": [
        {"type": "rect", "box": [0, 240, 600, 60], "fill": "{{ partner.colors.primary }}"},
        {"type": "image", "src": "{{ partner.logo }}", "box": [20, 245, 100, 50],
         "fit": "contain", "padding": 0},
        {"type": "text", "text": "{{ fields.headline }}", "box": [20, 20, 560, 200],
         "font": "DejaVuSans-Bold", "size": 64, "min_size": 12, "color": "#008000",
         "align": "center", "valign": "middle"},
    ],
}  # fmt: skip
CONTEXT = {
    "partner": {"colors": {"primary": "#ffcc00"}, "logo": "storage:logos/acme.png"},
    "fields": {"headline": "Faster networks for every office, this spring only"},
}


@pytest.fixture(scope="module")
def image_assets() -> AssetResolver:
    storage = Storage(
        {
            "logos/acme.png": image_bytes((200, 100), (0, 0, 255, 255)),
            "logos/bomb.png": bomb_png(),
        }
    )
    return AssetResolver({"images/bg.png": image_bytes((800, 400), (255, 0, 0, 255))}, storage.get)


@pytest.fixture(scope="module")
def png(image_assets) -> bytes:
    return render_image(SPEC, CONTEXT, image_assets)


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _colors(image: Image.Image, box) -> set:
    x, y, w, h = box
    rgb = image.convert("RGB")
    return {rgb.getpixel((i, j)) for i in range(x, x + w, 2) for j in range(y, y + h, 2)}


def test_png_at_the_declared_size_with_each_layer_in_place(png):
    image = _open(png)
    assert (image.format, image.size, image.mode) == ("PNG", (600, 300), "RGB")
    assert image.getpixel((0, 0)) == WHITE and image.getpixel((599, 0)) == WHITE
    assert image.getpixel((590, 290)) == YELLOW  # rect, colour from the context
    assert _colors(image, (25, 250, 90, 40)) == {BLUE}  # logo fitted in its box
    assert BLUE not in _colors(image, (130, 245, 400, 50))
    text = {c for c in _colors(image, (20, 20, 560, 200)) if c[1] > c[0] + 40}
    assert text, "green headline in its box"
    assert not {c for c in _colors(image, (0, 222, 600, 16)) if c[1] > c[0] + 40}


def test_same_inputs_same_bytes_in_every_format(image_assets, png):
    assert render_image(SPEC, CONTEXT, image_assets) == png
    for fmt, name in (("jpeg", "JPEG"), ("webp", "WEBP")):
        data = render_image(SPEC, CONTEXT, image_assets, fmt=fmt)
        assert render_image(SPEC, CONTEXT, image_assets, fmt=fmt) == data
        image = _open(data)
        assert (image.format, image.size) == (name, (600, 300))
        assert not image.getexif()


def test_png_carries_no_timestamps_or_text(png):
    position, chunks = 8, []
    while position < len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        chunks.append(png[position + 4 : position + 8])
        position += 12 + length
    assert set(chunks) <= {b"IHDR", b"IDAT", b"IEND", b"PLTE"}


def test_values_are_drawn_as_text_not_evaluated(image_assets):
    def headline(value: str) -> bytes:
        context = {**CONTEXT, "fields": {"headline": value}}
        return render_image(SPEC, context, image_assets)

    assert headline("{{ 7 * 7 }}") != headline("49")


def test_template_strings_in_the_spec_are_sandboxed(image_assets):
    spec = {**SPEC, "layers": [{**SPEC["layers"][2], "text": "{{ ''.__class__.__mro__ }}"}]}
    with pytest.raises(TemplateSourceError, match="unsafe"):
        render_image(spec, CONTEXT, image_assets)


def test_cover_background_image_fills_the_canvas(image_assets):
    spec = {"width": 300, "height": 300, "background": {"image": "images/bg.png", "fit": "cover"}}
    image = _open(render_image(spec, {}, image_assets))
    assert _colors(image, (0, 0, 300, 300)) == {(255, 0, 0)}


def test_long_text_shrinks_and_stays_in_its_box(image_assets):
    layer = {"type": "text", "text": "word " * 60, "box": [50, 50, 200, 100], "size": 80,
             "min_size": 8, "color": "#000000"}  # fmt: skip
    image = _open(render_image({"width": 300, "height": 200, "layers": [layer]}, {}, image_assets))
    dark = {(x, y) for x in range(300) for y in range(200) if image.getpixel((x, y))[0] < 128}
    assert dark
    assert all(50 <= x < 250 and 50 <= y < 150 for x, y in dark)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"layers": [{"type": "video", "box": [0, 0, 1, 1]}]}, "unknown layer type 'video'"),
        ({"layers": [{"type": "rect", "box": [0, 0, 10, 10], "fill": "#12345"}]}, "bad colour"),
        ({"layers": [{"type": "rect", "box": [0, 0, 10, 10], "fill": "{{ c }}"}]}, "bad colour"),
        ({"layers": [{"type": "rect", "box": [590, 0, 20, 10]}]}, "outside the 600x300 canvas"),
        ({"layers": [{"type": "rect", "box": [0, 0, 10]}]}, "box must be [x, y, width, height]"),
        ({"layers": [{"type": "rect", "box": [0, 0, 1, 1], "colour": "#fff"}]}, "unknown key"),
        ({"layers": [{"type": "text", "box": [0, 0, 9, 9], "font": "Comic"}]}, "unknown font"),
        ({"width": 0}, "width must be a positive whole number"),
        ({"background": "blue"}, "bad colour"),
    ],
)
def test_spec_errors_are_clear(image_assets, change, message):
    spec = {"width": 600, "height": 300, **change}
    with pytest.raises(RenderError) as caught:
        render_image(spec, {"c": "red"}, image_assets)
    assert message in str(caught.value)


def test_pixel_and_format_limits(image_assets):
    with pytest.raises(RenderLimitExceeded, match="more than the limit of 40000000"):
        render_image({"width": 10_000, "height": 5_000}, {}, image_assets)
    with pytest.raises(RenderLimitExceeded):
        render_image(SPEC, CONTEXT, image_assets, limits=Limits(max_pixels=1000))
    with pytest.raises(RenderError, match="unknown image format"):
        render_image(SPEC, CONTEXT, image_assets, fmt="gif")


def test_assets_are_resolved_safely(image_assets):
    def with_logo(src: str) -> dict:
        return {**SPEC, "layers": [{**SPEC["layers"][1], "src": src}]}

    with pytest.raises(AssetRefused, match="file:///etc/passwd"):
        render_image(with_logo("file:///etc/passwd"), {}, image_assets)
    with pytest.raises(AssetRefused, match=r"http://127\.0\.0\.1:9/x\.png"):
        render_image(with_logo("http://127.0.0.1:9/x.png"), {}, image_assets)
    with pytest.raises(AssetRefused, match=r"\.\./\.\./etc/passwd"):
        render_image(with_logo("../../etc/passwd"), {}, image_assets)
    with pytest.raises(RenderLimitExceeded, match="storage:logos/bomb.png"):
        render_image(with_logo("storage:logos/bomb.png"), {}, image_assets)
