"""template.toml parsing: dataclasses, defaults, and every manifest error with its line."""

from __future__ import annotations

import pytest

from brand_templates.manifest import FieldSpec, parse_manifest

from .conftest import toml


def errors_of(text: str, **kw):
    manifest, errors = parse_manifest(toml(text), **kw)
    assert manifest is None, "expected errors"
    return [(e.file, e.line, e.field, e.message) for e in errors]


def test_parses_a_pdf_manifest_into_dataclasses():
    manifest, errors = parse_manifest(
        toml(
            """
            name = "Flyer"
            description = "A flyer"
            kind = "pdf"
            version = "2.1"
            source = "flyer.html"
            page_size = "Letter"

            [fields.headline]
            type = "text"
            label = "Headline"
            help = "Say it short"
            required = true
            max_length = 40
            default = "Hello"
            editable = true

            [fields.accent]
            type = "color"
            default_from = "partner.colors.primary"

            [fields.size]
            type = "choice"
            choices = ["small", "large"]
            default = "small"
            """
        )
    )
    assert errors == []
    assert manifest.name == "Flyer" and manifest.kind == "pdf" and manifest.version == "2.1"
    assert manifest.page_size == "Letter" and manifest.main_file == "flyer.html"
    assert list(manifest.fields) == ["headline", "accent", "size"]
    assert manifest.fields["headline"] == FieldSpec(
        name="headline",
        type="text",
        label="Headline",
        help="Say it short",
        required=True,
        default="Hello",
        max_length=40,
        editable=True,
    )
    accent = manifest.fields["accent"]
    assert accent.locked and accent.default_from == "partner.colors.primary"
    assert accent.label == "Accent"  # derived from the name
    assert manifest.fields["size"].choices == ("small", "large")
    assert [f.name for f in manifest.editable_fields] == ["headline"]
    data = manifest.to_json()
    assert data["fields"]["size"]["choices"] == ["small", "large"]
    assert "line" not in data["fields"]["headline"]


def test_email_image_and_stamp_manifests():
    email, errors = parse_manifest(
        toml(
            """
            name = "Mail"
            kind = "email"
            source = "mail.mjml"
            subject = "Hi {{ partner.name }}"
            preheader = "pre"
            """
        )
    )
    assert errors == [] and email.subject.startswith("Hi") and email.preheader == "pre"
    image, errors = parse_manifest(
        toml('name = "Post"\nkind = "image"\nspec = "layers.json"\nwidth = 1200\nheight = 628\n')
    )
    assert errors == [] and (image.width, image.height) == (1200, 628)
    stamp, errors = parse_manifest(
        toml(
            """
            name = "Stamp"
            kind = "pdf-stamp"
            pdf = "original.pdf"

            [fields.name]
            type = "text"
            default_from = "partner.name"

            [[zones]]
            page = 1
            x = 10
            y = 20.5
            width = 100
            height = 30
            content = "text"
            field = "name"
            font = "DejaVuSans-Bold"
            color = "#AABBCC"
            align = "center"

            [[zones]]
            page = 2
            x = 0
            y = 0
            width = 50
            height = 50
            content = "logo"
            fit = "cover"
            """
        )
    )
    assert errors == []
    first, second = stamp.zones
    assert (first.page, first.y, first.field, first.color, first.align) == (
        1,
        20.5,
        "name",
        "#aabbcc",
        "center",
    )
    assert second.content == "logo" and second.field is None and second.fit == "cover"


def test_toml_syntax_error_has_its_line():
    assert errors_of('name = "x"\nkind = "pdf"\nsource = \n') == [
        ("template.toml", 3, None, "TOML syntax error: Invalid value (column 10)")
    ]


def test_missing_and_unknown_top_level_keys():
    errors = errors_of(
        """
        description = "no name"
        kind = "pdf"
        colour = "red"
        subject = "only for emails"
        """
    )
    assert ("template.toml", None, "name", "missing required key 'name'") in errors
    assert (
        "template.toml",
        None,
        "source",
        "missing required key 'source' for kind 'pdf'",
    ) in errors
    assert ("template.toml", 3, "colour", "unknown key 'colour'") in errors
    assert ("template.toml", 4, "subject", "not used by kind 'pdf' (only by email)") in errors


def test_unknown_kind_and_wrong_types():
    errors = errors_of(
        """
        name = 12
        kind = "poster"
        """
    )
    assert ("template.toml", 1, "name", "must be a string, not an integer") in errors
    assert any(e[1:3] == (2, "kind") and "unknown kind 'poster'" in e[3] for e in errors)
    errors = errors_of('name = "x"\nkind = "image"\nspec = "a.json"\nwidth = "wide"\nheight = 0\n')
    assert ("template.toml", 4, "width", "must be an integer (pixels), not a string") in errors
    assert ("template.toml", 5, "height", "must be between 1 and 8000 pixels") in errors


def test_bad_page_size_and_unsafe_source_path():
    errors = errors_of('name = "x"\nkind = "pdf"\nsource = "../up.html"\npage_size = "B9"\n')
    assert (
        "template.toml",
        3,
        "source",
        "'../up.html' must not leave the template folder",
    ) in errors
    assert any(e[1:3] == (4, "page_size") and "unknown page size 'B9'" in e[3] for e in errors)


