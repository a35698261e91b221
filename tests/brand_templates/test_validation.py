"""validate(): sources that do not compile, unknown fields, missing files, all with lines."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfWriter

from brand_templates.validation import validate

from .conftest import PDF_MANIFEST, PDF_SOURCE, make_bundle, png, toml


def problems(bundle):
    return [(e.file, e.line, e.field, e.message) for e in validate(bundle)]


def pdf_bundle_with(source: str, **extra):
    return make_bundle(
        {
            "template.toml": toml(PDF_MANIFEST),
            "flyer.html": source,
            "images/dot.png": png(),
            **extra,
        }
    )


def test_a_good_bundle_has_no_errors(pdf_bundle):
    assert validate(pdf_bundle) == []


def test_missing_source_file_points_at_the_manifest_line():
    bundle = make_bundle({"template.toml": toml(PDF_MANIFEST)})
    assert problems(bundle) == [
        ("template.toml", 3, "source", "the bundle has no file 'flyer.html'")
    ]


def test_jinja_syntax_error_has_file_and_line():
    source = "<html>\n<body>\n<h1>{{ fields.headline }</h1>\n</body></html>"
    [(file, line, field, message)] = problems(pdf_bundle_with(source))
    assert (file, line, field) == ("flyer.html", 3, None)
    assert message.startswith("template syntax error: unexpected '}'")


def test_unknown_field_reference_is_reported_with_its_line():
    source = PDF_SOURCE + "\n\n<p>{{ fields.subtitle }}</p>\n{% if fields['promo'] %}x{% endif %}\n"
    found = problems(pdf_bundle_with(source))
    assert (
        "flyer.html",
        11,
        "fields.subtitle",
        "field 'subtitle' is not declared in template.toml (add [fields.subtitle])",
    ) in found
    assert (
        "flyer.html",
        12,
        "fields.promo",
        "field 'promo' is not declared in template.toml (add [fields.promo])",
    ) in found
    assert len(found) == 2


def test_unknown_context_names_and_keys():
    source = (
        "<p>{{ partner.fax }}</p>\n<p>{{ partner.colors.tertiary }}</p>\n<p>{{ partnr.name "
        "}}</p>\n<p>{{ vendor.name | upper }} {{ partner.name.upper() }}</p>"
    )
    found = problems(pdf_bundle_with(source))
    assert found == [
        (
            "flyer.html",
            3,
            None,
            "unknown variable 'partnr'; a template sees partner, vendor and fields",
        ),
        (
            "flyer.html",
            1,
            "partner.fax",
            "partner has no 'fax' (known: colors, contact, description, email, logo, "
            "name, phone, slug, tagline, website)",
        ),
        (
            "flyer.html",
            2,
            "partner.colors.tertiary",
            "partner.colors has no 'tertiary' (known: primary, secondary)",
        ),
    ]


def test_locally_assigned_names_are_fine():
    source = (
        "{% set x = fields.headline %}{% for c in [1, 2] %}{{ x }}{{ c }}{{ loop.index }}{% "
        "endfor %}"
    )
    assert problems(pdf_bundle_with(source)) == []


def test_missing_and_external_assets_are_reported():
    source = (
        "<html><head>\n"
        '<link rel="stylesheet" href="css/site.css">\n'
        "<style>body { background: url('images/bg.png'); }</style>\n"
        "</head><body>\n"
        '<img src="images/dot.png"><img src="asset:images/missing.png">\n'
        '<img src="https://cdn.example.com/x.png">\n'
        '<a href="https://example.com">a link is fine</a><img src="{{ partner.logo }}">\n'
        '<img src="../outside.png">\n'
        "</body></html>"
    )
    found = problems(pdf_bundle_with(source))
    assert found == [
        ("flyer.html", 2, None, "'css/site.css' is not in the bundle"),
        ("flyer.html", 3, None, "'images/bg.png' is not in the bundle"),
        ("flyer.html", 5, None, "'asset:images/missing.png' is not in the bundle"),
        (
            "flyer.html",
            6,
            None,
            "'https://cdn.example.com/x.png' is outside the template; renderers fetch "
            "only the template's own files: add it to the bundle",
        ),
        (
            "flyer.html",
            8,
            None,
            "'../outside.png' uses '..'; write it relative to the template folder",
        ),
    ]


def test_stylesheet_references_resolve_against_the_stylesheet():
    source = '<link rel="stylesheet" href="css/site.css"><p>x</p>'
    css = (
        "@import 'base.css';\nbody { background: url(../images/dot.png); }\nh1 { background: "
        'url("../images/none.png") }\n'
    )
    found = problems(pdf_bundle_with(source, **{"css/site.css": css}))
    assert found == [
        ("css/site.css", 1, None, "'base.css' is not in the bundle"),
        ("css/site.css", 3, None, "'../images/none.png' is not in the bundle"),
    ]


# --- image specs ---------------------------------------------------------------------------

IMAGE_MANIFEST = """
    name = "Post"
    kind = "image"
    spec = "layers.json"
    width = 600
    height = 300

    [fields.headline]
    type = "text"
    default = "Hi"
    editable = true
