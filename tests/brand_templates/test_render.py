"""Rendering bundles: dispatch by kind, values as data (never code), cache keys, previews."""

from __future__ import annotations

import base64
import html
import io
import json
import re

import pytest
from PIL import Image
from pypdf import PdfReader

import renderers
from brand_templates.bundle import TemplateBundle
from brand_templates.errors import FieldValueError
from brand_templates.rendering import output_format, preview, render, render_key, with_page_size
from brand_templates.sample import sample_storage_get
from renderers.errors import AssetNotFound

from .conftest import make_bundle, png, toml

SSTI = "{{ ''.__class__ }}{% print 7*7 %}"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pdf_render_uses_values_as_data_not_code(pdf_bundle, context):
    context["fields"] = {"headline": SSTI}
    rendered = render(pdf_bundle, context, sample_storage_get)
    assert (rendered.kind, rendered.content_type, rendered.extension) == (
        "pdf",
        "application/pdf",
        "pdf",
    )
    text = pdf_text(rendered.data)
    assert "{{ ''.__class__ }}{% print 7*7 %}" in text
    assert "<class" not in text and "49" not in text
    assert "Brightfield Energy Solutions" in text and "+1 (503) 555-0142" in text
    assert "Locked text" in text


def test_page_size_from_the_manifest_is_a_default():
    assert with_page_size("<html><head><title>x</title>", "Letter") == (
        "<html><head><style>@page { size: Letter; }</style><title>x</title>"
    )
    assert with_page_size("<p>x</p>", "A5").startswith("<style>@page { size: A5; }</style><p>")