BAD_FIELDS = """
    name = "x"
    kind = "pdf"
    source = "a.html"

    [fields.headline]
    type = "text"
    max_length = 5
    default = "far too long"
    colour = "x"

    [fields.brand]
    type = "color"
    default = "red"

    [fields.gadget]
    type = "widget"

    [fields.level]
    type = "choice"
    default = "high"
    choices = ["low", "mid"]

    [fields.pick]
    type = "choice"

    [fields.accent]
    type = "color"
    default_from = "partner.colors.tertiary"

    [fields.site]
    type = "url"
    default = "ftp://example.com"
    editable = "yes"

    [fields.logo]
    type = "image"
    max_length = 10
    default = "images/missing.png"

    [fields.Bad-Name]
    type = "text"
"""


def test_every_field_error_names_field_and_line():
    errors = errors_of(BAD_FIELDS, files={"a.html", "template.toml"})
    expected = {
        (8, "fields.headline.default", "default is 12 characters long; the limit is 5"),
        (9, "fields.headline.colour", None),
        (13, "fields.brand.default", "'red' is not a colour in the form #rrggbb"),
        (16, "fields.gadget.type", None),
        (20, "fields.level.default", None),
        (23, "fields.pick.choices", "a choice field needs 'choices'"),
        (
            28,
            "fields.accent.default_from",
            "partner.colors has no 'tertiary' (known: primary, secondary)",
        ),
        (32, "fields.site.default", "a web address must start with http:// or https://"),
        (33, "fields.site.editable", "must be true or false, not a string"),
        (37, "fields.logo.max_length", "does not apply to a image field"),
        (40, "fields.Bad-Name", None),
    }
    found = {(e[1], e[2]) for e in errors}
    for line, field, message in expected:
        assert (line, field) in found, (line, field, errors)
        if message:
            assert ("template.toml", line, field, message) in errors
    assert all(e[0] == "template.toml" for e in errors)


def test_image_default_must_be_a_bundle_file():
    errors = errors_of(
        """
        name = "x"
        kind = "pdf"
        source = "a.html"
        [fields.logo]
        type = "image"
        default = "images/missing.png"
        """,
        files={"a.html"},
    )
    assert errors == [
        ("template.toml", 6, "fields.logo.default", "the template has no file 'images/missing.png'")
    ]


def test_default_from_must_name_a_value_not_a_group():
    errors = errors_of(
        'name = "x"\nkind = "pdf"\nsource = "a.html"\n[fields.c]\ntype = "text"\n'
        'default_from = "partner.contact"\n'
    )
    assert errors[0][1:3] == (6, "fields.c.default_from") and "is a group" in errors[0][3]
    errors = errors_of(
        'name = "x"\nkind = "pdf"\nsource = "a.html"\n[fields.c]\ntype = "text"\n'
        'default_from = "fields.other"\n'
    )
    assert "must start with partner or vendor" in errors[0][3]


@pytest.mark.parametrize(
    ("zone", "line", "field", "message"),
    [
        ("page = 0", 8, "zones[0].page", "pages are numbered from 1"),
        ('content = "qr"', 13, "zones[0].content", "unknown content 'qr'"),
        ('color = "blue"', 14, "zones[0].color", "'blue' is not a colour in the form #rrggbb"),
        ('field = "nope"', 14, "zones[0].field", "no field 'nope' is declared under [fields]"),
        ("width = -3", 11, "zones[0].width", "must be positive"),
        ('align = "justify"', 14, "zones[0].align", "must be one of: left, center, right"),
        ("rotate = 90", 14, "zones[0].rotate", "unknown key 'rotate'"),
    ],
)
def test_zone_errors(zone, line, field, message):
    key = zone.split(" ")[0]
    base = {
        "page": "page = 1",
        "x": "x = 1",
        "y": "y = 1",
        "width": "width = 10",
        "height": "height = 10",
        "content": 'content = "logo"',
    }
    if key in base:
        base[key] = zone
        extra = ""
    else:
        extra = zone
    body = "\n".join(base.values()) + ("\n" + extra if extra else "")
    text = (
        'name = "s"\nkind = "pdf-stamp"\npdf = "o.pdf"\n[fields.t]\ntype = "text"\n\n'
        "[[zones]]\n" + body + "\n"
    )
    errors = errors_of(text)
    assert any(e[1] == line and e[2] == field and e[3].startswith(message) for e in errors), errors


def test_text_zone_needs_a_text_field():
    errors = errors_of(
        """
        name = "s"
        kind = "pdf-stamp"
        pdf = "o.pdf"
        [fields.pic]
        type = "image"
        [[zones]]
        page = 1
        x = 1
        y = 1
        width = 10
        height = 10
        content = "text"
        field = "pic"
        [[zones]]
        page = 1
        x = 1
        y = 1
        width = 10
        height = 10
        content = "text"
        """
    )
    assert (
        "template.toml",
        13,
        "zones[0].field",
        "a text zone cannot show a image field",
    ) in errors
    assert (
        "template.toml",
        14,
        "zones[1]",
        "a text zone needs 'field' (the field whose value it shows)",
    ) in errors
