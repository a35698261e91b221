"""Validation renders the sample: every limit a template hits is reported at its file and line
before it can be imported (page limit, pixel limit, unreadable images, template code that
fails at render time), and email-service merge tags can be kept."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from app.config import load_settings, template_max_pages_ceiling
from brand_templates.rendering import render
from brand_templates.sample import sample_context, sample_storage_get
from brand_templates.validation import validate
from renderers.errors import ImageUnreadable

from .conftest import make_bundle, png, toml


def problems(bundle, **kw) -> list[str]:
    return [str(error) for error in validate(bundle, **kw)]


def catalogue(pages: int, max_pages: int | None = None, *, kind_line: str = 'kind = "pdf"'):
    manifest = f'name = "Catalogue"\n{kind_line}\nsource = "catalogue.html"\n'
    if max_pages is not None:
        manifest += f"max_pages = {max_pages}\n"
    source = (
        "<html><body>\n{% for i in range(" + str(pages) + ") %}"
        '<p style="break-after: page">{{ partner.name }} {{ i }}</p>{% endfor %}\n</body></html>'
    )
    return make_bundle({"template.toml": manifest, "catalogue.html": source})


def test_a_document_over_the_page_limit_is_reported():
    assert problems(catalogue(56)) == [
        "catalogue.html: the sample render has more than 50 pages; to allow more, declare "
        "max_pages in template.toml (up to 200)"
    ]


def test_a_template_may_declare_a_longer_page_limit_up_to_the_ceiling():
    bundle = catalogue(60, max_pages=60)
    assert problems(bundle) == []
    pdf = render(bundle, sample_context(), sample_storage_get).data
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 60
    assert problems(catalogue(61, max_pages=60)) == [
        "catalogue.html: the sample render has more than 60 pages; max_pages in template.toml "
        "allows 60 (this instance allows up to 200)"
    ]
    assert problems(catalogue(5, max_pages=201)) == [
        "template.toml:4: max_pages: 201 pages is more than this instance allows: at most 200 "
        "(the setting TEMPLATE_MAX_PAGES_CEILING)"
    ]
    assert problems(catalogue(5, max_pages=80), max_pages_ceiling=70) == [
        "template.toml:4: max_pages: 80 pages is more than this instance allows: at most 70 "
        "(the setting TEMPLATE_MAX_PAGES_CEILING)"
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            'max_pages = "many"',
            "template.toml:4: max_pages: must be an integer (pages), not a string",
        ),
        ("max_pages = 0", "template.toml:4: max_pages: must be at least 1"),
        ("max_pages = 2.5", "template.toml:4: max_pages: must be an integer (pages), not a number"),
    ],
)
def test_the_max_pages_key_is_checked(line, message):
    bundle = make_bundle(
        {
            "template.toml": f'name = "C"\nkind = "pdf"\nsource = "c.html"\n{line}\n',
            "c.html": "<p>x</p>",
        }
    )
    assert problems(bundle) == [message]


def test_max_pages_is_for_html_pdf_templates_only():
    manifest = 'name = "E"\nkind = "email"\nsource = "e.mjml"\nsubject = "Hi"\nmax_pages = 3\n'
    bundle = make_bundle({"template.toml": manifest, "e.mjml": "<mjml><mj-body></mj-body></mjml>"})
    assert problems(bundle) == [
        "template.toml:5: max_pages: not used by kind 'email' (only by pdf)"
    ]


def test_the_ceiling_is_a_setting():
    assert template_max_pages_ceiling({}) == 200
    assert template_max_pages_ceiling({"TEMPLATE_MAX_PAGES_CEILING": "500"}) == 500
    for bad in ("0", "-3", "lots"):
        with pytest.raises(ValueError, match="TEMPLATE_MAX_PAGES_CEILING must be a whole number"):
            template_max_pages_ceiling({"TEMPLATE_MAX_PAGES_CEILING": bad})


def test_settings_carry_the_ceiling(tmp_path):
    env = {"TANDEM_INSTANCE": str(tmp_path), "SECRET_KEY": "x"}
    assert load_settings(env).template_max_pages_ceiling == 200
    env["TEMPLATE_MAX_PAGES_CEILING"] = "300"
    assert load_settings(env).template_max_pages_ceiling == 300


def big_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height), 0).save(out, "PNG")  # small file, many pixels
    return out.getvalue()


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def flyer_with(images: dict[str, bytes], html: str | None = None):
    html = html or "".join(f'<img src="{name}">\n' for name in images)
    manifest = 'name = "F"\nkind = "pdf"\nsource = "flyer.html"\n'
    return make_bundle({"template.toml": manifest, "flyer.html": html, **images})


def test_images_over_the_pixel_limit_or_unreadable_are_each_reported_by_name():
    bundle = flyer_with(
        {
            "images/huge.png": big_png(8000, 6000),
            "images/cut.png": png(400, 300)[:300],
            "images/cut.jpg": jpeg()[:-200],
            "images/text.jpg": b"<html>not a picture</html>",
            "images/logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg">\n<g>\n</svg>',
            "images/fine.png": png(),
        }
    )
    found = problems(bundle)
    assert found[0].startswith(
        "images/cut.jpg: the JPEG image cannot be decoded (image file is truncated"
    )
    assert found[0].endswith("): export it again")
    assert found[1:] == [
        "images/cut.png: the PNG image cannot be decoded (image file is truncated): "
        "export it again",
        "images/huge.png: 8000x6000 pixels is more than the limit of 40,000,000 pixels; "
        "scale it down",
        "images/logo.svg:3: not a readable SVG image: mismatched tag (column 3)",
        "images/text.jpg: not a readable PNG, JPEG, GIF or WebP image",
    ]


def test_an_email_image_is_checked_but_no_pixel_limit_applies():
    manifest = 'name = "E"\nkind = "email"\nsource = "e.mjml"\nsubject = "Hi"\n'
    source = '<mjml><mj-body><mj-image src="a.png" /><mj-image src="b.png" /></mj-body></mjml>'
    bundle = make_bundle(
        {
            "template.toml": manifest,
            "e.mjml": source,
            "a.png": big_png(8000, 6000),
            "b.png": b"\x89PNG\r\n\x1a\n broken",
        }
    )
    assert problems(bundle) == ["b.png: not a readable PNG, JPEG, GIF or WebP image"]


def test_an_image_weasyprint_cannot_load_fails_the_render_by_name():
    # a bundle that skipped validation (or an image that only breaks at render time)
    bundle = flyer_with({"images/x.png": b"GIF89a broken"})
    with pytest.raises(ImageUnreadable, match="image 'images/x.png' cannot be read"):
        render(bundle, sample_context(), sample_storage_get)


def test_template_code_that_fails_at_render_time_points_at_the_source_line():
    source = "<html><body>\n<h1>{{ partner.name }}</h1>\n<p>{{ partner.name.nope.x }}</p>\n"
    bundle = flyer_with({}, html=source)
    assert problems(bundle) == ["flyer.html:3: 'str object' has no attribute 'nope'"]


EMAIL_MANIFEST = """
    name = "Newsletter"
    kind = "email"
    source = "email.mjml"
    subject = "{% raw %}{{FirstName}}{% endraw %}, news from {{ partner.name }}"
    preheader = "Hello *|FNAME|*"