"""


def image_bundle(spec):
    text = spec if isinstance(spec, str) else json.dumps(spec, indent=2)
    return make_bundle(
        {"template.toml": toml(IMAGE_MANIFEST), "layers.json": text, "bg.png": png()}
    )


def test_image_spec_json_error_has_line():
    found = problems(
        image_bundle('{\n  "width": 600,\n  "layers": [\n    {"type": "rect",}\n  ]\n}')
    )
    assert found == [
        (
            "layers.json",
            4,
            None,
            "JSON syntax error: Expecting property name enclosed in double quotes (column 21)",
        )
    ]


def test_image_spec_structure_errors():
    spec = {
        "width": 640,
        "background": {"image": "missing-bg.png"},
        "layers": [
            {"type": "image", "src": "nope.png", "box": [0, 0, 10, 10]},
            {"type": "text", "text": "{{ fields.title }}", "box": [0, 0, 10]},
            {"type": "circle", "box": [0, 0, 1, 1]},
            {"type": "rect", "box": [0, 0, 5, 5], "fill": "blue", "blur": 3},
            {"type": "text", "text": "{{ fields.headline", "box": [0, 0, 10, 10]},
            {"type": "image", "src": "{{ partner.logo }}", "box": [0, 0, 10, 10]},
        ],
    }
    found = problems(image_bundle(spec))
    fields = {f for _, _, f, _ in found}
    assert fields == {
        "width",
        "background.image",
        "layers[0].src",
        "layers[1].box",
        "fields.title",
        "layers[2].type",
        "layers[3].blur",
        "layers[3].fill",
        "layers[4].text",
    }
    by_field = {f: (line, m) for _, line, f, m in found}
    assert by_field["width"] == (2, "is 640 but template.toml says 600")
    assert by_field["layers[0].src"][1] == "'nope.png' is not in the bundle"
    assert by_field["fields.title"][0] == 19
    assert by_field["layers[4].text"][1].startswith("template syntax error")


def test_good_image_spec():
    spec = {
        "background": {"image": "bg.png", "fit": "cover"},
        "layers": [
            {"type": "rect", "box": [0, 0, 600, 300], "fill": "#00000080"},
            {
                "type": "image",
                "src": "{{ partner.logo }}",
                "box": [10, 10, 100, 50],
                "fit": "contain",
            },
            {
                "type": "text",
                "text": "{{ fields.headline }}",
                "box": [10, 80, 500, 100],
                "color": "{{ partner.colors.primary }}",
                "size": 40,
                "min_size": 12,
            },
        ],
    }
    assert problems(image_bundle(spec)) == []


def test_an_image_spec_with_several_problems_reports_each_with_file_line_and_field():
    text = """{
  "width": 600.0,
  "backdrop": "#fff",
  "layers": [
    {"type": "rect", "box": [0, 0, 600, 300], "fill": "#000", "blur": 2},
    {"type": "text", "text": "Hi", "box": [0, "a", 0, 10], "size": 0.5, "wrap": "yes"},
    {"type": "circle", "box": [0, 0, 1, 1]},
    {"type": "image", "box": [500, 0, 200, 50], "padding": -2}
  ],
  "background": {"image": "bg.png", "fit": "fill"}
}"""
    box = "must be [x, y, width, height] with a positive width and height"
    keys = "background, height, layers, width"
    circle = "unknown layer type 'circle'; expected image, text or rect"
    assert problems(image_bundle(text)) == [
        ("layers.json", 3, "backdrop", f"unknown key 'backdrop'; expected: {keys}"),
        ("layers.json", 10, "background.fit", "must be contain or cover"),
        ("layers.json", 5, "layers[0].blur", "unknown key 'blur'"),
        ("layers.json", 6, "layers[1].box", box),  # two bad numbers, one problem
        ("layers.json", 6, "layers[1].size", "must be at least 1"),
        ("layers.json", 6, "layers[1].wrap", "must be true or false"),
        ("layers.json", 7, "layers[2].type", circle),
        ("layers.json", 8, "layers[3]", "missing 'src'"),
        ("layers.json", 8, "layers[3].padding", "must be at least 0"),
        ("layers.json", 2, "width", "must be an integer"),
        ("layers.json", 8, "layers[3].box", "[500, 0, 200, 50] goes outside the 600x300 canvas"),
    ]


@pytest.mark.parametrize(
    ("layer", "field", "message"),
    [
        # what the renderer refuses is refused on import too
        ({"type": "text", "text": "x", "size": 0}, "size", "must be a positive number"),
        ({"type": "text", "text": "x", "min_size": True}, "min_size", "must be a positive number"),
        (
            {"type": "text", "text": "x", "line_spacing": 0.2},
            "line_spacing",
            "must be at least 0.5",
        ),
        ({"type": "text", "text": "x", "auto_fit": 1}, "auto_fit", "must be true or false"),
        ({"type": "text", "text": 3}, "text", "must be a string"),
        ({"type": "text", "text": "x", "color": 3}, "color", "must be a string"),
        ({"type": "text", "text": "x", "font": 3}, "font", "unknown font 3; available: "),
        ({"type": "text", "text": "x", "align": "justify"}, "align", "must be one of: left,"),
        ({"type": "text", "text": "x", "valign": None}, "valign", "must be one of: top,"),
        ({"type": "image", "src": 3}, "src", "must be a string"),
        ({"type": "image", "src": "bg.png", "padding": "2"}, "padding", "must be a number"),
        ({"type": "image", "src": "bg.png", "fit": "fill"}, "fit", "must be one of: contain,"),
        ({"type": "rect", "fill": ["#fff"]}, "fill", "must be a string"),
        ({"type": "rect", "box": None}, "box", "must be [x, y, width, height]"),
        ({"type": "rect", "box": [0, 0, 10, 10, 1]}, "box", "must be [x, y, width, height]"),
    ],
)
def test_image_layer_values(layer, field, message):
    layer = {"box": [0, 0, 10, 10], **layer}
    [(_, _, found_field, found_message)] = problems(image_bundle({"layers": [layer]}))
    assert (found_field, found_message[: len(message)]) == (f"layers[0].{field}", message)


UNKNOWN_TYPE = "unknown layer type {}; expected image, text or rect"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ([1, 2], (1, None, "the spec must be a JSON object")),
        ({"width": True}, (2, "width", "must be an integer")),
        ({"height": None}, (2, "height", "must be an integer")),
        ({"background": 3}, (2, "background", 'must be a colour or {"image": path}')),
        (
            {"background": {"fit": "cover"}},
            (2, "background.image", "must be a path to an image of the template"),
        ),
        (
            {"background": {"image": "bg.png", "color": 3}},
            (2, "background.color", "must be a string"),
        ),
        (
            {"background": {"image": "bg.png", "tint": 1}},
            (4, "background.tint", "unknown key 'tint'"),
        ),
        ({"layers": {}}, (2, "layers", "must be an array")),
        ({"layers": [[]]}, (None, "layers[0]", "must be an object")),
        ({"layers": [{"box": [0, 0, 1, 1]}]}, (None, "layers[0].type", UNKNOWN_TYPE.format(None))),
        ({"layers": [{"type": []}]}, (None, "layers[0].type", UNKNOWN_TYPE.format([]))),
        (
            {"layers": [{"type": "rect", "box": [0, 0, 1, 1]}] * 101},
            (2, "layers", "must have at most 100 layers"),
        ),
    ],
)
def test_image_spec_structure(spec, expected):
    assert problems(image_bundle(spec)) == [("layers.json", *expected)]


def test_a_layer_of_unknown_type_is_not_checked_further():
    layer = {"type": "circle", "box": [-5, 0, 1, 1], "font": "Comic", "fill": "blue", "r": 3}
    assert [field for _, _, field, _ in problems(image_bundle({"layers": [layer]}))] == [
        "layers[0].type"
    ]


def test_image_spec_problems_are_in_path_order():
    layers = [{"type": "rect", "box": [0, 0, 1, 1]}] * 12
    layers[10] = layers[2] = {"type": "rect"}
    assert [field for _, _, field, _ in problems(image_bundle({"layers": layers, "zz": 1}))] == [
        "zz",
        "layers[2]",
        "layers[10]",
    ]


# --- pdf-stamp -----------------------------------------------------------------------------


def two_page_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_blank_page(842, 595)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


STAMP_MANIFEST = """
    name = "Stamp"
    kind = "pdf-stamp"
    pdf = "original.pdf"

    [fields.name]
    type = "text"
    default_from = "partner.name"

    [[zones]]
    page = 1
    x = 500
    y = 800
    width = 100
    height = 20
    content = "text"
    field = "name"

    [[zones]]
    page = 3
    x = 0
    y = 0
    width = 10
    height = 10
    content = "logo"

    [[zones]]
    page = 2
    x = 700
    y = 500
    width = 100
    height = 90
    content = "contact"
