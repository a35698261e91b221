"""Social and web images from a layer spec, drawn with Pillow.

The work is bounded by validating the spec (canvas pixels, layer count, boxes inside
the canvas, image assets under the pixel cap), so images render in the calling
process: a fork per render would cost as much as drawing a typical card.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageDraw, ImageOps

from .assets import AssetResolver
from .errors import RenderError, RenderLimitExceeded
from .fonts import FONT_FILES, pil_font
from .limits import Limits
from .rasters import open_image, parse_color
from .sandbox import render_text
from .textfit import fit_text

FORMATS = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP"}
MAX_LAYERS = 100
JPEG_QUALITY = 90
WEBP_QUALITY = 90

_SPEC_KEYS = {"width", "height", "background", "layers"}
_LAYER_KEYS = {
    "image": {"type", "src", "box", "fit", "padding"},
    "text": {
        "type", "text", "box", "font", "size", "min_size", "color", "align", "valign",
        "line_spacing", "wrap", "auto_fit",
    },
    "rect": {"type", "box", "fill"},
}  # fmt: skip
_FITS = ("contain", "cover")
_ALIGNS = ("left", "center", "right")
_VALIGNS = ("top", "middle", "bottom")


def render_image(
    spec: Mapping[str, Any],
    context: Mapping[str, Any],
    assets: AssetResolver,
    *,
    fmt: str = "png",
    limits: Limits = Limits(),
) -> bytes:
    """Draw ``spec`` at its declared size; same inputs give the same bytes."""
    pil_format = FORMATS.get(fmt.lower())
    if pil_format is None:
        raise RenderError(f"unknown image format {fmt!r} (png, jpeg or webp)")
    if not isinstance(spec, Mapping):
        raise RenderError("the image spec must be a mapping")
    _check_keys(spec, _SPEC_KEYS, "image spec")
    width, height = _canvas_size(spec, limits)
    layers = spec.get("layers", [])
    if not isinstance(layers, list):
        raise RenderError("layers must be a list")
    if len(layers) > MAX_LAYERS:
        raise RenderLimitExceeded(f"more than {MAX_LAYERS} layers")
    assets = assets.with_max_bytes(limits.max_asset_bytes)
    draw = _Drawing(width, height, context, assets, limits)
    draw.background(spec.get("background", "#ffffff"))
    for index, layer in enumerate(layers, 1):
        draw.layer(index, layer)
    data = _encode(draw.canvas, pil_format)
    if len(data) > limits.max_output_bytes:
        raise RenderLimitExceeded(f"image is larger than {limits.max_output_bytes} bytes")
    return data


def _check_keys(mapping: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise RenderError(f"{where}: unknown key {unknown[0]!r}")


def _canvas_size(spec: Mapping[str, Any], limits: Limits) -> tuple[int, int]:
    width, height = spec.get("width"), spec.get("height")
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise RenderError(f"image spec: {name} must be a positive whole number of pixels")
    if width * height > limits.max_pixels:
        raise RenderLimitExceeded(
            f"image of {width}x{height} pixels is more than the limit of {limits.max_pixels}"
        )
    return width, height


class _Drawing:
    """The canvas is RGB when the background is opaque (the usual case), else RGBA."""

    def __init__(
        self,
        width: int,
        height: int,
        context: Mapping[str, Any],
        assets: AssetResolver,
        limits: Limits,
    ):
        self.size = (width, height)
        self.canvas = Image.new("RGBA", self.size, (0, 0, 0, 0))
        self.context = context
        self.assets = assets
        self.limits = limits

    def _string(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise RenderError(f"{where} must be a string")
        if "{" not in value:
            return value
        return render_text(value, self.context, where)

    def _color(self, value: Any, where: str) -> tuple[int, int, int, int]:
        try:
            return parse_color(self._string(value, where).strip())
        except ValueError as exc:
            raise RenderError(f"{where}: {exc}") from None

    def background(self, background: Any) -> None:
        full = (0, 0, *self.size)
        if isinstance(background, Mapping):
            _check_keys(background, {"image", "fit", "color"}, "background")
            color = self._color(background.get("color", "#ffffff"), "background color")
            fit = background.get("fit", "cover")
            if fit not in _FITS:
                raise RenderError(f"background: fit must be one of {', '.join(_FITS)}")
            self._start(color)
            self._image(full, background.get("image"), fit, 0, "background")
        else:
            self._start(self._color(background, "background"))

    def _start(self, color: tuple[int, int, int, int]) -> None:
        mode = "RGB" if color[3] == 255 else "RGBA"
        self.canvas = Image.new(mode, self.size, color if mode == "RGBA" else color[:3])

    def layer(self, index: int, layer: Any) -> None:
        if not isinstance(layer, Mapping):
            raise RenderError(f"layer {index}: must be a mapping")
        kind = layer.get("type")
        where = f"layer {index} ({kind})"
        if kind not in _LAYER_KEYS:
            raise RenderError(f"layer {index}: unknown layer type {kind!r} (image, text or rect)")
        _check_keys(layer, _LAYER_KEYS[kind], where)
        box = self._box(layer.get("box"), where)
        if kind == "rect":
            self._fill(box, self._color(layer.get("fill", "#000000"), f"{where} fill"))
        elif kind == "image":
            fit = layer.get("fit", "contain")
            if fit not in _FITS:
                raise RenderError(f"{where}: fit must be one of {', '.join(_FITS)}")
            padding = _number(layer.get("padding", 0), f"{where} padding", minimum=0)
            self._image(box, layer.get("src"), fit, padding, where)
        else:
            self._text(box, layer, where)

    def _box(self, box: Any, where: str) -> tuple[int, int, int, int]:
        if not isinstance(box, list | tuple) or len(box) != 4:
            raise RenderError(f"{where}: box must be [x, y, width, height]")
        x, y, w, h = (round(_number(v, f"{where} box")) for v in box)
        width, height = self.size
        if w <= 0 or h <= 0:
            raise RenderError(f"{where}: box width and height must be positive")
        if x < 0 or y < 0 or x + w > width or y + h > height:
            raise RenderError(
                f"{where}: box [{x}, {y}, {w}, {h}] is outside the {width}x{height} canvas"
            )
        return x, y, w, h

    def _paint(
        self, box: tuple[int, int, int, int], color: tuple[int, int, int, int], mask=None
    ) -> None:
        """Paint ``color`` over the box, through an optional coverage mask ("L")."""
        x, y, w, h = box
        if color[3] != 255:
            alpha = color[3]
            if mask is None:
                mask = Image.new("L", (w, h), alpha)
            else:
                mask = mask.point(lambda v: v * alpha // 255)
        fill = color if self.canvas.mode == "RGBA" else color[:3]
        self.canvas.paste(fill, (x, y, x + w, y + h), mask)

    def _fill(self, box: tuple[int, int, int, int], color: tuple[int, int, int, int]) -> None:
        self._paint(box, color)

    def _image(
        self, box: tuple[int, int, int, int], src: Any, fit: str, padding: float, where: str
    ) -> None:
        url = self._string(src, f"{where} src").strip()
        data, _ = self.assets.resolve(url)
        image = open_image(data, url, self.limits.max_pixels)
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        x, y, w, h = box
        pad = round(padding)
        inner_w, inner_h = w - 2 * pad, h - 2 * pad
        if inner_w <= 0 or inner_h <= 0:
            raise RenderError(f"{where}: padding leaves no room for the image")
        if fit == "cover":
            placed = ImageOps.fit(image, (inner_w, inner_h), Image.Resampling.LANCZOS)
        else:
            placed = ImageOps.contain(image, (inner_w, inner_h), Image.Resampling.LANCZOS)
        left = x + pad + (inner_w - placed.width) // 2
        top = y + pad + (inner_h - placed.height) // 2
        if not has_alpha:
            self.canvas.paste(placed, (left, top))
        elif self.canvas.mode == "RGBA":
            self.canvas.alpha_composite(placed, (left, top))
        else:
            self.canvas.paste(placed, (left, top), placed)

    def _text(self, box: tuple[int, int, int, int], layer: Mapping[str, Any], where: str) -> None:
        text = self._string(layer.get("text", ""), f"{where} text")
        font_name = layer.get("font", "DejaVuSans")
        if font_name not in FONT_FILES:
            raise RenderError(f"{where}: unknown font {font_name!r} ({', '.join(FONT_FILES)})")
        size = round(_number(layer.get("size", 32), f"{where} size", minimum=1))
        min_size = round(_number(layer.get("min_size", size), f"{where} min_size", minimum=1))
        min_size = min(min_size, size)
        line_spacing = _number(layer.get("line_spacing", 1.2), f"{where} line_spacing", minimum=0.5)
        align, valign = layer.get("align", "left"), layer.get("valign", "top")
        if align not in _ALIGNS:
            raise RenderError(f"{where}: align must be one of {', '.join(_ALIGNS)}")
        if valign not in _VALIGNS:
            raise RenderError(f"{where}: valign must be one of {', '.join(_VALIGNS)}")
        color = self._color(layer.get("color", "#000000"), f"{where} color")

        def measure(line: str, at: float) -> float:
            return pil_font(font_name, int(at)).getlength(line)

        ascent, descent = pil_font(font_name, size).getmetrics()
        x, y, w, h = box
        fitted = fit_text(
            text,
            w,
            h,
            size=size,
            min_size=min_size,
            measure=measure,
            line_spacing=line_spacing,
            extent=(ascent + descent) / size,
            wrap=bool(layer.get("wrap", True)),
            shrink=bool(layer.get("auto_fit", True)),
            step=1,
        )
        font = pil_font(font_name, int(fitted.size))
        ascent, descent = font.getmetrics()
        pitch = fitted.size * line_spacing
        block = ascent + descent + pitch * (len(fitted.lines) - 1)
        top = {"top": 0, "middle": (h - block) / 2, "bottom": h - block}[valign]
        # glyphs are drawn as coverage into a mask of the box, which also clips them to it
        mask = Image.new("L", (w, h), 0)
        pen = ImageDraw.Draw(mask)
        baseline = top + ascent
        for line in fitted.lines:
            line_w = font.getlength(line)
            left = {"left": 0, "center": (w - line_w) / 2, "right": w - line_w}[align]
            pen.text((left, baseline), line, font=font, fill=255, anchor="ls")
            baseline += pitch
        self._paint(box, color, mask)


def _number(value: Any, where: str, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RenderError(f"{where} must be a number")
    if minimum is not None and value < minimum:
        raise RenderError(f"{where} must be at least {minimum:g}")
    return float(value)


def _encode(canvas: Image.Image, pil_format: str) -> bytes:
    image = canvas
    if pil_format == "JPEG" and canvas.mode == "RGBA":  # JPEG has no alpha: flatten on white
        image = Image.alpha_composite(Image.new("RGBA", canvas.size, "#ffffff"), canvas)
        image = image.convert("RGB")
    out = io.BytesIO()
    if pil_format == "PNG":
        image.save(out, "PNG")
    elif pil_format == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY)
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()