"""

EMAIL_SOURCE = """<mjml>
<mj-body>
<mj-section><mj-column>
<mj-text>Dear {% raw %}{{FirstName}}{% endraw %} (*|FNAME|*),</mj-text>
<mj-text>{{ partner.name }}</mj-text>
<mj-button href="https://x.example/u?id={% raw %}{{UserId}}{% endraw %}">Go</mj-button>
</mj-column></mj-section>
</mj-body>
</mjml>
"""


def email(source: str = EMAIL_SOURCE, manifest: str = EMAIL_MANIFEST):
    return make_bundle({"template.toml": toml(manifest), "email.mjml": source})


def test_email_service_merge_tags_in_raw_blocks_are_kept():
    bundle = email()
    assert problems(bundle) == []
    rendered = render(bundle, sample_context(), sample_storage_get).email
    assert "Dear {{FirstName}} (*|FNAME|*)," in rendered.html
    assert "https://x.example/u?id={{UserId}}" in rendered.html
    assert "Dear {{FirstName}} (*|FNAME|*)," in rendered.text
    assert rendered.subject == "{{FirstName}}, news from Brightfield Energy Solutions"
    assert rendered.preheader == "Hello *|FNAME|*"


def test_an_unknown_variable_in_an_email_says_how_to_keep_a_merge_tag():
    bundle = email(EMAIL_SOURCE.replace("{% raw %}{{FirstName}}{% endraw %}", "{{FirstName}}"))
    assert problems(bundle) == [
        "email.mjml:4: unknown variable 'FirstName'; a template sees partner, vendor and "
        "fields; to keep an email-service merge tag, write {% raw %}{{FirstName}}{% endraw %}"
    ]


def test_email_errors_at_render_time_point_at_the_mjml_source_and_the_manifest():
    broken = EMAIL_SOURCE.replace("{{ partner.name }}", "{{ partner.name.nope.x }}")
    assert problems(email(broken)) == ["email.mjml:5: 'str object' has no attribute 'nope'"]
    manifest = EMAIL_MANIFEST.replace('"Hello *|FNAME|*"', '"{{ partner.tagline.nope.x }}"')
    assert problems(email(EMAIL_SOURCE, manifest)) == [
        "template.toml:5: preheader: 'str object' has no attribute 'nope'"
    ]
