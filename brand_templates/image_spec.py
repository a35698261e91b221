"""The structure of an image template's spec file, as a JSON Schema, and its problems as errors.

SCHEMA allows what the image renderer (renderers/image.py) accepts. What a schema cannot say
is checked in validation.py: the canvas size of template.toml, boxes inside the canvas, fonts,
the template's files, colours and Jinja.

A subschema's ``errorMessage`` (as in ajv-errors) replaces the default message of a keyword:
either a mapping of keyword to message for failures of its own keywords ("required" maps a
key to the message shown at that key when it is missing), or one message for every failure in
the subschema and below it, shown once, at its value. Messages are ``str.format`` templates of
``value``, ``key``, ``limit``, ``choices`` and ``expected``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

from renderers.image import MAX_LAYERS

from .errors import ValidationError

BOX_MESSAGE = "must be [x, y, width, height] with a positive width and height"
POSITIVE = "must be a positive number"
BACKGROUND_IMAGE = "must be a path to an image of the template"
UNKNOWN_TYPE = "unknown layer type {value!r}; expected image, text or rect"

_BOX = {
    "type": "array",
    "prefixItems": [
        {"type": "number"},
        {"type": "number"},
        {"type": "number", "exclusiveMinimum": 0},
        {"type": "number", "exclusiveMinimum": 0},
    ],
    "minItems": 4,
    "maxItems": 4,
    "errorMessage": BOX_MESSAGE,
}
_COLOUR = {"type": "string", "$comment": "#rgb, #rrggbb, #rrggbbaa or Jinja: checked in code"}
_FONT_SIZE = {
    "type": "number",
    "exclusiveMinimum": 0,
    # the renderer draws sizes from 1 up; 0 and below are told they are not positive
    "if": {"exclusiveMinimum": 0},
    "then": {"minimum": 1},
    "errorMessage": {"type": POSITIVE, "exclusiveMinimum": POSITIVE},
}
_FITS = ["contain", "cover"]

# per layer type: the keys it requires and the keys it may have, besides "type" and "box"
LAYER_TYPES: dict[str, tuple[list[str], dict[str, Any]]] = {
    "image": (
        ["src"],
        {
            "src": {"type": "string", "$comment": "a file of the template or Jinja"},
            "fit": {"enum": _FITS},
            "padding": {"type": "number", "minimum": 0},
        },
    ),
    "text": (
        ["text"],
        {
            "text": {"type": "string", "$comment": "Jinja: checked in code"},
            "font": {"$comment": "a name in renderers.fonts.FONT_FILES: checked in code"},
            "size": _FONT_SIZE,
            "min_size": _FONT_SIZE,
            "color": _COLOUR,
            "align": {"enum": ["left", "center", "right"]},
            "valign": {"enum": ["top", "middle", "bottom"]},
            "line_spacing": {"type": "number", "minimum": 0.5},
            "wrap": {"type": "boolean"},
            "auto_fit": {"type": "boolean"},
        },
    ),
    "rect": ([], {"fill": _COLOUR}),
}


def _layer_of_type(kind: str) -> dict[str, Any]:
    required, properties = LAYER_TYPES[kind]
    return {
        "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
        "then": {
            "required": sorted(["box", *required]),
            "properties": {"type": True, "box": _BOX, **properties},
            "additionalProperties": False,
        },
    }


SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Tandem image template spec",
    "type": "object",
    "properties": {
        "width": {"type": "integer", "$comment": "must equal template.toml's: checked in code"},
        "height": {"type": "integer", "$comment": "must equal template.toml's: checked in code"},
        "background": {
            "type": ["string", "object"],
            "properties": {
                "image": {"type": "string", "errorMessage": BACKGROUND_IMAGE},
                "fit": {"enum": _FITS, "errorMessage": "must be contain or cover"},
                "color": _COLOUR,
            },
            "required": ["image"],
            "additionalProperties": False,
            "errorMessage": {
                "type": 'must be a colour or {{"image": path}}',
                "required": {"image": BACKGROUND_IMAGE},
            },
        },
        "layers": {
            "type": "array",
            "maxItems": MAX_LAYERS,
            "items": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": list(LAYER_TYPES), "errorMessage": UNKNOWN_TYPE}},
                "allOf": [_layer_of_type(kind) for kind in LAYER_TYPES],
                "errorMessage": {"required": {"type": UNKNOWN_TYPE}},
            },
            "errorMessage": {"maxItems": "must have at most {limit} layers"},
        },
    },
    "additionalProperties": False,
    "errorMessage": {
        "type": "the spec must be a JSON object",
        "additionalProperties": "unknown key {key!r}; expected: {expected}",
    },
}

DEFAULT_MESSAGES = {
    "additionalProperties": "unknown key {key!r}",
    "required": "missing {key!r}",
    "enum": "must be one of: {choices}",
    "minimum": "must be at least {limit}",
    "exclusiveMinimum": "must be more than {limit}",
    "maxItems": "must have at most {limit} items",
}
TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
}

# JSON Schema counts 600.0 as an integer; a width or height is written as a whole number
_TYPES = Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
)
SpecValidator = jsonschema.validators.extend(Draft202012Validator, type_checker=_TYPES)
VALIDATOR = SpecValidator(SCHEMA)

Path = tuple[str | int, ...]
Problem = tuple[Path, str, str | None]  # path, message, the key whose line to show (or None)


def spec_errors(spec: Any, file: str, text: str) -> list[ValidationError]:
    """The structural problems of SPEC, parsed from TEXT (the file FILE), in path order."""
    found: dict[ValidationError, None] = {}  # in order, once each
    for error in sorted(VALIDATOR.iter_errors(spec), key=_path_order):
        for path, message, key_line in _problems(error, spec):
            line = json_line(text, key_line) if key_line else spec_line(spec, text, path)
            found[ValidationError(file, line, field_name(path), message)] = None
    return list(found)


def _path_order(error: jsonschema.ValidationError) -> tuple[tuple[bool, str | int], ...]:
    return tuple((isinstance(part, str), part) for part in error.absolute_path)


def _problems(error: jsonschema.ValidationError, spec: Any) -> Iterator[Problem]:
    """Each problem that ERROR stands for."""
    path: Path = tuple(error.absolute_path)
    whole = _message_for_all(error)
    if whole is not None:
        message, depth = whole
        yield path[:depth], message.format(value=_at(spec, path[:depth])), None
        return
    own = error.schema.get("errorMessage")
    own = own if isinstance(own, dict) else {}
    if error.validator == "required":
        yield from _missing(error, path, own)
    elif error.validator == "additionalProperties":
        yield from _unknown(error, path, own)
    else:
        yield path, _message(error, own.get(error.validator)), None


def _missing(error: jsonschema.ValidationError, path: Path, own: dict) -> Iterator[Problem]:
    """Each missing key: at the object, or at the key if it has a message of its own."""
    at_key = own.get("required", {})
    for key in error.validator_value:
        if key in error.instance:
            continue
        if key in at_key:
            yield (*path, key), at_key[key].format(value=None), None
        else:
            yield path, DEFAULT_MESSAGES["required"].format(key=key), None


def _unknown(error: jsonschema.ValidationError, path: Path, own: dict) -> Iterator[Problem]:
    """Each unknown key, at the key and on its line."""
    known = error.schema.get("properties", {})
    template = own.get("additionalProperties", DEFAULT_MESSAGES["additionalProperties"])
    for key in sorted(set(error.instance) - set(known)):
        yield (*path, key), template.format(key=key, expected=", ".join(sorted(known))), key


def _message(error: jsonschema.ValidationError, template: str | None) -> str:
    if template is None and error.validator == "type":
        types = error.validator_value
        names = [TYPE_NAMES[t] for t in ([types] if isinstance(types, str) else types)]
        return "must be " + " or ".join(names)
    template = template or DEFAULT_MESSAGES.get(str(error.validator))
    if template is None:
        return error.message
    choices = error.validator_value if error.validator == "enum" else []
    return template.format(
        value=error.instance,
        limit=error.validator_value,
        choices=", ".join(str(choice) for choice in choices),
    )


def _message_for_all(error: jsonschema.ValidationError) -> tuple[str, int] | None:
    """The one message of the outermost subschema above ERROR that has one, and its depth."""
    node: Any = SCHEMA
    depth, naming = 0, False
    for part in list(error.absolute_schema_path)[:-1]:  # the last part is the failing keyword
        node = node[part]
        if naming or part == "items":  # a property, an item: one level into the instance
            depth += 1
        naming = not naming and part in ("properties", "prefixItems")
        if not naming and isinstance(node, dict) and isinstance(node.get("errorMessage"), str):
            return node["errorMessage"], depth
    return None


def _at(instance: Any, path: Path) -> Any:
    for part in path:
        instance = instance[part]
    return instance


def field_name(path: Path) -> str | None:
    """('layers', 2, 'box') -> 'layers[2].box'; None for the spec itself."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else part
    return name or None


def spec_line(spec: Any, text: str, path: Path) -> int | None:
    """The line shown for a problem at PATH: a layer's is its type's, others their key's."""
    if not path:
        return 1
    if path[0] == "layers" and len(path) > 1:
        layer = spec["layers"][path[1]]
        kind = layer.get("type") if isinstance(layer, dict) else None
        return json_line(text, kind) if isinstance(kind, str) else None
    return json_line(text, str(path[0]))


def json_line(text: str, needle: str) -> int | None:
    """The line where the JSON-encoded string NEEDLE (or else NEEDLE as is) first appears."""
    offset = text.find(json.dumps(needle))
    if offset < 0:
        offset = text.find(needle)
    return None if offset < 0 else text.count("\n", 0, offset) + 1
