"""Validation on import: every problem of a bundle as (file, line, field, message)."""

from __future__ import annotations

import io
import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

import jinja2
import jinja2.meta
from jinja2 import nodes

from renderers.email import compile_mjml
from renderers.errors import RenderError, TemplateSourceError
from renderers.fonts import FONT_FILES
from renderers.limits import Limits
from renderers.sandbox import make_environment

from .bundle import TemplateBundle, limit_errors
from .context import CONTEXT_SHAPE
from .errors import ValidationError
from .image_files import image_file_errors
from .image_spec import LAYER_TYPES, json_line, spec_errors
from .manifest import MANIFEST_FILE, KeyLines, Manifest
from .settings import max_pages_ceiling

CONTEXT_ROOTS = ("partner", "vendor", "fields")
# what a template may point at without the file being in the bundle
NON_FILE_PREFIXES = ("#", "mailto:", "tel:", "data:", "storage:", "cid:", "about:")
EXTERNAL_PREFIXES = ("http://", "https://", "//", "ftp://", "file:")
TEXT_SUFFIXES = (".html", ".htm", ".css", ".mjml", ".svg", ".json", ".txt", ".toml")

TAG_RE = re.compile(r"<([a-zA-Z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
ATTR_RE = re.compile(
    r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""",
    re.S,
)
URL_RE = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"]*?))\s*\)""", re.I)
IMPORT_RE = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)
# attributes that make a renderer fetch a file (a link's href is only a link)
FETCH_ATTRS = frozenset({"src", "background", "poster", "background-url", "srcset"})


def validate(
    bundle: TemplateBundle, *, render: bool = True, max_pages_ceiling: int | None = None
) -> list[ValidationError]:
    """Every problem found in BUNDLE; empty when it can be imported and rendered.

    First what can be read from the files (``file_errors``); when they have none and RENDER
    is true, what a render for the sample partner runs into (``sample_render_errors``: the
    page limit, template code that fails at render time, images the renderer cannot load).
    """
    errors = file_errors(bundle, max_pages_ceiling=max_pages_ceiling)
    if errors or not render:
        return errors
    # loaded here: the renderers (WeasyPrint, MJML) are not needed to check the files
    from .sample_check import sample_render_errors

    return sample_render_errors(bundle)


def file_errors(
    bundle: TemplateBundle, *, max_pages_ceiling: int | None = None
) -> list[ValidationError]:
    """Every problem that can be read from BUNDLE's files without rendering it."""
    errors = limit_errors([(name, len(data)) for name, data in bundle.files.items()])
    manifest, manifest_errors = bundle.parsed
    errors += manifest_errors
    if manifest is None:
        return errors
    lines = KeyLines(bundle.files[MANIFEST_FILE].decode("utf-8"))
    errors += _page_limit_errors(manifest, lines, max_pages_ceiling)
    # an email's images are drawn by the reader's mail client: no pixel limit of ours applies
    max_pixels = None if manifest.kind == "email" else Limits.max_pixels
    errors += image_file_errors(bundle, max_pixels)
    main = manifest.main_file
    assert main is not None
    if main not in bundle.files:
        key = {"pdf": "source", "email": "source", "image": "spec", "pdf-stamp": "pdf"}[
            manifest.kind
        ]
        errors.append(
            ValidationError(MANIFEST_FILE, lines.line(key), key, f"the bundle has no file {main!r}")
        )
        return errors
    checker = {
        "pdf": _check_html_pdf,
        "email": _check_email,
        "image": _check_image,
        "pdf-stamp": _check_stamp,
    }[manifest.kind]
    errors += checker(bundle, manifest, lines)
    for name, data in bundle.files.items():
        if name.endswith((".css", ".svg")) and name != main:
            errors += _check_refs(bundle, name, _decode(name, data, errors), external_ok=False)
    return errors


def _page_limit_errors(
    manifest: Manifest, lines: KeyLines, ceiling: int | None
) -> list[ValidationError]:
    if manifest.max_pages is None:
        return []
    ceiling = max_pages_ceiling() if ceiling is None else ceiling
    if manifest.max_pages <= ceiling:
        return []
    message = (
        f"{manifest.max_pages} pages is more than this instance allows: at most {ceiling} "
        "(the setting TEMPLATE_MAX_PAGES_CEILING)"
    )
    return [ValidationError(MANIFEST_FILE, lines.line("max_pages"), "max_pages", message)]


