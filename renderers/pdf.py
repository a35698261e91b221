"""HTML templates to PDF: the Jinja sandbox, then WeasyPrint, in a time-limited child."""

from __future__ import annotations

import atexit
import io
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping
from contextlib import contextmanager
from typing import Any

from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.logger import LOGGER, PROGRESS_LOGGER
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .assets import AssetResolver, normalize_path
from .errors import AssetRefused, ImageUnreadable, RenderError, RenderLimitExceeded
from .fonts import FONT_FILES, font_bytes, font_face_css
from .limits import Limits, in_render_child, run_limited
from .sandbox import cached_template, render_string

# Relative URLs are joined to this base. 'asset:' is not a hierarchical scheme, so
# urljoin leaves relative references untouched and the resolver sees them verbatim,
# '../' included, and can refuse them by name.
BASE_URL = "asset:"
_FONT_URL = "tandem-font:"
FONT_TIMESTAMP = "946684800"  # 2000-01-01T00:00:00Z
_DEFAULT_CSS = font_face_css(_FONT_URL) + 'html { font-family: "DejaVu Sans"; }\n'


def render_html_pdf(
    html_source: str,
    context: Mapping[str, Any],
    assets: AssetResolver,
    *,
    filename: str = "template.html",
    limits: Limits = Limits(),
) -> bytes:
    """Render a Jinja HTML template to PDF bytes; same inputs give the same bytes."""
    # WeasyPrint writes @font-face fonts to temporary folders it removes when garbage
    # collected, which a render child never is: its temporary files go to a folder
    # this process removes, even when the child had to be killed.
    # compiled and fonts loaded here, once, so that every render child inherits them
    cached_template(html_source, filename)
    _shared_fonts()
    with tempfile.TemporaryDirectory(prefix="tandem-render-") as scratch:
        return run_limited(
            _render,
            html_source,
            context,
            assets.with_max_bytes(limits.max_asset_bytes),
            filename,
            limits,
            scratch,
            timeout_s=limits.timeout_s,
        )


def _render(
    html_source: str,
    context: Mapping[str, Any],
    assets: AssetResolver,
    filename: str,
    limits: Limits,
    scratch: str,
) -> bytes:
    tempfile.tempdir = scratch  # this process only: it is a render child
    html = render_string(html_source, context, filename, max_chars=limits.max_output_bytes)
    return html_to_pdf(html, assets, limits)


def html_to_pdf(html: str, assets: AssetResolver, limits: Limits) -> bytes:
    """WeasyPrint with only the resolver's assets, the shipped fonts and the page limit.

    Meant to run in a render child: it changes WeasyPrint's progress logger.
    """
    fetcher = AssetFetcher(assets, limits.max_pixels)
    unreadable = _UnreadableImages()
    try:
        with _page_guard(limits.max_pages), _fixed_font_timestamps(), unreadable:
            font_config, stylesheet = _fonts_for_render()
            document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
                font_config=font_config, stylesheets=[stylesheet]
            )
    except FatalURLFetchingError as exc:
        if isinstance(exc.__cause__, RenderError):
            raise exc.__cause__ from None
        raise RenderError(str(exc)) from None
    fetcher.raise_refused()
    unreadable.raise_first()
    if len(document.pages) > limits.max_pages:
        raise RenderLimitExceeded(f"document has more than {limits.max_pages} pages")
    # the identifier is a hash of the content; WeasyPrint adds no dates of its own
    with _fixed_font_timestamps(), unreadable:
        pdf = document.write_pdf(pdf_identifier=True)
    fetcher.raise_refused()
    unreadable.raise_first()
    if len(pdf) > limits.max_output_bytes:
        raise RenderLimitExceeded(f"PDF is larger than {limits.max_output_bytes} bytes")
    return pdf


_shared: tuple[FontConfiguration, CSS] | None = None
_shared_lock = threading.Lock()
_WARM_UP = "<p>Warm <b>up</b> <i>0123</i></p>"


def _shared_fonts() -> tuple[FontConfiguration, CSS]:
    """A font configuration with the shipped fonts loaded and laid out once, per process.

    Loading two fonts into fontconfig and Pango's first layout with them cost a fresh
    render child about a sixth of a typical flyer; made in the parent, every child
    inherits them ready.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            font_config = FontConfiguration()
            fetcher = AssetFetcher(AssetResolver({}))
            stylesheet = CSS(string=_DEFAULT_CSS, font_config=font_config, url_fetcher=fetcher)
            HTML(string=_WARM_UP, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(
                font_config=font_config, stylesheets=[stylesheet]
            )
            _shared = (font_config, stylesheet)
            atexit.register(_remove_shared_fonts, font_config, os.getpid())
        return _shared


def _remove_shared_fonts(font_config: FontConfiguration, pid: int) -> None:
    # WeasyPrint removes this folder when the configuration is garbage collected,
    # which a module-level one may never be; only the process that made it may.
    folder = getattr(font_config, "_folder", None)
    if folder and os.getpid() == pid:
        shutil.rmtree(folder, ignore_errors=True)


def _fonts_for_render() -> tuple[FontConfiguration, CSS]:
    if in_render_child() and _shared is not None and hasattr(_shared[0], "_folder"):
        font_config, stylesheet = _shared
        # A template's own @font-face fonts are written to the configuration's folder,
        # named by their descriptors: a child must use a folder of its own (in its
        # scratch folder), never the parent's, or one template could get another's font.
        font_config._folder = None
        return font_config, stylesheet
    font_config = FontConfiguration()
    fetcher = AssetFetcher(AssetResolver({}))
    return font_config, CSS(string=_DEFAULT_CSS, font_config=font_config, url_fetcher=fetcher)


class AssetFetcher(URLFetcher):
    """WeasyPrint URL fetcher that only serves the shipped fonts and resolver assets.

    Refusals are fatal (``fail_on_errors``) and also recorded, so that no code path in
    WeasyPrint can turn them into a log line and a silently missing image.
    """

    def __init__(self, assets: AssetResolver, max_pixels: int = Limits.max_pixels):
        super().__init__(fail_on_errors=True, allowed_protocols=())
        self.assets = assets
        self.max_pixels = max_pixels
        self.refused: list[RenderError] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith(_FONT_URL) and url[len(_FONT_URL) :] in FONT_FILES:
            return URLFetcherResponse(
                url, font_bytes(url[len(_FONT_URL) :]), {"Content-Type": "font/ttf"}
            )
        try:
            data, mime = self.assets.resolve(url)
            if mime.startswith("image/") and mime != "image/svg+xml":
                _check_pixels(data, url, self.max_pixels)
        except (AssetRefused, RenderLimitExceeded) as exc:
            self.refused.append(exc)
            raise
        return URLFetcherResponse(_response_url(url), data, {"Content-Type": mime})

    def raise_refused(self) -> None:
        if self.refused:
            raise self.refused[0]


def _check_pixels(data: bytes, url: str, max_pixels: int) -> None:
    # WeasyPrint would catch Pillow's DecompressionBombError and just leave the image
    # out; the header says how large the image is before anything is decoded.
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Image.DecompressionBombError as exc:
        raise RenderLimitExceeded(f"image {url!r} is too large to decode: {exc}") from None
    except Exception:  # not an image Pillow knows: WeasyPrint reports it
        return
    if width * height > max_pixels:
        raise RenderLimitExceeded(
            f"image {url!r} is {width}x{height} pixels, more than the limit of {max_pixels}"
        )


def _response_url(url: str) -> str:
    # a stylesheet's own URL is the base for its url()s: keep template paths relative
    path = url[len("asset:") :] if url.startswith("asset:") else url
    return normalize_path(path.split("?", 1)[0].split("#", 1)[0]) or url


@contextmanager
def _fixed_font_timestamps():
    # fontTools stamps the subset fonts' 'head' table with the current time unless
    # SOURCE_DATE_EPOCH is set (reproducible-builds.org); without it, output bytes
    # change from one second to the next.
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = FONT_TIMESTAMP
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


class _PageLimit(logging.Filter):
    """Stops layout as soon as WeasyPrint starts the page after the last allowed one."""

    def __init__(self, max_pages: int):
        super().__init__()
        self.max_pages = max_pages

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            isinstance(record.msg, str)
            and record.msg.startswith("Step 5 - Creating layout - Page")
            and record.args
            and isinstance(record.args[0], int)
            and record.args[0] > self.max_pages
        ):
            raise RenderLimitExceeded(f"document has more than {self.max_pages} pages")
        return False


class _page_guard:
    # WeasyPrint announces each page it lays out on its progress logger; listening
    # there stops a 10 000-page loop at page 51 instead of after laying out all of it.
    # The page count is checked again after layout in case those messages change.

    def __init__(self, max_pages: int):
        self.filter = _PageLimit(max_pages)

    def __enter__(self):
        self.level = PROGRESS_LOGGER.level
        PROGRESS_LOGGER.setLevel(logging.INFO)
        PROGRESS_LOGGER.addFilter(self.filter)
        return self

    def __exit__(self, *exc_info):
        PROGRESS_LOGGER.removeFilter(self.filter)
        PROGRESS_LOGGER.setLevel(self.level)


# what WeasyPrint logs, on LOGGER, when it leaves an image out of the document
_IMAGE_FAILURES = ("Failed to load image", "Failed to load inline SVG", "Failed to render SVG")
# Pillow names the file object it could not read: "cannot identify image file <_io...>"
_OBJECT_REPR = re.compile(r"\s*<[\w.]+ object at 0x[0-9a-fA-F]+>")


class _UnreadableImages(logging.Filter):
    """Turns WeasyPrint's "Failed to load image" log lines into an error of the render.

    WeasyPrint catches an image it cannot decode, logs it and lays the page out without
    it; a co-branded flyer without its picture must fail instead. Errors are logged
    above the default level, but the logger's level is lowered for the render in case
    the application raised it. Meant to run in a render child.
    """

    def __init__(self):
        super().__init__()
        self.failures: list[ImageUnreadable] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if not (isinstance(record.msg, str) and record.msg.startswith(_IMAGE_FAILURES)):
            return True
        self.failures.append(_unreadable(record))
        return False  # an error of the render now, not a log line

    def raise_first(self) -> None:
        if self.failures:
            raise self.failures[0]

    def __enter__(self):
        self.level = LOGGER.level
        if LOGGER.getEffectiveLevel() > logging.ERROR:
            LOGGER.setLevel(logging.ERROR)
        LOGGER.addFilter(self)
        return self

    def __exit__(self, *exc_info):
        LOGGER.removeFilter(self)
        LOGGER.setLevel(self.level)


def _unreadable(record: logging.LogRecord) -> ImageUnreadable:
    args = record.args if isinstance(record.args, tuple) else ()
    if record.msg.startswith("Failed to load image") and len(args) == 2:
        url, error = args
        return ImageUnreadable(_response_url(str(url)), _reason(error))
    if record.msg.startswith("Failed to load inline SVG") and args:
        return ImageUnreadable("<svg> in the HTML", _reason(args[0]))
    url = str(args[0]) if args else "<svg>"
    return ImageUnreadable(_response_url(url), "the SVG image cannot be drawn")


def _reason(error: object) -> str:
    # WeasyPrint's ImageLoadingError says nothing itself; the error it wraps does
    cause = getattr(error, "__cause__", None) or error
    detail = _OBJECT_REPR.sub("", str(cause)).strip()
    if isinstance(cause, BaseException) and not detail:
        detail = type(cause).__name__
    return detail or "not a readable image"