"""


def test_stamp_zones_outside_the_page_or_page_out_of_range():
    bundle = make_bundle({"template.toml": toml(STAMP_MANIFEST), "original.pdf": two_page_pdf()})
    assert problems(bundle) == [
        (
            "template.toml",
            9,
            "zones[0]",
            "the zone (500, 800, 100 x 20 pt) goes outside page 1 (595 x 842 pt)",
        ),
        (
            "template.toml",
            19,
            "zones[1].page",
            "page 3 is out of range; original.pdf has 2 page(s)",
        ),
    ]


def test_stamp_pdf_must_be_a_pdf():
    bundle = make_bundle({"template.toml": toml(STAMP_MANIFEST), "original.pdf": b"hello"})
    assert problems(bundle) == [("original.pdf", None, None, "not a PDF file")]


@pytest.mark.parametrize("missing", ["original.pdf"])
def test_stamp_pdf_missing(missing):
    bundle = make_bundle({"template.toml": toml(STAMP_MANIFEST)})
    assert problems(bundle) == [
        ("template.toml", 3, "pdf", "the bundle has no file 'original.pdf'")
    ]


# --- email ---------------------------------------------------------------------------------

EMAIL_MANIFEST = """
    name = "Mail"
    kind = "email"
    source = "mail.mjml"
    subject = "Hello {{ partner.nme }}"
    preheader = "{{ fields.headline"

    [fields.headline]
    type = "text"
    editable = true