def _decode(name: str, data: bytes, errors: list[ValidationError]) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.append(ValidationError(name, line, None, "not UTF-8 text"))
        return data.decode("utf-8", "replace")


# --- Jinja ---------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    return make_environment()


def check_jinja(
    source: str,
    filename: str,
    manifest: Manifest,
    *,
    line_offset: int = 0,
    field: str | None = None,
    file_for_errors: str | None = None,
) -> list[ValidationError]:
    """Syntax errors and references to undeclared fields or unknown context keys."""
    env = _environment()
    where = file_for_errors or filename

    def at(lineno: int | None) -> int | None:
        return None if lineno is None else lineno + line_offset

    try:
        tree = env.parse(source, filename=filename)
    except jinja2.TemplateSyntaxError as exc:
        return [
            ValidationError(where, at(exc.lineno), field, f"template syntax error: {exc.message}")
        ]
    errors: list[ValidationError] = []
    undeclared = jinja2.meta.find_undeclared_variables(tree) - set(env.globals) - set(CONTEXT_ROOTS)
    reported: set[str] = set()
    for node in tree.find_all(nodes.Name):
        if node.ctx == "load" and node.name in undeclared and node.name not in reported:
            reported.add(node.name)
            message = f"unknown variable {node.name!r}; a template sees partner, vendor and fields"
            if manifest.kind == "email":
                message += (
                    "; to keep an email-service merge tag, write "
                    f"{{% raw %}}{{{{{node.name}}}}}{{% endraw %}}"
                )
            errors.append(ValidationError(where, at(node.lineno), field, message))
    for lineno, path in _context_paths(tree):
        problem = _check_context_path(path, manifest)
        if problem:
            errors.append(ValidationError(where, at(lineno), ".".join(path), problem))
    return errors


def _context_paths(tree: nodes.Node) -> Iterator[tuple[int, list[str]]]:
    """(line, ['partner', 'colors', 'primary']) for each longest attribute chain on a root name."""
    inner: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if id(node) in inner:
            continue
        path: list[str] = []
        current: nodes.Node = node
        chain: list[nodes.Node] = []
        while isinstance(current, nodes.Getattr | nodes.Getitem):
            chain.append(current)
            if isinstance(current, nodes.Getattr):
                path.append(current.attr)
            elif isinstance(current.arg, nodes.Const) and isinstance(current.arg.value, str):
                path.append(current.arg.value)
            else:
                path = []  # a computed key: cannot be checked statically
                chain.clear()
                break
            current = current.node
        if not chain or not isinstance(current, nodes.Name) or current.name not in CONTEXT_ROOTS:
            continue
        inner.update(id(n) for n in chain)
        yield node.lineno, [current.name, *reversed(path)]


def _check_context_path(path: list[str], manifest: Manifest) -> str | None:
    root, rest = path[0], path[1:]
    if root == "fields":
        name = rest[0]
        if name not in manifest.fields:
            return f"field {name!r} is not declared in template.toml (add [fields.{name}])"
        return None
    node: object = CONTEXT_SHAPE[root]
    walked = [root]
    for part in rest:
        if not isinstance(node, dict):
            return None  # a method or attribute of a string value: the sandbox decides
        if part not in node:
            return f"{'.'.join(walked)} has no {part!r} (known: {', '.join(sorted(node))})"
        node = node[part]
        walked.append(part)
    return None


# --- files a source refers to ------------------------------------------------------------


