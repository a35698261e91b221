"""Field values: per-type checks, brand-kit defaults, presets, overrides and locked fields."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from brand_templates.errors import FieldValueError, LockedFieldError
from brand_templates.fields import resolve_values
from brand_templates.manifest import parse_manifest

from .conftest import toml

MANIFEST = toml(
    """
    name = "All types"
    kind = "pdf"
    source = "a.html"

    [fields.headline]
    type = "text"
    label = "Headline"
    required = true
    max_length = 20
    default = "Hello"
    editable = true

    [fields.body]
    type = "multiline"
    max_length = 50
    editable = true

    [fields.intro]
    type = "richtext"
    max_length = 30
    editable = true

    [fields.logo]
    type = "image"
    default_from = "partner.logo"
    editable = true

    [fields.accent]
    type = "color"
    default_from = "partner.colors.primary"
    default = "#123456"
    editable = true

    [fields.size]
    type = "choice"
    choices = ["S", "M", "L"]
    default = "M"
    editable = true

    [fields.link]
    type = "url"
    default_from = "partner.website"
    editable = true

    [fields.phone]
    type = "phone"
    default_from = "partner.contact.phone"
    editable = true

    [fields.mail]
    type = "email"
    default_from = "partner.contact.email"
    editable = true

    [fields.product]
    type = "text"
    default = "HomeVault"
    """
)
FILES = {"a.html", "template.toml", "images/hero.png"}


@pytest.fixture
def manifest():
    manifest, errors = parse_manifest(MANIFEST)
    assert errors == []
    return manifest


def resolve(manifest, context, preset=None, overrides=None, *, as_partner=True):
    return resolve_values(manifest, context, preset, overrides, as_partner=as_partner, files=FILES)


def test_defaults_come_from_the_brand_kit(manifest, context):
    values = resolve(manifest, context)
    partner = context["partner"]
    assert values["headline"] == "Hello"
    assert values["logo"] == partner["logo"]
    assert values["accent"] == partner["colors"]["primary"]
    assert values["link"] == partner["website"]
    assert values["phone"] == partner["contact"]["phone"]
    assert values["mail"] == partner["contact"]["email"]
    assert values["size"] == "M" and values["product"] == "HomeVault"
    assert values["body"] == "" and values["intro"] == Markup("")
    assert type(values["headline"]) is str


def test_missing_brand_kit_value_falls_back_to_the_static_default(manifest, context):
    context["partner"]["colors"]["primary"] = None
    assert resolve(manifest, context)["accent"] == "#123456"
    context["partner"]["colors"] = {"primary": "teal"}  # not a colour: also falls back
    assert resolve(manifest, context)["accent"] == "#123456"


def test_bad_brand_kit_value_without_fallback(manifest, context):
    context["partner"]["website"] = "www.example.com"
    assert resolve(manifest, context)["link"] == ""  # optional: left empty
    required, _ = parse_manifest(
        toml(
            """
            name = "x"
            kind = "pdf"
            source = "a.html"
            [fields.link]
            type = "url"
            required = true
            default_from = "partner.website"
            """
        )
    )
    with pytest.raises(FieldValueError) as info:
        resolve(required, context)
    assert info.value.by_field == {
        "link": "the brand kit's partner.website ('www.example.com') does not fit: "
        "a web address must start with http:// or https://"
    }


def test_precedence_default_preset_override(manifest, context):
    values = resolve(
        manifest, context, {"headline": "Vendor", "product": "Preset"}, {"headline": "Mine"}
    )
    assert values["headline"] == "Mine" and values["product"] == "Preset"
    values = resolve(manifest, context, {"headline": "Vendor"}, {"headline": None})
    assert values["headline"] == "Vendor"


def test_partner_override_on_locked_field_is_refused(manifest, context):
    with pytest.raises(LockedFieldError) as info:
        resolve(manifest, context, overrides={"product": "Cheap knock-off", "headline": "ok"})
    assert [e.field for e in info.value.errors] == ["product"]
    assert "locked by the vendor" in str(info.value)
    # the vendor may set it, as a preset or as an override
    assert (
        resolve(manifest, context, overrides={"product": "X"}, as_partner=False)["product"] == "X"
    )
    assert resolve(manifest, context, preset={"product": "Y"})["product"] == "Y"


def test_unknown_field_names_are_refused(manifest, context):
    with pytest.raises(FieldValueError) as info:
        resolve(manifest, context, preset={"nope": 1}, overrides={"other": "x"})
    assert {e.field for e in info.value.errors} == {"nope", "other"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("headline", "x" * 21, "is 21 characters long; the limit is 20"),
        ("headline", "", "Headline is required"),
        ("headline", "two\nlines", "must be a single line"),
        ("headline", 42, "expected text, got int"),
        ("headline", "bell\x07", "contains control characters"),
        ("body", "y" * 51, "is 51 characters long; the limit is 50"),
        ("intro", "<b>" + "z" * 31 + "</b>", "is 31 characters long; the limit is 30"),
        ("link", "javascript:alert(1)", "a web address must start with http:// or https://"),
        ("link", "https://exa mple.com", "a web address cannot contain spaces"),
        ("link", "https://nohost", "'https://nohost' has no valid host name"),
        ("mail", "not-an-email", "'not-an-email' is not a valid email address"),
        ("phone", "call me maybe", "a phone number may contain only digits"),
        ("phone", "+1", "a phone number needs at least 3 digits"),
        ("accent", "#12345", "'#12345' is not a colour in the form #rrggbb"),
        ("accent", "red", "'red' is not a colour in the form #rrggbb"),
        ("size", "XL", "'XL' is not one of the choices: 'S', 'M', 'L'"),
        (
            "logo",
            "https://evil.example/logo.png",
            "an image must be an uploaded file or a file of the template",
        ),
        ("logo", "images/nope.png", "the template has no file 'images/nope.png'"),
        ("logo", "storage:../secrets", "'storage:../secrets' is not a valid storage key"),
        ("logo", "/etc/passwd", "'/etc/passwd' is not a valid template file path"),
    ],
)
def test_each_type_checks_its_values(manifest, context, field, value, message):
    with pytest.raises(FieldValueError) as info:
        resolve(manifest, context, overrides={field: value})
    assert [e.field for e in info.value.errors] == [field]
    assert info.value.errors[0].message.startswith(message), info.value.errors[0].message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("headline", "  Padded  ", "Padded"),
        ("body", "line one\nline two", "line one\nline two"),
        ("link", "http://example.com/path?q=1", "http://example.com/path?q=1"),
        ("mail", " Sales@Example.COM ", "Sales@Example.COM"),
        ("phone", "+44 (0)20 7946-0958 ext. 12", "+44 (0)20 7946-0958 ext. 12"),
        ("accent", "#ABCDEF", "#abcdef"),
        ("size", "L", "L"),
        ("logo", "storage:logos/ab/abc.png", "storage:logos/ab/abc.png"),
        ("logo", "images/hero.png", "images/hero.png"),
        ("logo", "asset:images/hero.png", "asset:images/hero.png"),
    ],
)
def test_valid_values_are_cleaned(manifest, context, field, value, expected):
    assert resolve(manifest, context, overrides={field: value})[field] == expected


def test_richtext_comes_back_sanitized_as_markup(manifest, context):
    values = resolve(
        manifest,
        context,
        overrides={"intro": '<p onclick="x()">Hi <b>you</b></p><script>1</script>'},
    )
    assert values["intro"] == Markup("<p>Hi <b>you</b></p>")
    assert isinstance(values["intro"], Markup)


def test_markup_given_for_a_text_field_is_demoted_to_plain_text(manifest, context):
    values = resolve(manifest, context, overrides={"headline": Markup("<b>x</b>")})
    assert type(values["headline"]) is str and not isinstance(values["headline"], Markup)


def test_all_problems_are_reported_together(manifest, context):
    with pytest.raises(FieldValueError) as info:
        resolve(
            manifest, context, overrides={"accent": "red", "link": "ftp://x.org", "headline": ""}
        )
    assert set(info.value.by_field) == {"accent", "link", "headline"}
