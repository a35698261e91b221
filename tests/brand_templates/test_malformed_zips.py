"""Zips that lie: each broken entry is an error in the template's error list (file and why),
from ``load_bundle`` as from ``tandem templates validate``; never an exception of zipfile."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli.templates import templates
from brand_templates.bundle import load_bundle
from brand_templates.errors import TemplateInvalid
from brand_templates.manifest import parse_manifest

from .conftest import png
from .zips import BROKEN, HTML, MANIFEST, Entry, lying_zip


def test_the_zips_built_here_are_read_when_they_do_not_lie():
    bundle = load_bundle(lying_zip())
    assert bundle.files["flyer.html"] == HTML and bundle.files["template.toml"] == MANIFEST
    from brand_templates.validation import validate

    assert validate(bundle) == []


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_entry_is_an_error_naming_it(case):
    entry, says = BROKEN[case]
    with pytest.raises(TemplateInvalid) as info:
        load_bundle(lying_zip(entry))
    assert [e.file for e in info.value.errors] == ["flyer.html"], info.value.errors
    assert says in info.value.errors[0].message, info.value.errors[0].message


def test_every_broken_entry_is_listed_at_once():
    bad_manifest = Entry("template.toml", MANIFEST, crc=1)
    bad_image = Entry("images/dot.png", png(), method=99)
    with pytest.raises(TemplateInvalid) as info:
        load_bundle(lying_zip(bad_manifest, bad_image, BROKEN["corrupt deflate stream"][0]))
    assert sorted(e.file for e in info.value.errors) == [
        "flyer.html",
        "images/dot.png",
        "template.toml",
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + b"\x00" * 40,  # a local header and nothing else
        lying_zip()[:-10],  # the end record cut
        b"PK\x05\x06" + b"\xff" * 18,  # an end record pointing nowhere
    ],
    ids=["header-only", "truncated", "bogus-end-record"],
)
def test_what_is_not_a_zip_is_one_error(data):
    with pytest.raises(TemplateInvalid) as info:
        load_bundle(data)
    assert "not a zip file" in info.value.errors[0].message


@pytest.mark.parametrize("case", list(BROKEN))
def test_templates_validate_lists_the_error_and_exits_1(tmp_path, case):
    path = tmp_path / "broken.zip"
    path.write_bytes(lying_zip(BROKEN[case][0]))
    result = CliRunner().invoke(templates, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.startswith("flyer.html: ") and BROKEN[case][1] in result.output


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('name = "Flyer\\u0000"', "name: contains a NUL character"),
        ('description = "bell\\u0007"', "description: contains control characters (U+0007)"),
        ('"key\\u0001" = "x"', "contains control characters (U+0001)"),
        ("deep = " + "[" * 5000 + "]" * 5000, "TOML nested too deeply"),
    ],
)
def test_manifest_text_must_be_text(line, says):
    text = MANIFEST.decode().replace('name = "Test flyer"', 'name = "Test flyer"\n' + line)
    if line.startswith("name"):
        text = text.replace('name = "Test flyer"\n', "", 1)
    manifest, errors = parse_manifest(text)
    assert manifest is None
    assert any(says in str(e) for e in errors), errors