def iter_refs(text: str) -> Iterator[tuple[int, str, str]]:
    """(offset, kind, reference) for each file reference in HTML, MJML or CSS text."""
    for tag in TAG_RE.finditer(text):
        tag_name = tag[1].lower()
        for attr in ATTR_RE.finditer(tag[2]):
            name = attr[1].lower()
            value = next(v for v in attr.groups()[1:] if v is not None)
            offset = tag.start(2) + attr.start()
            if name in FETCH_ATTRS:
                if name == "srcset":
                    for candidate in value.split(","):
                        if candidate.strip():
                            yield offset, "fetch", candidate.strip().split()[0]
                else:
                    yield offset, "fetch", value
            elif name in {"href", "xlink:href"} and tag_name in {
                "link",
                "mj-include",
                "image",
                "use",
                "feimage",
            }:
                yield offset, "fetch", value
            elif name == "path" and tag_name == "mj-include":
                yield offset, "fetch", value
            elif name == "style":
                for url in URL_RE.finditer(value):
                    yield offset, "fetch", next(v for v in url.groups() if v is not None)
    for url in URL_RE.finditer(text):
        yield url.start(), "fetch", next(v for v in url.groups() if v is not None)
    for imp in IMPORT_RE.finditer(text):
        yield imp.start(), "fetch", next(v for v in imp.groups() if v is not None)


def _check_refs(
    bundle: TemplateBundle, filename: str, text: str, *, external_ok: bool
) -> list[ValidationError]:
    errors: list[ValidationError] = []
    seen: set[tuple[int, str]] = set()
    for offset, _kind, ref in sorted(iter_refs(text)):
        ref = ref.strip()
        line = text.count("\n", 0, offset) + 1
        if (line, ref) in seen:
            continue
        seen.add((line, ref))
        problem = check_ref(bundle, filename, ref, external_ok=external_ok)
        if problem:
            errors.append(ValidationError(filename, line, None, problem))
    return errors


def check_ref(bundle: TemplateBundle, base_file: str, ref: str, *, external_ok: bool) -> str | None:
    """None if REF (as written in BASE_FILE) names something the renderer may fetch."""
    if not ref or "{{" in ref or "{%" in ref or ref.lower().startswith(NON_FILE_PREFIXES):
        return None
    if ref.lower().startswith(EXTERNAL_PREFIXES):
        if external_ok:
            return None
        return (
            f"{ref!r} is outside the template; renderers fetch only the template's own files: "
            "add it to the bundle"
        )
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", ref) and not ref.startswith("asset:"):
        return f"{ref!r}: unsupported address scheme"
    name = ref[len("asset:") :] if ref.startswith("asset:") else ref
    name = unquote(re.split(r"[?#]", name, maxsplit=1)[0])
    if name.startswith("/"):
        return f"{ref!r} is an absolute path; write it relative to the template folder"
    if ref.startswith("asset:") or not base_file.endswith((".css", ".svg")):
        # templates resolve against the template folder; a stylesheet against its own folder
        if ".." in name.split("/"):
            return f"{ref!r} uses '..'; write it relative to the template folder"
        resolved = posixpath.normpath(name)
    else:
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(base_file), name))
    if resolved.startswith("../") or resolved == "..":
        return f"{ref!r} points outside the template folder"
    if resolved not in bundle.files:
        return f"{ref!r} is not in the bundle"
    return None


# --- per kind -----------------------------------------------------------------------------


def _check_html_pdf(
    bundle: TemplateBundle, manifest: Manifest, lines: KeyLines
) -> list[ValidationError]:
    errors: list[ValidationError] = []
    name = manifest.source
    assert name is not None
    text = _decode(name, bundle.files[name], errors)
    errors += check_jinja(text, name, manifest)
    errors += _check_refs(bundle, name, text, external_ok=False)
    return errors


def _check_email(
    bundle: TemplateBundle, manifest: Manifest, lines: KeyLines
) -> list[ValidationError]:
    errors: list[ValidationError] = []
    name = manifest.source
    assert name is not None
    text = _decode(name, bundle.files[name], errors)
    syntax = check_jinja(text, name, manifest)
    errors += syntax
    # an email's images are fetched by the reader's mail client, so web addresses are fine
    errors += _check_refs(bundle, name, text, external_ok=True)
    for key in ("subject", "preheader"):
        value = getattr(manifest, key)
        if value:
            errors += check_jinja(
                value,
                key,
                manifest,
                line_offset=(lines.line(key) or 1) - 1,
                field=key,
                file_for_errors=MANIFEST_FILE,
            )
    if not any(e.file == name and "syntax" in e.message for e in syntax):
        errors += _compile_mjml_errors(text, name)
    return errors


