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
    asset_url: Callable[[str], str] | None = None,
) -> RenderedAsset:
    """Render BUNDLE for CONTEXT ({partner, vendor, fields}) to FMT.

    ``assets_storage_get(key)`` returns the bytes of ``storage:<key>`` URLs (partner logos,
    uploads); without it only the template's own files can be used. Raises the renderers'
    RenderError subclasses, FieldValueError for bad values, TemplateInvalid for a broken
    manifest and ValueError for a format the kind cannot produce.

    An email's images are the template's files and stored files, which a mail client cannot
    fetch: ``asset_url(ref)`` turns each (``images/x.png``, ``storage:<key>``) into the
    address to publish it under; without it they are inlined as ``data:`` URLs, which makes
    a self-contained file for previews and downloads.
    """
    manifest = bundle.manifest
    fmt = output_format(manifest, fmt)
    limits = limits or Limits()
    ctx = render_context(bundle, context)
    assets = AssetResolver(
        {name: data for name, data in bundle.files.items() if name != MANIFEST_FILE},
        assets_storage_get,
    )
    if manifest.kind == "email":
        rendered_email = _render_email(bundle, manifest, ctx)
        html = link_email_assets(rendered_email.html, assets, asset_url)
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


EMAIL_ASSET_RE = re.compile(
    r"""(?P<lead>\b(?:src|background)\s*=\s*)(?P<q>["'])(?P<ref>[^"'<>]*)(?P=q)"""
    r"""|(?P<css>url\(\s*)(?P<cq>["']?)(?P<cref>[^"')<>]*)(?P=cq)\s*\)""",
    re.IGNORECASE,
)


def link_email_assets(
    html: str, assets: AssetResolver, asset_url: Callable[[str], str] | None = None
) -> str:
    """Point an email's template and stored images at ASSET_URL(ref), or inline them."""
    files = assets.template_files

    def target(ref: str) -> str | None:
        plain = unescape(ref).strip()
        if plain.startswith("storage:"):
            return plain
        name = plain[len("asset:") :] if plain.startswith("asset:") else plain
        return plain if name in files else None

    def replace(match: re.Match) -> str:
        ref = match["ref"] if match["lead"] else match["cref"]
        found = target(ref)
        if found is None:
            return match[0]
        if asset_url is not None:
            url = asset_url(found)
        else:
            data, mime = assets.resolve(found)
            url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        if match["lead"]:
            return f"{match['lead']}{match['q']}{escape(url, quote=True)}{match['q']}"
        return f"{match['css']}{match['cq']}{escape(url, quote=True)}{match['cq']})"

    return EMAIL_ASSET_RE.sub(replace, html)


def _render_email(bundle: TemplateBundle, manifest: Manifest, ctx: Mapping) -> RenderedEmail:
    assert manifest.source is not None and manifest.subject is not None
    compiled = compile_mjml(bundle.text(manifest.source), filename=manifest.source)
    return render_email(compiled, ctx, subject=manifest.subject, preheader=manifest.preheader)


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
) -> str:
    """A cache key for a render: equal inputs (and renderer version) give equal keys."""
    payload = {
        "template": str(template_version_id_or_hash),
        "values": _canonical(values),
        "brand_kit": str(brand_kit_version),
        "format": fmt,
        "renderer": renderers.RENDERER_VERSION,
    }
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
