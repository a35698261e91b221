"""Sanitizing an uploaded SVG: parsed without entities or external references, every
element, reference, CSS value and embedded image checked, the size of the tree once its
<use> references are expanded bounded, and a clean re-serialization returned."""

from __future__ import annotations

import base64
import binascii
import re
import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree as DefusedET
import tinycss2

from ..errors import ImageRejected
from .rasters import READ_ERRORS, declared_size
from .sizes import format_megapixels
from .sniff import NOT_AN_IMAGE, raster_kind

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XHTML_NS = "http://www.w3.org/1999/xhtml"

MAX_SVG_ELEMENTS = 10_000  # after <use> expansion; WeasyPrint draws ~3,000 a second
MAX_SVG_DEPTH = 64  # the renderer recurses per level; logos rarely nest beyond 15

_EMBEDDED_CONTENT = {"iframe", "embed", "object", "audio", "video", "canvas", "applet"}
_SCRIPT_ELEMENTS = {"script", "handler", "listener"}
_ANIMATION_ELEMENTS = {"set", "animate", "animatecolor", "animatemotion", "animatetransform"}
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|jpg|webp)(?:;[^,;]*)*;base64,(.*)", re.S | re.I)
_CSS_IMAGE_FUNCTIONS = {"image", "image-set", "-webkit-image-set", "cross-fade", "element"}


def sanitize_svg(data: bytes, *, max_pixels: int = 25_000_000) -> bytes:
    """Reject an unsafe SVG; return a clean re-serialization of a safe one.

    The output holds only the SVG tree that was checked: no DOCTYPE, comments,
    processing instructions, or editor metadata in other namespaces.
    """
    root = _parse_svg(data)
    budget = _PixelBudget(max_pixels)
    for element in root.iter():
        _check_element(element, budget)
    _check_complexity(root)
    return _serialize_svg(root)


class _PixelBudget:
    """Embedded rasters share one pixel limit, so many small images cannot add up to a bomb."""

    def __init__(self, limit: int) -> None:
        self.limit = self.left = limit

    def spend(self, pixels: int) -> None:
        self.left -= pixels
        if self.left < 0:
            raise ImageRejected(
                "The SVG embeds images with too many pixels; the limit is "
                f"{format_megapixels(self.limit)} in all."
            )


class _RecordingTreeBuilder(ET.TreeBuilder):
    """Tree builder that remembers processing instructions (e.g. <?xml-stylesheet?>)."""

    def __init__(self) -> None:
        super().__init__()
        self.processing_instructions: list[str] = []

    def pi(self, target, text=None):
        self.processing_instructions.append(target)
        return super().pi(target, text)


