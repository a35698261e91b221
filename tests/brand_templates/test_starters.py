"""Every starter template validates and renders with the sample partner."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from PIL import Image
from pypdf import PdfReader

from brand_templates import list_starters, load_starter, starter_slugs, validate
from brand_templates.rendering import render
from brand_templates.sample import SAMPLE_PARTNER, sample_context, sample_storage_get
from renderers.rasters import parse_color

STARTERS = {
    "product-flyer": "pdf",
    "datasheet": "pdf",
    "event-invitation": "email",
    "monthly-newsletter": "email",
    "social-landscape": "image",
    "social-square": "image",
    "brochure-stamp": "pdf-stamp",
}
MAX_ASSET_BYTES = 200 * 1024


def test_the_library_has_the_promised_starters():
    assert set(starter_slugs()) == set(STARTERS)
    assert {b.manifest.kind for b in list_starters()} == set(STARTERS.values())


@pytest.fixture(scope="module")
def rendered():
    """Each starter rendered once with the sample context (a few hundred ms each)."""
    return {
        slug: render(load_starter(slug), sample_context(), sample_storage_get) for slug in STARTERS
    }


@pytest.mark.parametrize("slug", sorted(STARTERS))
def test_starter_is_valid_and_well_formed(slug):
    bundle = load_starter(slug)
    assert validate(bundle) == []
    manifest = bundle.manifest
    assert manifest.kind == STARTERS[slug]
    assert manifest.description and manifest.version
    assert manifest.editable_fields, "partners need something to customize"
    for name, data in bundle.files.items():
        assert len(data) < MAX_ASSET_BYTES, f"{name} is {len(data)} bytes"
    sources = b" ".join(bundle.files.values()).decode("utf-8", "ignore")
    if manifest.kind != "pdf-stamp":
        assert "partner.logo" in sources and "partner.contact" in sources
        assert "partner.colors" in sources
    if manifest.kind != "image":
        assert any(not f.editable for f in manifest.fields.values()) or manifest.kind == "pdf-stamp"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("slug", ["product-flyer", "datasheet", "brochure-stamp"])
def test_pdf_starters_carry_the_partner(rendered, slug):
    result = rendered[slug]
    assert result.content_type == "application/pdf"
    text = pdf_text(result.data)
    assert SAMPLE_PARTNER["name"] in text
    assert SAMPLE_PARTNER["contact"]["phone"] in text
    assert "{{" not in text and "{%" not in text


def test_datasheet_has_two_pages_with_the_specs_on_the_second(rendered):
    pages = PdfReader(io.BytesIO(rendered["datasheet"].data)).pages
    assert len(pages) == 2
    second = pages[1].extract_text()
    assert "Technical specifications" in second.replace(
        "TECHNICAL SPECIFICATIONS", "Technical specifications"
    )
    assert "Round-trip efficiency" in second and SAMPLE_PARTNER["name"] in second


def test_datasheet_specs_follow_the_model_choice():
    context = sample_context()
    context["fields"] = {"model": "HomeVault 15"}
    text = pdf_text(render(load_starter("datasheet"), context, sample_storage_get).data)
    assert "15.3 kWh" in text and "10.2 kWh" not in text


def test_stamped_brochure_keeps_both_pages_and_stamps_each(rendered):
    pages = PdfReader(io.BytesIO(rendered["brochure-stamp"].data)).pages
    assert len(pages) == 2
    for page in pages:
        text = page.extract_text()
        assert SAMPLE_PARTNER["name"] in text and "hello@brightfield-energy.example" in text
        images = [
            name for name in page["/Resources"]["/XObject"] if str(name).startswith("/TandemIm")
        ]
        assert images, "the partner logo is stamped on every page"


@pytest.mark.parametrize("slug", ["event-invitation", "monthly-newsletter"])
def test_email_starters(rendered, slug):
    email = rendered[slug].email
    assert SAMPLE_PARTNER["name"] in html.unescape(email.html)
    assert SAMPLE_PARTNER["contact"]["phone"] in email.text
    for leftover in ("{{", "{%", "{#", "tdmjtag", "storage:"):
        assert leftover not in email.html and leftover not in email.subject
    assert email.subject and email.preheader
    # every image is self-contained in the downloadable file
    assert all(
        src.startswith("data:image/") for src in re.findall(r'<img[^>]+src="([^"]+)"', email.html)
    )


@pytest.mark.parametrize("slug", ["social-landscape", "social-square"])
def test_image_starters_show_the_partner_logo(rendered, slug):
    bundle = load_starter(slug)
    image = Image.open(io.BytesIO(rendered[slug].data)).convert("RGB")
    assert image.size == (bundle.manifest.width, bundle.manifest.height)
    spec = json.loads(bundle.files[bundle.manifest.spec])
    [logo_layer] = [layer for layer in spec["layers"] if layer.get("src") == "{{ partner.logo }}"]
    x, y, w, h = logo_layer["box"]
    box = image.crop((x, y, x + w, y + h))
    card = box.getpixel((2, 2))  # the layer's padding: the card behind the logo
    accent = parse_color(SAMPLE_PARTNER["colors"]["primary"])[:3]
    assert card != accent
    differing = sum(1 for pixel in list(box.get_flattened_data()) if pixel != card)
    assert differing > w * h * 0.05, "the logo box is empty"
    # the sample logo's amber sun is in there
    amber = parse_color("#f59e0b")[:3]
    assert any(
        all(abs(a - b) < 12 for a, b in zip(pixel, amber, strict=True))
        for pixel in list(box.get_flattened_data())
    )


@pytest.mark.parametrize("slug", sorted(STARTERS))
def test_starters_render_for_a_partner_with_a_bare_brand_kit(slug):
    """No logo, no tagline, missing keys: what a new partner looks like."""
    context = {
        "partner": {
            "name": "Bare Partner",
            "slug": "bare",
            "logo": None,
            "colors": {"primary": "#334455", "secondary": "#aabbcc"},
            "website": "https://bare.example",
            "contact": {"phone": "+49 30 1234567", "email": None, "website": None},
        },
        "vendor": {
            "name": "Lumora Energy",
            "logo": None,
            "colors": {"primary": "#1e3a8a", "secondary": "#38bdf8"},
        },
    }
    result = render(load_starter(slug), context)
    if result.kind in ("pdf", "pdf-stamp"):
        text = pdf_text(result.data)
        assert "Bare Partner" in text and "None" not in text
    elif result.kind == "email":
        assert "Bare Partner" in result.email.html and ">None<" not in result.email.html
    else:
        assert Image.open(io.BytesIO(result.data)).size == (
            load_starter(slug).manifest.width,
            load_starter(slug).manifest.height,
        )
