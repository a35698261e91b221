"""The image spec's JSON Schema: a valid schema, in step with the renderer, errors as Tandem's."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from brand_templates.errors import ValidationError
from brand_templates.image_spec import (
    LAYER_TYPES,
    SCHEMA,
    field_name,
    json_line,
    spec_errors,
)
from renderers import image as renderer


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)


def test_the_schema_allows_the_keys_and_choices_the_renderer_reads():
    properties = SCHEMA["properties"]
    assert set(properties) == renderer._SPEC_KEYS
    assert set(properties["background"]["properties"]) == {"image", "fit", "color"}
    assert properties["background"]["properties"]["fit"]["enum"] == list(renderer._FITS)
    assert properties["layers"]["maxItems"] == renderer.MAX_LAYERS
    assert set(LAYER_TYPES) == set(renderer._LAYER_KEYS)
    for kind, (_required, keys) in LAYER_TYPES.items():
        assert {"type", "box", *keys} == renderer._LAYER_KEYS[kind]
    text = LAYER_TYPES["text"][1]
    assert text["align"]["enum"] == list(renderer._ALIGNS)
    assert text["valign"]["enum"] == list(renderer._VALIGNS)
    assert LAYER_TYPES["image"][1]["fit"]["enum"] == list(renderer._FITS)


def test_spec_errors_are_tandem_errors_with_file_line_and_field():
    spec = {
        "width": "600",
        "layers": [
            {"type": "text", "text": "Hi", "box": [0, 0, 10, 10], "align": "justify"},
            {"type": "rect", "fill": 3},
        ],
    }
    text = json.dumps(spec, indent=2)
    assert spec_errors(spec, "s.json", text) == [
        ValidationError("s.json", 5, "layers[0].align", "must be one of: left, center, right"),
        ValidationError("s.json", 16, "layers[1]", "missing 'box'"),
        ValidationError("s.json", 16, "layers[1].fill", "must be a string"),
        ValidationError("s.json", 2, "width", "must be an integer"),
    ]


def test_a_good_spec_has_no_structural_errors():
    spec = {
        "width": 100,
        "height": 50,
        "background": {"image": "bg.png", "fit": "contain", "color": "#fff"},
        "layers": [
            {"type": "rect", "box": [0, 0, 100, 50], "fill": "{{ partner.colors.primary }}"},
            {"type": "image", "src": "a.png", "box": [0, 0, 10, 10], "padding": 0},
            {
                "type": "text",
                "text": "x",
                "box": [0.5, 0, 10, 10],
                "size": 1,
                "min_size": 1.5,
                "line_spacing": 0.5,
                "wrap": False,
                "auto_fit": True,
            },
        ],
    }
    assert spec_errors(spec, "s.json", json.dumps(spec)) == []


def test_field_names():
    assert field_name(()) is None
    assert field_name(("width",)) == "width"
    assert field_name(("layers", 2, "box")) == "layers[2].box"
    assert field_name(("background", "image")) == "background.image"


def test_json_line_finds_the_encoded_string_first():
    text = '{\n  "a": "type",\n  "type": "a\\"b"\n}'
    assert json_line(text, "type") == 2
    assert json_line(text, 'a"b') == 3
    assert json_line(text, "missing") is None