def _parse_svg(data: bytes) -> ET.Element:
    builder = _RecordingTreeBuilder()
    parser = DefusedET.DefusedXMLParser(
        target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        root = parser.close()
    except defusedxml.EntitiesForbidden as error:
        raise ImageRejected(
            "The SVG declares XML entities (<!ENTITY> in a DOCTYPE), which are not allowed."
        ) from error
    except (defusedxml.ExternalReferenceForbidden, defusedxml.DTDForbidden) as error:
        raise ImageRejected(
            "The SVG refers to an external DTD or entity, which is not allowed."
        ) from error
    except ET.ParseError as error:
        raise ImageRejected(
            f"The SVG is not well-formed XML ({error}); please export it again."
        ) from error
    if any(target.lower() == "xml-stylesheet" for target in builder.processing_instructions):
        raise ImageRejected(
            "The SVG links a stylesheet (<?xml-stylesheet?>), which is not allowed."
        )
    namespace, name = _split(root.tag)
    if name != "svg" or namespace not in (SVG_NS, None):
        raise ImageRejected(NOT_AN_IMAGE)
    return root


def _split(qualified: str) -> tuple[str | None, str]:
    if qualified.startswith("{"):
        namespace, _, name = qualified[1:].partition("}")
        return namespace, name
    return None, qualified


def _check_element(element: ET.Element, budget: _PixelBudget) -> None:
    if not isinstance(element.tag, str):  # comments and processing instructions
        return
    namespace, name = _split(element.tag)
    lowered = name.lower()
    if lowered in _SCRIPT_ELEMENTS:
        raise ImageRejected("The SVG contains a script, which is not allowed.")
    if lowered == "foreignobject":
        raise ImageRejected(
            "The SVG contains a <foreignObject> (embedded HTML), which is not allowed."
        )
    if namespace == XHTML_NS:
        raise ImageRejected(f"The SVG contains embedded HTML (<{name}>), which is not allowed.")
    if lowered in _EMBEDDED_CONTENT:
        raise ImageRejected(f"The SVG contains an embedded <{name}>, which is not allowed.")

    for qualified, value in element.attrib.items():
        _, attribute = _split(qualified)
        attribute = attribute.lower()
        if attribute.startswith("on"):
            raise ImageRejected(
                f"The SVG contains an event handler ({attribute}=…), which is not allowed."
            )
        if "javascript:" in _squeeze(value):
            raise ImageRejected("The SVG contains a javascript: URL, which is not allowed.")
        if attribute in ("href", "src", "base"):
            _check_reference(value, budget)
        elif attribute == "style" or "(" in value:
            _check_css(value, budget)

    if lowered in _ANIMATION_ELEMENTS:
        target = element.get("attributeName", "").lower().rpartition(":")[2]
        if target in ("href", "src", "style") or target.startswith("on"):
            raise ImageRejected(f"The SVG animates the {target} attribute, which is not allowed.")
    if lowered == "style":
        _check_css("".join(element.itertext()), budget)


def _squeeze(value: str) -> str:
    """Lower-case without whitespace and control characters, as URL parsers see it."""
    return re.sub(r"[\x00-\x20\x7f]+", "", value).lower()


def _check_reference(value: str, budget: _PixelBudget) -> None:
    reference = value.strip()
    if reference == "" or reference.startswith("#"):
        return
    squeezed = _squeeze(reference)
    if squeezed.startswith("javascript:"):
        raise ImageRejected("The SVG contains a javascript: URL, which is not allowed.")
    if squeezed.startswith("data:"):
        _check_data_uri(reference, budget)
        return
    shown = reference if len(reference) <= 60 else reference[:57] + "…"
    raise ImageRejected(
        f"The SVG refers to an external resource ({shown}), which is not allowed: "
        "only #fragment links and embedded PNG, JPEG or WebP images are."
    )


def _check_data_uri(reference: str, budget: _PixelBudget) -> None:
    match = _DATA_IMAGE.match(reference.strip())
    if match is None:
        kind = reference.strip()[5:].split(",", 1)[0].split(";", 1)[0] or "text/plain"
        raise ImageRejected(
            f"The SVG embeds data of type {kind[:40]}; only base64 PNG, JPEG or WebP "
            "images may be embedded."
        )
    try:
        payload = base64.b64decode(re.sub(r"\s+", "", match.group(1)), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImageRejected("The SVG embeds an image whose base64 data is damaged.") from error
    kind = raster_kind(payload)
    if kind is None:
        raise ImageRejected(
            "The SVG embeds an image that is not a PNG, JPEG or WebP image, which is not allowed."
        )
    try:
        size = declared_size(payload, kind)
    except READ_ERRORS as error:
        raise ImageRejected("The SVG embeds an image that is damaged.") from error
    budget.spend(size[0] * size[1])


def _check_css(css: str, budget: _PixelBudget) -> None:
    """Reject @import and any url()/image-set() that is not a #fragment or an embedded image.

    tinycss2 is the tokenizer WeasyPrint itself uses, so CSS escapes such as `u\\72l(`
    are read here exactly as the renderer would read them.
    """
    if "javascript:" in _squeeze(css):
        raise ImageRejected("The SVG contains a javascript: URL, which is not allowed.")
    pending = list(tinycss2.parse_component_value_list(css, skip_comments=True))
    while pending:
        token = pending.pop()
        token_type = token.type
        if token_type == "at-keyword" and token.lower_value == "import":
            raise ImageRejected("The SVG imports a stylesheet (@import), which is not allowed.")
        if token_type == "url":
            _check_reference(token.value, budget)
        elif token_type == "function":
            if token.lower_name in ("url", "src") or token.lower_name in _CSS_IMAGE_FUNCTIONS:
                for argument in token.arguments:
                    if argument.type == "string":
                        _check_reference(argument.value, budget)
            pending.extend(token.arguments)
        elif token_type in ("() block", "[] block", "{} block"):
            pending.extend(token.content)


def _use_target(element: ET.Element) -> str | None:
    href = element.get(f"{{{XLINK_NS}}}href") or element.get("href") or ""
    href = href.strip()
    return href[1:] if href.startswith("#") else None


def _check_complexity(root: ET.Element) -> None:
    """Bound the rendered tree: <use> can multiply elements like entities can."""
    by_id: dict[str, ET.Element] = {}
    for element in root.iter():
        element_id = element.get("id") or element.get(f"{{{XML_NS}}}id")
        if element_id and element_id not in by_id:
            by_id[element_id] = element

    def edges(element: ET.Element) -> list[ET.Element]:
        children = [child for child in element if isinstance(child.tag, str)]
        if _split(element.tag)[1] == "use":
            target = by_id.get(_use_target(element) or "")
            if target is not None:
                children.append(target)
        return children

    # Iterative post-order over the reference graph, memoizing (element count, depth).
    cost: dict[int, tuple[int, int]] = {}
    visiting: set[int] = set()
    stack: list[tuple[ET.Element, bool]] = [(root, False)]
    while stack:
        element, expanded = stack.pop()
        key = id(element)
        if expanded:
            visiting.discard(key)
            count, depth = 1, 1
            for child in edges(element):
                child_count, child_depth = cost[id(child)]
                count += child_count
                depth = max(depth, child_depth + 1)
            if count > MAX_SVG_ELEMENTS:
                raise ImageRejected(
                    f"The SVG is too complex: more than {MAX_SVG_ELEMENTS:,} elements once "
                    "its <use> references are expanded."
                )
            if depth > MAX_SVG_DEPTH:
                raise ImageRejected(
                    f"The SVG is nested too deeply (more than {MAX_SVG_DEPTH} levels)."
                )
            cost[key] = (count, depth)
            continue
        if key in cost:
            continue
        if key in visiting:
            raise ImageRejected("The SVG contains a <use> element that refers to itself.")
        visiting.add(key)
        stack.append((element, True))
        for child in edges(element):
            child_key = id(child)
            if child_key in visiting:
                raise ImageRejected("The SVG contains a <use> element that refers to itself.")
            if child_key not in cost:
                stack.append((child, False))


def _serialize_svg(root: ET.Element) -> bytes:
    """Write SVG-namespace elements with their plain, xlink: and xml: attributes."""
    parts: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']

    def attribute_name(qualified: str) -> str | None:
        namespace, name = _split(qualified)
        if namespace is None:
            return name
        if namespace == XLINK_NS:
            return f"xlink:{name}"
        if namespace == XML_NS:
            return f"xml:{name}"
        return None  # editor metadata such as inkscape:label

    def write(element: ET.Element, is_root: bool) -> None:
        namespace, name = _split(element.tag)
        parts.append(f"<{name}")
        if is_root:
            parts.append(f' xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}"')
        for qualified, value in element.attrib.items():
            written = attribute_name(qualified)
            if written is not None:
                parts.append(f' {written}="{_escape_attribute(value)}"')
        if not element.text and len(element) == 0:
            parts.append("/>")
            return
        parts.append(">")
        if element.text:
            parts.append(_escape_text(element.text))
        for child in element:
            if isinstance(child.tag, str) and _split(child.tag)[0] in (SVG_NS, None):
                write(child, False)
            if child.tail:
                parts.append(_escape_text(child.tail))
        parts.append(f"</{name}>")

    write(root, True)
    return "".join(parts).encode("utf-8")


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    return (
        _escape_text(value)
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )
