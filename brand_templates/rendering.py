"""Rendering a bundle with a context: dispatch to the renderers, cache keys, previews."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape, unescape
from typing import Any

import renderers
from renderers.assets import AssetResolver
from renderers.email import RenderedEmail, compile_mjml, render_email
from renderers.image import render_image
from renderers.limits import Limits
from renderers.pdf import render_html_pdf
from renderers.preview import email_preview_html, email_thumbnail, image_thumbnail, pdf_thumbnail
from renderers.stamp import Zone, stamp_pdf

from .bundle import TemplateBundle
from .context import PARTNER_SHAPE, VENDOR_SHAPE, conform
from .fields import resolve_values
from .manifest import MANIFEST_FILE, Manifest

# what each kind can be rendered to; the first is the default
FORMATS: dict[str, tuple[str, ...]] = {
    "pdf": ("pdf", "png"),
    "pdf-stamp": ("pdf", "png"),
    "email": ("html",),
    "image": ("png", "jpeg", "webp"),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "html": "text/html; charset=utf-8",
}
EXTENSIONS = {"pdf": "pdf", "png": "png", "jpeg": "jpg", "webp": "webp", "html": "html"}
# a PDF rendered "as png" is its first page at this width (about 150 dpi for A4)
PDF_RASTER_WIDTH = 1240
PREVIEW_WIDTH = 400
# a transparent pixel, standing in for a missing logo in image layers
BLANK_PNG = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNgYGBgAAAABQABeqhXUAAAAABJRU5ErkJggg=="
)


@dataclass(frozen=True)
class RenderedAsset:
    kind: str
    content_type: str
    data: bytes
    extension: str
    email: RenderedEmail | None = None

    @property
    def format(self) -> str:
        return next(fmt for fmt, ext in EXTENSIONS.items() if ext == self.extension)


def output_format(manifest: Manifest, fmt: str | None) -> str:
    """FMT checked against the template's kind (None: the kind's default)."""
    allowed = FORMATS[manifest.kind]
    if fmt is None:
        return allowed[0]
    fmt = {"jpg": "jpeg", "htm": "html"}.get(fmt.lower(), fmt.lower())
    if fmt not in allowed:
        raise ValueError(f"a {manifest.kind} template renders to {', '.join(allowed)}, not {fmt!r}")
    return fmt


def render_context(bundle: TemplateBundle, context: Mapping) -> dict[str, Any]:
    """The context the template sees: partner, vendor and every field resolved.

    ``context["fields"]`` holds values already chosen (presets and overrides merged by the
    domain); they are checked and cleaned again, and missing ones get their defaults, so a
    renderer never sees an unsanitized rich text or an unchecked URL.
    """
    manifest = bundle.manifest
    context = {
        **context,
        "partner": conform(context.get("partner"), PARTNER_SHAPE),
        "vendor": conform(context.get("vendor"), VENDOR_SHAPE),
    }
    values = resolve_values(
        manifest,
        context,
        preset=context.get("fields") or {},
        overrides={},
        as_partner=False,
        files=bundle.files.keys(),
    )
    if manifest.kind == "image":
        # an image spec cannot say "if there is a logo": draw nothing where there is none
        for who in ("partner", "vendor"):
            if not context[who]["logo"]:
                context[who]["logo"] = BLANK_PNG
        for name, spec in manifest.fields.items():
            if spec.type == "image" and not values[name]:
                values[name] = BLANK_PNG
    return {"partner": context["partner"], "vendor": context["vendor"], "fields": values}


def render(
    bundle: TemplateBundle,
    context: Mapping,
    assets_storage_get: Callable[[str], bytes] | None = None,
    *,
    fmt: str | None = None,
    limits: Limits | None = None,
    publish_image: Callable[[bytes, str], str | None] | None = None,
) -> RenderedAsset:
    """Render BUNDLE for CONTEXT ({partner, vendor, fields}) to FMT.

    ``assets_storage_get(key)`` returns the bytes of ``storage:<key>`` URLs (partner logos,
    uploads); without it only the template's own files can be used. Raises the renderers'
    RenderError subclasses, FieldValueError for bad values, TemplateInvalid for a broken
    manifest and ValueError for a format the kind cannot produce.

    An email's images are the template's files and stored files, which a mail client cannot
    fetch: ``publish_image(data, mime type)`` publishes each and returns its absolute URL
    (see ``link_email_assets``); without it they are inlined as ``data:`` URLs, which makes a
    self-contained file for the app's own previews (mail clients do not show them).
    """
    manifest = bundle.manifest
    fmt = output_format(manifest, fmt)
    limits = limits or Limits()
    if manifest.max_pages is not None:
        limits = dataclasses.replace(limits, max_pages=manifest.max_pages)
    ctx = render_context(bundle, context)
    assets = AssetResolver(
        {name: data for name, data in bundle.files.items() if name != MANIFEST_FILE},
        assets_storage_get,
    )
    if manifest.kind == "email":
        rendered_email = _render_email(bundle, manifest, ctx)
        html = link_email_assets(
            rendered_email.html, assets, publish_image, stored=stored_images(bundle, ctx)
        )
        rendered_email = dataclasses.replace(rendered_email, html=html)
        return RenderedAsset(
            "email", CONTENT_TYPES["html"], html.encode("utf-8"), "html", rendered_email
        )
    if manifest.kind == "image":
        data = render_image(_image_spec(bundle, manifest), ctx, assets, fmt=fmt, limits=limits)
        return RenderedAsset("image", CONTENT_TYPES[fmt], data, EXTENSIONS[fmt])
    if manifest.kind == "pdf":
        assert manifest.source is not None
        html = with_page_size(bundle.text(manifest.source), manifest.page_size)
        pdf = render_html_pdf(html, ctx, assets, filename=manifest.source, limits=limits)
    else:
        assert manifest.pdf is not None
        pdf = stamp_pdf(
            bundle.files[manifest.pdf],
            stamp_zones(manifest),
            stamp_values(ctx),
            assets,
            limits=limits,
        )
    if fmt == "png":
        return RenderedAsset(
            manifest.kind, CONTENT_TYPES["png"], pdf_thumbnail(pdf, width=PDF_RASTER_WIDTH), "png"
        )
    return RenderedAsset(manifest.kind, CONTENT_TYPES["pdf"], pdf, "pdf")


def with_page_size(html: str, page_size: str) -> str:
    """The HTML with the manifest's page size as a default the template's own CSS overrides.

    Inserted on the line of <head> (or the first line), so error line numbers stay true.
    """
    rule = f"<style>@page {{ size: {page_size}; }}</style>"
    match = re.search(r"<head(\s[^>]*)?>", html, re.IGNORECASE)
    if match:
        return html[: match.end()] + rule + html[match.end() :]
    return rule + html


# where an email names images: src and background attributes (Outlook's VML too), and url()
# in CSS, which is only looked for inside style attributes and <style> elements: text that
# happens to read "url(...)" is a partner's words, not a reference
EMAIL_IMAGE_ATTR = re.compile(
    r"""(?P<lead>\b(?:src|background)\s*=\s*)(?P<q>["'])(?P<ref>[^"'<>]*)(?P=q)(?P<tail>)""",
    re.IGNORECASE,
)
EMAIL_CSS = re.compile(
    r"""(?P<attr>\bstyle\s*=\s*(?P<q>["']))(?P<style>.*?)(?P=q)"""
    r"""|(?P<open><style\b[^>]*>)(?P<sheet>.*?)(?=</style\s*>)""",
    re.IGNORECASE | re.DOTALL,
)
CSS_URL = re.compile(
    r"""(?P<lead>url\(\s*)(?P<q>["']?)(?P<ref>[^"')<>]*)(?P=q)(?P<tail>\s*\))""", re.IGNORECASE
)


STORAGE_REF = re.compile(r"""storage:[^\s"'<>()]+""")


def stored_images(bundle: TemplateBundle, ctx: Mapping) -> frozenset[str]:
    """The stored files (``storage:<key>``) an email of BUNDLE may show for CTX: the
    partner's and the vendor's logos, the values of its image fields (which the domain
    checks are the partner's own) and those its source names itself."""
    manifest = bundle.manifest
    assert manifest.source is not None
    refs = [ctx["partner"].get("logo"), ctx["vendor"].get("logo")]
    refs += STORAGE_REF.findall(bundle.text(manifest.source))
    refs += [
        ctx["fields"].get(name) for name, spec in manifest.fields.items() if spec.type == "image"
    ]
    return frozenset(
        ref.strip() for ref in refs if isinstance(ref, str) and ref.strip().startswith("storage:")
    )


def link_email_assets(
    html: str,
    assets: AssetResolver,
    publish_image: Callable[[bytes, str], str | None] | None = None,
    *,
    stored: frozenset[str] = frozenset(),
) -> str:
    """Point an email's images at the URLs PUBLISH_IMAGE gives them, or inline them.

    The images are the template's own files and the stored files in STORED, read through
    ASSETS; any other ``storage:`` reference (typed by someone as text, say) is left as it
    is. ``publish_image(data, mime type)`` returns the absolute URL it published the bytes
    under, or None for a file that is no image a mail client shows (which stays inline).
    When publishing, ``data:`` URLs the template writes itself are published too, so that
    no image depends on ``data:`` support. Without PUBLISH_IMAGE every image is inlined.
    """
    files = assets.template_files
    urls: dict[str, str] = {}  # an image used twice (img and VML) is published once

    def target(ref: str) -> str | None:
        plain = unescape(ref).strip()
        if plain.startswith("storage:"):
            return plain if plain in stored else None
        if publish_image is not None and plain[:5].lower() == "data:":
            return plain
        name = plain[len("asset:") :] if plain.startswith("asset:") else plain
        return plain if name in files else None

    def url_of(found: str) -> str:
        if found not in urls:
            data, mime = assets.resolve(found)
            url = publish_image(data, mime) if publish_image is not None else None
            if url is None:
                url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
            urls[found] = url
        return urls[found]

    def replace(match: re.Match) -> str:
        found = target(match["ref"])
        if found is None:
            return match[0]
        url = url_of(found)
        return f"{match['lead']}{match['q']}{escape(url, quote=True)}{match['q']}{match['tail']}"

    def replace_in_css(match: re.Match) -> str:
        if match["attr"]:
            return f"{match['attr']}{CSS_URL.sub(replace, match['style'])}{match['q']}"
        return f"{match['open']}{CSS_URL.sub(replace, match['sheet'])}"

    return EMAIL_CSS.sub(replace_in_css, EMAIL_IMAGE_ATTR.sub(replace, html))


def _render_email(bundle: TemplateBundle, manifest: Manifest, ctx: Mapping) -> RenderedEmail:
    assert manifest.source is not None and manifest.subject is not None
    compiled = compile_mjml(bundle.text(manifest.source), filename=manifest.source)
    # the email is sent by the partner's email service: its merge tags, written in
    # {% raw %} blocks, are kept
    return render_email(
        compiled, ctx, subject=manifest.subject, preheader=manifest.preheader, keep_raw=True
    )


def _image_spec(bundle: TemplateBundle, manifest: Manifest) -> dict[str, Any]:
    assert manifest.spec is not None
    spec = json.loads(bundle.text(manifest.spec))
    spec["width"], spec["height"] = manifest.width, manifest.height
    return spec


# what a stamp zone without a ``field`` shows: the partner's brand kit
PARTNER_LOGO_VALUE = "partner.logo"
PARTNER_CONTACT_VALUE = "partner.contact"
DEFAULT_ZONE_VALUES = {"logo": PARTNER_LOGO_VALUE, "contact": PARTNER_CONTACT_VALUE}


def stamp_zones(manifest: Manifest) -> list[Zone]:
    return [
        Zone(
            page=zone.page,
            x=zone.x,
            y=zone.y,
            width=zone.width,
            height=zone.height,
            content=zone.content,
            field=zone.field or DEFAULT_ZONE_VALUES[zone.content],
            font=zone.font,
            size=zone.size,
            color=zone.color,
            align=zone.align,
            shrink_to_fit=zone.shrink_to_fit,
            fit=zone.fit,
        )
        for zone in manifest.zones
    ]


def contact_lines(partner: Mapping) -> list[str]:
    """The partner's contact block as lines: address, phone, email, website."""
    contact = partner.get("contact") or {}
    lines = [line.strip() for line in str(contact.get("address") or "").splitlines()]
    lines += [str(contact.get(key) or "") for key in ("phone", "email")]
    website = str(contact.get("website") or "")
    lines.append(re.sub(r"^https?://", "", website).rstrip("/"))
    return [line for line in lines if line]


def stamp_values(ctx: Mapping) -> dict[str, Any]:
    """The values stamp zones draw from: the fields, the partner's logo and contact block."""
    partner = ctx["partner"]
    return {
        **ctx["fields"],
        PARTNER_LOGO_VALUE: partner.get("logo") or "",
        PARTNER_CONTACT_VALUE: contact_lines(partner),
    }


# --- caching and previews -----------------------------------------------------------------


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, str):
        return str.__str__(value)  # Markup and plain text of the same characters are equal
    return value


def render_key(
    template_version_id_or_hash: int | str,
    values: Mapping,
    brand_kit_version: int | str,
    fmt: str,
    *,
    links: str | None = None,
) -> str:
    """A cache key for a render: equal inputs (and renderer version) give equal keys.

    LINKS says where the render's images are published if they are not inlined (an email's
    URL prefix): the same values make another file then, so another key.
    """
    payload = {
        "template": str(template_version_id_or_hash),
        "values": _canonical(values),
        "brand_kit": str(brand_kit_version),
        "format": fmt,
        "renderer": renderers.RENDERER_VERSION,
    }
    if links is not None:
        payload["links"] = links
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def preview(rendered: RenderedAsset, *, width: int = PREVIEW_WIDTH) -> bytes | str:
    """A PNG thumbnail for PDFs and images; HTML (for a sandboxed iframe) for emails."""
    if rendered.email is not None:
        return email_preview_html(rendered.email)
    return thumbnail(rendered, width=width)


def thumbnail(rendered: RenderedAsset, *, width: int = PREVIEW_WIDTH) -> bytes:
    """A PNG thumbnail of any kind: an email's is a picture of its top, as an inbox shows
    it (its images inlined: rendered without ``asset_url``)."""
    if rendered.email is not None:
        return email_thumbnail(rendered.email.html, width=width)
    if rendered.extension == "pdf":
        return pdf_thumbnail(rendered.data, width=width)
    return image_thumbnail(rendered.data, width=width)