"""


def email_bundle(source: str, manifest: str = EMAIL_MANIFEST):
    return make_bundle({"template.toml": toml(manifest), "mail.mjml": source, "logo.png": png()})


GOOD_MJML = """<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-image src="logo.png" />
        <mj-image src="https://cdn.example.com/banner.png" />
        <mj-text>{{ fields.headline }}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""


def test_email_subject_and_preheader_errors_point_into_the_manifest():
    found = problems(email_bundle(GOOD_MJML))
    assert found[0] == (
        "template.toml",
        4,
        "partner.nme",
        "partner has no 'nme' (known: colors, contact, description, email, logo, name, "
        "phone, slug, tagline, website)",
    )
    assert found[1][:3] == ("template.toml", 5, "preheader")
    assert found[1][3].startswith("template syntax error")
    assert len(found) == 2


def test_good_email_with_web_images_is_valid():
    manifest = EMAIL_MANIFEST.replace("partner.nme", "partner.name").replace(
        "{{ fields.headline", "{{ fields.headline }}"
    )
    assert problems(email_bundle(GOOD_MJML, manifest)) == []


def test_mjml_errors_have_lines():
    manifest = EMAIL_MANIFEST.replace("partner.nme", "partner.name").replace(
        "{{ fields.headline", "{{ fields.headline }}"
    )
    broken = GOOD_MJML.replace(
        "<mj-text>{{ fields.headline }}</mj-text>", "<mj-text>{{ fields.headline }}"
    )
    [(file, line, field, message)] = problems(email_bundle(broken, manifest))
    assert (file, field) == ("mail.mjml", None) and message.startswith("MJML error: ")
    assert line is not None and line >= 7
    missing = GOOD_MJML.replace('src="logo.png"', 'src="images/none.png"')
    assert problems(email_bundle(missing, manifest)) == [
        ("mail.mjml", 5, None, "'images/none.png' is not in the bundle")
    ]


def test_svg_assets_may_not_reach_outside():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:xlink="http://www.w3.org/1999/xlink">\n<image '
        'xlink:href="https://tracker.example/p.png"/>\n<image href="dot.png"/>\n</svg>'
    )
    found = problems(pdf_bundle_with('<img src="images/logo.svg">', **{"images/logo.svg": svg}))
    assert [(f, line) for f, line, _, _ in found] == [("images/logo.svg", 2)]
    assert "outside the template" in found[0][3]