def _compile_mjml_errors(text: str, name: str) -> list[ValidationError]:
    try:
        compile_mjml(text, filename=name)
    except TemplateSourceError as exc:
        line, hint = exc.lineno, ""
        if line is None:
            line, hint = mjml_nesting_problem(text) or (None, "")
        message = f"MJML error: {exc.detail}" + (f" ({hint})" if hint else "")
        return [ValidationError(exc.filename or name, line, None, message)]
    except RenderError as exc:
        return [ValidationError(name, None, None, f"MJML error: {exc}")]
    return []


MJML_TAG_RE = re.compile(r"<(/?)(mj(?:ml|-[a-z-]+))\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
MJML_ENDING_TAGS = frozenset(
    {
        "mj-text",
        "mj-button",
        "mj-table",
        "mj-raw",
        "mj-navbar-link",
        "mj-social-element",
        "mj-accordion-title",
        "mj-accordion-text",
    }
)


def mjml_nesting_problem(text: str) -> tuple[int, str] | None:
    """(line, explanation) of the first MJML tag left open or closed out of turn."""
    stack: list[tuple[str, int]] = []
    for match in MJML_TAG_RE.finditer(text):
        closing, tag, rest = match[1], match[2], match[3]
        line = text.count("\n", 0, match.start()) + 1
        if stack and stack[-1][0] in MJML_ENDING_TAGS and not (closing and tag == stack[-1][0]):
            continue  # an ending tag holds HTML, not components
        if closing:
            if not stack:
                return line, f"</{tag}> closes nothing"
            opened, opened_line = stack.pop()
            if opened != tag:
                return (
                    opened_line,
                    f"<{opened}> opened on line {opened_line} is closed by </{tag}> on line {line}",
                )
        elif not rest.rstrip().endswith("/"):
            stack.append((tag, line))
    if stack:
        tag, line = stack[-1]
        return line, f"<{tag}> opened on line {line} is never closed"
    return None


def _check_image(
    bundle: TemplateBundle, manifest: Manifest, lines: KeyLines
) -> list[ValidationError]:
    errors: list[ValidationError] = []
    name = manifest.spec
    assert name is not None
    text = _decode(name, bundle.files[name], errors)
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        return errors + [
            ValidationError(
                name, exc.lineno, None, f"JSON syntax error: {exc.msg} (column {exc.colno})"
            )
        ]
    errors += spec_errors(spec, name, text)
    if not isinstance(spec, dict):
        return errors
    checks = _ImageChecks(bundle, manifest, name, text, {e.field for e in errors})
    errors += checks.canvas_size(spec)
    errors += checks.background(spec.get("background", "#ffffff"))
    layers = spec.get("layers", [])
    for index, layer in enumerate(layers if isinstance(layers, list) else []):
        kind = layer.get("type") if isinstance(layer, dict) else None
        if isinstance(kind, str) and kind in LAYER_TYPES:
            errors += checks.layer(f"layers[{index}]", layer)
    return errors


@dataclass
class _ImageChecks:
    """What the spec's schema cannot say: the canvas, fonts, files, colours and Jinja."""

    bundle: TemplateBundle
    manifest: Manifest
    name: str
    text: str
    malformed: set[str | None]  # the fields with a structural problem

    def error(self, field: str, message: str, line: int | None) -> ValidationError:
        return ValidationError(self.name, line, field, message)

    def canvas_size(self, spec: dict) -> list[ValidationError]:
        errors = []
        for key in ("width", "height"):
            value, expected = spec.get(key), getattr(self.manifest, key)
            if key in spec and key not in self.malformed and value != expected:
                message = f"is {value} but template.toml says {expected}"
                errors.append(self.error(key, message, json_line(self.text, key)))
        return errors

    def background(self, background: object) -> list[ValidationError]:
        if isinstance(background, str):
            return self.colour(background, "background")
        if not isinstance(background, dict):
            return []
        return self.colour(background.get("color"), "background.color") + self.file(
            background.get("image"), "background.image"
        )

    def layer(self, label: str, layer: dict) -> list[ValidationError]:
        kind = layer["type"]
        line = json_line(self.text, kind)
        errors = self.box(layer.get("box"), f"{label}.box", line)
        if kind == "text":
            font = layer.get("font")
            if "font" in layer and not (isinstance(font, str) and font in FONT_FILES):
                known = ", ".join(sorted(FONT_FILES))
                message = f"unknown font {font!r}; available: {known}"
                errors.append(self.error(f"{label}.font", message, line))
            errors += self.jinja(layer.get("text"), f"{label}.text")
            errors += self.colour(layer.get("color"), f"{label}.color")
        elif kind == "image":
            errors += self.src(layer.get("src"), f"{label}.src")
        else:
            errors += self.colour(layer.get("fill"), f"{label}.fill")
        return errors

    def box(self, box: object, field: str, line: int | None) -> list[ValidationError]:
        if not isinstance(box, list) or field in self.malformed:
            return []
        x, y, w, h = box
        width, height = self.manifest.width or 0, self.manifest.height or 0
        if x < 0 or y < 0 or x + w > width or y + h > height:
            return [self.error(field, f"{box} goes outside the {width}x{height} canvas", line)]
        return []

    def src(self, src: object, field: str) -> list[ValidationError]:
        """An image layer's file, or Jinja that names one."""
        if not isinstance(src, str):
            return []
        if "{{" in src or "{%" in src:
            return self.jinja(src, field)
        return self.file(src, field)

    def file(self, src: object, field: str) -> list[ValidationError]:
        """SRC must name a file of the template (Jinja is left to the renderer)."""
        if not isinstance(src, str):
            return []
        problem = check_ref(self.bundle, "", src, external_ok=False)
        return [self.error(field, problem, json_line(self.text, src))] if problem else []

    def jinja(self, value: object, field: str) -> list[ValidationError]:
        if not isinstance(value, str):
            return []
        offset = (json_line(self.text, value) or 1) - 1
        return check_jinja(value, self.name, self.manifest, field=field, line_offset=offset)

    def colour(self, value: object, field: str) -> list[ValidationError]:
        if not isinstance(value, str):
            return []
        return _check_colour_or_jinja(value, self.name, field, self.text, self.manifest)


def _check_colour_or_jinja(
    value: str, name: str, field: str, text: str, manifest: Manifest
) -> list[ValidationError]:
    line = json_line(text, value)
    if "{{" in value or "{%" in value:
        return check_jinja(value, name, manifest, field=field, line_offset=(line or 1) - 1)
    if not re.match(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$", value):
        return [ValidationError(name, line, field, f"{value!r} is not a colour such as #1a2b3c")]
    return []


def _check_stamp(
    bundle: TemplateBundle, manifest: Manifest, lines: KeyLines
) -> list[ValidationError]:
    name = manifest.pdf
    assert name is not None
    data = bundle.files[name]
    if not data.startswith(b"%PDF-"):
        return [ValidationError(name, None, None, "not a PDF file")]
    # pypdf only for stamp templates: `tandem templates validate` of the others skips it
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return [
                ValidationError(name, None, None, "the PDF is encrypted; stamp an unencrypted PDF")
            ]
        sizes = [_displayed_size(page) for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        return [ValidationError(name, None, None, f"unreadable PDF: {exc}")]
    errors: list[ValidationError] = []
    for index, zone in enumerate(manifest.zones):
        field = f"zones[{index}]"
        if zone.page > len(sizes):
            errors.append(
                ValidationError(
                    MANIFEST_FILE,
                    lines.line("zones", index, "page"),
                    f"{field}.page",
                    f"page {zone.page} is out of range; {name} has {len(sizes)} page(s)",
                )
            )
            continue
        width, height = sizes[zone.page - 1]
        if zone.x + zone.width > width + 0.01 or zone.y + zone.height > height + 0.01:
            errors.append(
                ValidationError(
                    MANIFEST_FILE,
                    lines.line("zones", index),
                    field,
                    f"the zone ({zone.x:g}, {zone.y:g}, {zone.width:g} x {zone.height:g} pt) "
                    f"goes outside page {zone.page} ({width:g} x {height:g} pt)",
                )
            )
    return errors


def _displayed_size(page) -> tuple[float, float]:
    """Width and height of the page as shown (crop box, rotation applied), in points."""
    width, height = float(page.cropbox.width), float(page.cropbox.height)
    if int(page.rotation or 0) % 180 == 90:
        return height, width
    return width, height
