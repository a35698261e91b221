"""template.toml: the manifest of a brand template, parsed into dataclasses with precise errors."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

from app.validation import text_problem

from .context import check_reference
from .errors import ValidationError
from .fieldtypes import COLOR_RE, FIELD_TYPES, LENGTH_TYPES, FieldTypeError, clean_value

MANIFEST_FILE = "template.toml"
KINDS = ("pdf", "pdf-stamp", "email", "image")
PAGE_SIZES = ("A3", "A4", "A5", "B5", "Letter", "Legal", "Ledger")
# a CSS page size of two lengths: "210mm 297mm", "8.5in 11in"
CSS_PAGE_SIZE_RE = re.compile(r"^\d+(\.\d+)?(mm|cm|in|pt|px) \d+(\.\d+)?(mm|cm|in|pt|px)$")
FIELD_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
ZONE_CONTENTS = ("logo", "text", "contact")
ALIGNS = ("left", "center", "right")
FITS = ("contain", "cover")
MAX_IMAGE_SIDE = 8000

COMMON_KEYS = {"name", "description", "kind", "version", "fields"}
KIND_KEYS = {
    "pdf": {"source", "page_size"},
    "email": {"source", "subject", "preheader"},
    "image": {"spec", "width", "height"},
    "pdf-stamp": {"pdf", "zones"},
}
REQUIRED_KIND_KEYS = {
    "pdf": ("source",),
    "email": ("source", "subject"),
    "image": ("spec", "width", "height"),
    "pdf-stamp": ("pdf", "zones"),
}
FIELD_KEYS = {
    "type",
    "label",
    "help",
    "required",
    "default",
    "default_from",
    "max_length",
    "choices",
    "editable",
}
ZONE_KEYS = {
    "page",
    "x",
    "y",
    "width",
    "height",
    "content",
    "field",
    "font",
    "size",
    "color",
    "align",
    "shrink_to_fit",
    "fit",
}


@dataclass(frozen=True)
class FieldSpec:
    """One field a template exposes: who may change it, and what a value may be."""

    name: str
    type: str
    label: str
    help: str = ""
    required: bool = False
    default: str | None = None
    default_from: str | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    editable: bool = False
    line: int | None = dataclasses.field(default=None, compare=False)

    @property
    def locked(self) -> bool:
        return not self.editable


@dataclass(frozen=True)
class ZoneSpec:
    """A box stamped onto a page of a pdf-stamp template (PDF points, origin top left)."""

    page: int
    x: float
    y: float
    width: float
    height: float
    content: str
    field: str | None = None
    font: str = "DejaVuSans"
    size: float = 12
    color: str = "#000000"
    align: str = "left"
    shrink_to_fit: bool = True
    fit: str = "contain"
    line: int | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class Manifest:
    name: str
    kind: str
    description: str = ""
    version: str = ""
    source: str | None = None
    page_size: str = "A4"
    subject: str | None = None
    preheader: str = ""
    spec: str | None = None
    width: int | None = None
    height: int | None = None
    pdf: str | None = None
    zones: tuple[ZoneSpec, ...] = ()
    fields: dict[str, FieldSpec] = dataclasses.field(default_factory=dict)

    @property
    def main_file(self) -> str | None:
        """The file that holds the template's design."""
        return {
            "pdf": self.source,
            "email": self.source,
            "image": self.spec,
            "pdf-stamp": self.pdf,
        }[self.kind]

    @property
    def editable_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields.values() if f.editable]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description (stored with each template version)."""
        data = asdict(self)
        data["fields"] = {name: _without_line(asdict(spec)) for name, spec in self.fields.items()}
        data["zones"] = [_without_line(asdict(zone)) for zone in self.zones]
        for spec in data["fields"].values():
            spec["choices"] = list(spec["choices"])
        return data


def _without_line(data: dict) -> dict:
    data.pop("line", None)
    return data


class KeyLines:
    """Line numbers of TOML tables and keys (tomllib keeps none), for error messages."""

    HEADER_ARRAY = re.compile(r"^\[\[\s*(.+?)\s*\]\]")
    HEADER = re.compile(r"^\[\s*(.+?)\s*\]")
    KEY = re.compile(
        r"""^((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*="""
    )

    def __init__(self, text: str):
        self.lines: dict[tuple, int] = {}
        table: tuple = ()
        counters: dict[tuple, int] = {}
        in_multiline: str | None = None
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if in_multiline:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            if not line or line.startswith("#"):
                continue
            if match := self.HEADER_ARRAY.match(line):
                path = self._split(match[1])
                counters[path] = counters.get(path, -1) + 1
                table = path + (counters[path],)
                self.lines.setdefault(table, number)
            elif match := self.HEADER.match(line):
                table = self._split(match[1])
                self.lines.setdefault(table, number)
            elif match := self.KEY.match(line):
                self.lines.setdefault(table + self._split(match[1]), number)
                rest = line[match.end() :]
                for quote in ('"""', "'''"):
                    if rest.count(quote) % 2 == 1:
                        in_multiline = quote

    @staticmethod
    def _split(dotted: str) -> tuple:
        parts = re.findall(r"""[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'""", dotted)
        return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)

    def line(self, *path) -> int | None:
        """The line of PATH, or of its nearest enclosing table that has one."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


class _Collector:
    def __init__(self, filename: str, lines: KeyLines):
        self.filename = filename
        self.lines = lines
        self.errors: list[ValidationError] = []

    def add(self, path: tuple, message: str, *, field: str | None = None) -> None:
        name = field if field is not None else dotted(path)
        self.errors.append(ValidationError(self.filename, self.lines.line(*path), name, message))


def dotted(path: tuple) -> str | None:
    """('zones', 0, 'page') -> 'zones[0].page'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or None


def _type_name(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _expect(errors: _Collector, path: tuple, value: object, types: tuple, label: str) -> bool:
    # bool is an int in Python, never in a manifest
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if not ok:
        errors.add(path, f"must be {label}, not {_type_name(value)}")
    return ok


def parse_manifest(
    text: str | bytes, *, filename: str = MANIFEST_FILE, files: Collection[str] | None = None
) -> tuple[Manifest | None, list[ValidationError]]:
    """Parse template.toml; the manifest is None when it is too broken to use.

    FILES (the bundle's file names) lets image defaults that name template files be checked.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [ValidationError(filename, None, None, f"not UTF-8 text: {exc}")]
    try:
        data = tomllib.loads(text)
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        return None, [ValidationError(filename, None, None, "TOML nested too deeply")]
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(match[1]) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        if match:
            message += f" (column {match[2]})"
        return None, [ValidationError(filename, line, None, f"TOML syntax error: {message}")]

    errors = _Collector(filename, KeyLines(text))
    _check_text(errors, data)
    if errors.errors:
        return None, errors.errors
    kind = data.get("kind")
    if "kind" not in data:
        errors.add((), "missing required key 'kind'", field="kind")
    elif not isinstance(kind, str) or kind not in KINDS:
        errors.add(("kind",), f"unknown kind {kind!r}; expected one of: {', '.join(KINDS)}")
        kind = None
    if "name" not in data:
        errors.add((), "missing required key 'name'", field="name")

    allowed = COMMON_KEYS | (KIND_KEYS[kind] if kind else set().union(*KIND_KEYS.values()))
    for key in data:
        if key in allowed:
            continue
        users = [k for k, keys in KIND_KEYS.items() if key in keys]
        if users:
            errors.add((key,), f"not used by kind {kind!r} (only by {', '.join(users)})")
        else:
            errors.add((key,), f"unknown key {key!r}")
    if kind:
        for key in REQUIRED_KIND_KEYS[kind]:
            if key not in data:
                errors.add((), f"missing required key {key!r} for kind {kind!r}", field=key)

    values: dict[str, Any] = {}
    for key in ("name", "description", "version", "subject", "preheader"):
        if key in data and _expect(errors, (key,), data[key], (str,), "a string"):
            values[key] = data[key]
    if "name" in values and not values["name"].strip():
        errors.add(("name",), "must not be empty")
    for key in ("source", "spec", "pdf"):
        if (
            key in data
            and key in allowed
            and _expect(errors, (key,), data[key], (str,), "a string")
        ):
            problem = check_relative_path(data[key])
            if problem:
                errors.add((key,), problem)
            else:
                values[key] = data[key]
    if "page_size" in data and _expect(
        errors, ("page_size",), data["page_size"], (str,), "a string"
    ):
        size = data["page_size"]
        if size not in PAGE_SIZES and not CSS_PAGE_SIZE_RE.match(size):
            errors.add(
                ("page_size",),
                f"unknown page size {size!r}; use one of {', '.join(PAGE_SIZES)} "
                "or two CSS lengths such as '210mm 297mm'",
            )
        else:
            values["page_size"] = size
    for key in ("width", "height"):
        if key in data and _expect(errors, (key,), data[key], (int,), "an integer (pixels)"):
            if not 1 <= data[key] <= MAX_IMAGE_SIDE:
                errors.add((key,), f"must be between 1 and {MAX_IMAGE_SIDE} pixels")
            else:
                values[key] = data[key]

    fields: dict[str, FieldSpec] = {}
    raw_fields = data.get("fields", {})
    if _expect(errors, ("fields",), raw_fields, (dict,), "a table of [fields.<name>] tables"):
        for name, raw in raw_fields.items():
            spec = _parse_field(errors, name, raw, files)
            if spec is not None:
                fields[name] = spec

    zones: list[ZoneSpec] = []
    if kind == "pdf-stamp" and "zones" in data:
        raw_zones = data["zones"]
        if _expect(errors, ("zones",), raw_zones, (list,), "an array of [[zones]] tables"):
            if not raw_zones:
                errors.add(("zones",), "a pdf-stamp template needs at least one zone")
            for index, raw in enumerate(raw_zones):
                zone = _parse_zone(errors, index, raw, fields)
                if zone is not None:
                    zones.append(zone)

    if errors.errors or kind is None:
        return None, errors.errors
    manifest = Manifest(kind=kind, fields=fields, zones=tuple(zones), **values)
    return manifest, []


def _check_text(errors: _Collector, data: dict) -> None:
    """Every key and string must be text: TOML's \\u escapes can spell control characters."""
    stack: list[tuple[tuple, object]] = [((), data)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                errors.add(path, problem)
        elif isinstance(item, dict):
            for key, value in item.items():
                problem = text_problem(key)
                if problem:
                    errors.add(path, f"a key {problem}")
                else:
                    stack.append(((*path, key), value))
        elif isinstance(item, list):
            stack.extend(((*path, index), value) for index, value in enumerate(item))


def check_relative_path(name: str) -> str | None:
    """None if NAME is a safe path inside the bundle, else why not."""
    if not name:
        return "must not be empty"
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return f"{name!r} must be a relative path with forward slashes"
    if ".." in name.split("/"):
        return f"{name!r} must not leave the template folder"
    return None


def _parse_field(
    errors: _Collector, name: str, raw: object, files: Collection[str] | None
) -> FieldSpec | None:
    path = ("fields", name)
    before = len(errors.errors)
    if not FIELD_NAME_RE.match(name):
        errors.add(
            path, "a field name must be lower case letters, digits and _, not starting with a digit"
        )
    if not _expect(errors, path, raw, (dict,), "a table"):
        return None
    assert isinstance(raw, dict)
    for key in raw:
        if key not in FIELD_KEYS:
            errors.add(
                path + (key,), f"unknown key {key!r}; expected: {', '.join(sorted(FIELD_KEYS))}"
            )
    type_ = raw.get("type")
    if "type" not in raw:
        errors.add(path, "missing required key 'type'", field=f"fields.{name}.type")
        type_ = None
    elif type_ not in FIELD_TYPES:
        errors.add(
            path + ("type",),
            f"unknown field type {type_!r}; expected one of: {', '.join(FIELD_TYPES)}",
        )
        type_ = None

    values: dict[str, Any] = {}
    for key in ("label", "help", "default", "default_from"):
        if key in raw and _expect(errors, path + (key,), raw[key], (str,), "a string"):
            values[key] = raw[key]
    for key in ("required", "editable"):
        if key in raw and _expect(errors, path + (key,), raw[key], (bool,), "true or false"):
            values[key] = raw[key]
    if "max_length" in raw and _expect(
        errors, path + ("max_length",), raw["max_length"], (int,), "an integer"
    ):
        if raw["max_length"] < 1:
            errors.add(path + ("max_length",), "must be at least 1")
        elif type_ and type_ not in LENGTH_TYPES:
            errors.add(path + ("max_length",), f"does not apply to a {type_} field")
        else:
            values["max_length"] = raw["max_length"]
    if "choices" in raw:
        choices = raw["choices"]
        if type_ and type_ != "choice":
            errors.add(path + ("choices",), f"only a choice field has choices, not a {type_} field")
        elif _expect(errors, path + ("choices",), choices, (list,), "an array of strings"):
            if not choices or not all(isinstance(c, str) and c for c in choices):
                errors.add(path + ("choices",), "must be a non-empty array of non-empty strings")
            elif len(set(choices)) != len(choices):
                errors.add(path + ("choices",), "has duplicates")
            else:
                values["choices"] = tuple(choices)
    elif type_ == "choice":
        errors.add(path, "a choice field needs 'choices'", field=f"fields.{name}.choices")

    if "default_from" in values:
        problem = check_reference(values["default_from"])
        if problem:
            errors.add(path + ("default_from",), problem)
    if "default" in values and type_ and (type_ != "choice" or "choices" in values):
        try:
            clean_value(
                type_,
                values["default"],
                max_length=values.get("max_length"),
                choices=values.get("choices", ()),
                files=files,
            )
        except FieldTypeError as exc:
            message = str(exc)
            if message.startswith("is "):
                message = "default " + message
            errors.add(path + ("default",), message)
    if len(errors.errors) != before:
        return None
    values.setdefault("label", name.replace("_", " ").capitalize())
    return FieldSpec(name=name, type=type_, line=errors.lines.line(*path), **values)


def _parse_zone(
    errors: _Collector, index: int, raw: object, fields: dict[str, FieldSpec]
) -> ZoneSpec | None:
    path = ("zones", index)
    before = len(errors.errors)
    if not _expect(errors, path, raw, (dict,), "a table"):
        return None
    assert isinstance(raw, dict)

    def add(key: str | None, message: str) -> None:
        errors.add(path + ((key,) if key else ()), message)

    for key in raw:
        if key not in ZONE_KEYS:
            add(key, f"unknown key {key!r}; expected: {', '.join(sorted(ZONE_KEYS))}")
    for key in ("page", "x", "y", "width", "height", "content"):
        if key not in raw:
            add(None, f"missing required key {key!r}")
    values: dict[str, Any] = {}
    if "page" in raw and _expect(errors, path + ("page",), raw["page"], (int,), "an integer"):
        if raw["page"] < 1:
            add("page", "pages are numbered from 1")
        else:
            values["page"] = raw["page"]
    for key in ("x", "y", "width", "height", "size"):
        if key in raw and _expect(errors, path + (key,), raw[key], (int, float), "a number"):
            if raw[key] < 0 or (key in {"width", "height", "size"} and raw[key] == 0):
                add(key, "must be positive")
            else:
                values[key] = float(raw[key])
    content = raw.get("content")
    if "content" in raw:
        if content not in ZONE_CONTENTS:
            add(
                "content",
                f"unknown content {content!r}; expected one of: {', '.join(ZONE_CONTENTS)}",
            )
        else:
            values["content"] = content
    if "field" in raw and _expect(errors, path + ("field",), raw["field"], (str,), "a string"):
        name = raw["field"]
        spec = fields.get(name)
        if spec is None:
            add("field", f"no field {name!r} is declared under [fields]")
        elif content == "logo" and spec.type != "image":
            add("field", f"a logo zone needs an image field; {name!r} is a {spec.type} field")
        elif content in {"text", "contact"} and spec.type in {"image", "richtext"}:
            add("field", f"a {content} zone cannot show a {spec.type} field")
        values["field"] = name
    elif content == "text" and "field" not in raw:
        add(None, "a text zone needs 'field' (the field whose value it shows)")
    if "font" in raw and _expect(errors, path + ("font",), raw["font"], (str,), "a string"):
        values["font"] = raw["font"]
    if "color" in raw and _expect(errors, path + ("color",), raw["color"], (str,), "a string"):
        if not COLOR_RE.match(raw["color"]):
            add("color", f"{raw['color']!r} is not a colour in the form #rrggbb")
        else:
            values["color"] = raw["color"].lower()
    if "align" in raw:
        if raw["align"] not in ALIGNS:
            add("align", f"must be one of: {', '.join(ALIGNS)}")
        else:
            values["align"] = raw["align"]
    if "fit" in raw:
        if raw["fit"] not in FITS:
            add("fit", f"must be one of: {', '.join(FITS)}")
        else:
            values["fit"] = raw["fit"]
    if "shrink_to_fit" in raw and _expect(
        errors, path + ("shrink_to_fit",), raw["shrink_to_fit"], (bool,), "true or false"
    ):
        values["shrink_to_fit"] = raw["shrink_to_fit"]
    if len(errors.errors) != before:
        return None
    return ZoneSpec(line=errors.lines.line(*path), **values)