def test_manifest_page_size_applies(context):
    bundle = make_bundle(
        {
            "template.toml": toml(
                'name = "L"\nkind = "pdf"\nsource = "a.html"\npage_size = "Letter"\n'
            ),
            "a.html": "<html><head></head><body>{{ partner.name }}</body></html>",
        }
    )
    page = PdfReader(io.BytesIO(render(bundle, context).data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)


def test_locked_and_bad_values_stop_the_render(pdf_bundle, context):
    context["fields"] = {"headline": "x" * 61}
    with pytest.raises(FieldValueError, match="headline: is 61 characters long"):
        render(pdf_bundle, context, sample_storage_get)


def test_a_missing_stored_logo_is_an_asset_error(pdf_bundle, context):
    context["partner"]["logo"] = "storage:samples/none.png"
    with pytest.raises(AssetNotFound):
        render(pdf_bundle, context, sample_storage_get)


EMAIL_MANIFEST = """
    name = "Mail"
    kind = "email"
    source = "mail.mjml"
    subject = "News for {{ partner.name }}: {{ fields.headline }}"
    preheader = "{{ fields.headline }}"

    [fields.headline]
    type = "text"
    default = "Hello"
    editable = true

    [fields.intro]
    type = "richtext"
    editable = true
"""

EMAIL_SOURCE = """<mjml><mj-body>
<mj-section><mj-column>
<mj-image src="{{ partner.logo }}" alt="{{ partner.name }}" />
<mj-image src="images/dot.png" />
<mj-text>{{ fields.headline }}</mj-text>
<mj-text>{{ fields.intro }}</mj-text>
</mj-column></mj-section>
</mj-body></mjml>
"""


@pytest.fixture
def email_bundle():
    return make_bundle(
        {"template.toml": toml(EMAIL_MANIFEST), "mail.mjml": EMAIL_SOURCE, "images/dot.png": png()}
    )


def test_email_render_keeps_values_as_text(email_bundle, context):
    context["fields"] = {
        "headline": SSTI,
        "intro": '<p>Hi <a href="javascript:x()">x</a><script>alert(1)</script></p>',
    }
    rendered = render(email_bundle, context, sample_storage_get)
    email = rendered.email
    assert rendered.kind == "email" and rendered.extension == "html"
    assert rendered.data == email.html.encode()
    shown = html.unescape(email.html)
    assert "{{ ''.__class__ }}{% print 7*7 %}" in shown
    assert (
        "<class" not in shown and "<script>" not in email.html and "javascript:" not in email.html
    )
    assert email.subject == "News for Brightfield Energy Solutions: " + SSTI
    assert "{{ ''.__class__ }}" in email.text


def test_email_images_are_inlined_or_published(email_bundle, context):
    inlined = render(email_bundle, context, sample_storage_get).email.html
    assert 'src="data:image/png;base64,' in inlined
    assert "storage:" not in inlined and 'src="images/dot.png"' not in inlined
    published_bytes = []

    def publish(data: bytes, mime: str) -> str:
        published_bytes.append((data, mime))
        return f"https://cdn.example/{len(published_bytes)}.png"

    published = render(email_bundle, context, sample_storage_get, publish_image=publish).email
    # each image once, with its bytes and sniffed type, however often the email shows it
    assert published_bytes == [
        (sample_storage_get("samples/brightfield-logo.png"), "image/png"),
        (email_bundle.files["images/dot.png"], "image/png"),
    ]
    assert 'src="https://cdn.example/1.png"' in published.html
    assert 'src="https://cdn.example/2.png"' in published.html
    assert "data:" not in published.html


def test_publishing_covers_backgrounds_vml_css_and_data_urls(context):
    pixel = png(3, 3)
    source = f"""<mjml><mj-head><mj-style>.x {{ background: url('images/dot.png'); }}</mj-style>
</mj-head><mj-body>
<mj-section background-url="{{{{ partner.logo }}}}"><mj-column><mj-text>a</mj-text>
</mj-column></mj-section>
<mj-hero background-url="images/dot.png" background-height="100px" background-width="600px">
<mj-text>b</mj-text></mj-hero>
<mj-section><mj-column><mj-image src="data:image/png;base64,{base64.b64encode(pixel).decode()}" />
<mj-text>Read url(images/dot.png) in the text</mj-text></mj-column></mj-section>
</mj-body></mjml>"""
    bundle = make_bundle(
        {"template.toml": toml(EMAIL_MANIFEST), "mail.mjml": source, "images/dot.png": png()}
    )
    published = {}

    def publish(data: bytes, mime: str) -> str:
        return published.setdefault(data, f"https://cdn.example/{len(published)}.png")

    email = render(bundle, context, sample_storage_get, publish_image=publish).email.html
    assert set(published) == {sample_storage_get("samples/brightfield-logo.png"), png(), pixel}
    # every src and background attribute (Outlook's VML among them) and every CSS url()
    refs = re.findall(r"""\b(?:src|background)\s*=\s*["']([^"']*)""", email)
    refs += re.findall(r"""url\(\s*['"]?([^'")]*)""", email)
    images = [ref for ref in refs if "fonts.googleapis.com" not in ref]
    assert len(images) >= 8
    assert images.count("images/dot.png") == 1  # text, left as text
    assert "Read url(images/dot.png) in the text" in email
    assert set(images) - {"images/dot.png"} == set(published.values())


def test_an_email_shows_only_the_stored_files_its_context_or_source_names(context):
    """Text that reads like a reference is text: a partner cannot make the email fetch a
    stored file (another partner's picture, a render) by typing its key."""
    source = EMAIL_SOURCE.replace(
        "</mj-column>",
        '<mj-image src="storage:samples/lumora-logo.png" />'
        '<mj-text><span style="background:url(images/dot.png)">x</span></mj-text></mj-column>',
    )
    bundle = make_bundle(
        {"template.toml": toml(EMAIL_MANIFEST), "mail.mjml": source, "images/dot.png": png()}
    )
    typed = "url(storage:samples/lumora-logo.png) url(images/dot.png) url('storage:x/y.png')"
    context["fields"] = {"headline": typed, "intro": f"<p>{typed}</p>"}
    fetched = []

    def storage_get(key):
        fetched.append(key)
        return sample_storage_get(key)

    email = render(bundle, context, storage_get).email.html
    # the partner's logo and the image the source names; nothing the partner typed
    assert sorted(fetched) == ["samples/brightfield-logo.png", "samples/lumora-logo.png"]
    shown = html.unescape(email)
    assert shown.count(typed) == 4  # title, preheader, headline and intro: as typed
    assert 'style="background:url(data:image/png;base64,' in email  # CSS in the template


def test_output_formats(pdf_bundle, email_bundle, context):
    assert output_format(pdf_bundle.manifest, None) == "pdf"
    assert output_format(email_bundle.manifest, "HTML") == "html"
    with pytest.raises(ValueError, match="a email template renders to html, not 'pdf'"):
        output_format(email_bundle.manifest, "pdf")
    as_png = render(pdf_bundle, context, sample_storage_get, fmt="png")
    assert as_png.content_type == "image/png"
    assert Image.open(io.BytesIO(as_png.data)).width == 1240


def test_render_key_depends_on_inputs_only():
    values = {"headline": "Hi", "accent": "#123456"}
    key = render_key(12, values, 3, "pdf")
    assert key == render_key(12, dict(reversed(list(values.items()))), 3, "pdf")
    assert key == render_key("12", values, "3", "pdf")
    assert len(key) == 64
    assert key != render_key(12, values, 4, "pdf")
    assert key != render_key(12, {**values, "headline": "Ho"}, 3, "pdf")
    assert key != render_key(13, values, 3, "pdf")
    assert key != render_key(12, values, 3, "png")
    # an email whose images are published is another file than one that inlines them
    linked = render_key(12, values, 3, "pdf", links="https://tandem.example/m/")
    assert linked not in (key, render_key(12, values, 3, "pdf", links="https://other.example/m/"))


def test_render_key_includes_the_renderer_version(monkeypatch):
    before = render_key("abc", {}, 1, "pdf")
    monkeypatch.setattr(renderers, "RENDERER_VERSION", renderers.RENDERER_VERSION + ".next")
    assert render_key("abc", {}, 1, "pdf") != before


def test_previews(pdf_bundle, email_bundle, context):
    thumb = preview(render(pdf_bundle, context, sample_storage_get))
    assert Image.open(io.BytesIO(thumb)).size[0] == 400
    email_preview = preview(render(email_bundle, context, sample_storage_get))
    assert isinstance(email_preview, str) and "Subject:" in email_preview


def test_image_render_and_thumbnail(context):
    spec = {
        "width": 300,
        "height": 200,
        "background": "#000000",
        "layers": [
            {"type": "rect", "box": [0, 0, 300, 100], "fill": "{{ partner.colors.primary }}"},
            {"type": "image", "src": "{{ partner.logo }}", "box": [10, 110, 280, 80]},
            {
                "type": "text",
                "text": "{{ fields.headline }}",
                "box": [0, 0, 300, 100],
                "color": "#ffffff",
            },
        ],
    }
    bundle = make_bundle(
        {
            "template.toml": toml(
                'name = "I"\nkind = "image"\nspec = "s.json"\nwidth = 300\nheight = 200\n'
                '[fields.headline]\ntype = "text"\ndefault = "Hi"\neditable = true\n'
            ),
            "s.json": json.dumps(spec),
        }
    )
    context["fields"] = {"headline": SSTI}
    for fmt, pil_format in (("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")):
        rendered = render(bundle, context, sample_storage_get, fmt=fmt)
        image = Image.open(io.BytesIO(rendered.data))
        assert (image.format, image.size) == (pil_format, (300, 200))
    image = Image.open(io.BytesIO(render(bundle, context, sample_storage_get).data)).convert("RGB")
    assert image.getpixel((299, 99)) == (0x0F, 0x76, 0x6E)  # partner primary colour
    thumb = preview(render(bundle, context, sample_storage_get))
    assert Image.open(io.BytesIO(thumb)).size == (400, 267)


def test_render_refuses_a_broken_bundle(context):
    from brand_templates.errors import TemplateInvalid

    with pytest.raises(TemplateInvalid):
        render(TemplateBundle({"template.toml": b"kind = 'poster'"}), context)
