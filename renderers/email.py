"""MJML email templates: compiled once to HTML that keeps its Jinja tags, then
personalized per recipient in well under a millisecond.

MJML is compiled with every Jinja tag swapped for an inert placeholder (so that
``{% if a > b %}`` or quotes inside a tag cannot upset the MJML parser), then the tags
are put back. Each expression must survive compilation and each block tag must come
out exactly once and in order, or the template is refused with the line of the tag.
The plain-text alternative is derived from the same compiled HTML once, as a text
template, so rendering a recipient is two Jinja renders and no HTML parsing.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape as escape_html
from html.parser import HTMLParser
from typing import Any

import jinja2
from jinja2 import nodes
from markupsafe import Markup, escape
from mjml import mjml2html

from .errors import TemplateSourceError
from .sandbox import TEXT_ENV, compile_template, make_environment, render_template

# a whole {% raw %} block is one tag: its text is output, like an expression's value
_RAW_BLOCK = r"\{%[-+]?\s*raw\s*[-+]?%\}.*?\{%[-+]?\s*endraw\s*[-+]?%\}"
_JINJA_TAG = re.compile(_RAW_BLOCK + r"|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_PLACEHOLDER = re.compile(r"tdmjtag(\d+)q")
_MRML_POSITION = re.compile(r"at position (\d+):(\d+)")
_UNRENDERED = ("{{", "{%", "{#")
_BRACE_BEFORE_TAG = re.compile(r"\{(?=[{%#])")
_RAW_START = re.compile(r"\{%[-+]?\s*raw\s*[-+]?%\}")
_RAW_TEXT = re.compile(_RAW_BLOCK.replace(".*?", "(.*?)"), re.S)


def _is_block(tag: str) -> bool:
    """A block tag ({% if %}, {% endfor %}...), which must come out of MJML exactly once."""
    return tag.startswith("{%") and not _RAW_START.match(tag)


COMPILE_CACHE_SIZE = 256


def _html_value(value: Any) -> Markup:
    # Values are escaped as usual; a '{' that would start '{{', '{%' or '{#' becomes
    # an entity, so template syntax in the output can only come from the template.
    text = escape(value)
    if "{" in text:
        text = Markup(_BRACE_BEFORE_TAG.sub("&#123;", str(text)))
    return text


EMAIL_ENV = make_environment(finalize=_html_value)


@dataclass(frozen=True)
class CompiledEmail:
    html_template: str  # compiled MJML: HTML with its Jinja tags still in place
    source_hash: str  # sha256 of the MJML source
    filename: str = "email.mjml"  # the MJML source's name, for errors
    # the source line of each Jinja tag of html_template, in their order there: MJML writes
    # the body on one line, so Jinja's own line numbers say nothing (see _source_line)
    tag_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    preheader: str
    html: str
    text: str


class _LRU:
    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[str, CompiledEmail] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> CompiledEmail | None:
        with self.lock:
            item = self.items.get(key)
            if item is not None:
                self.items.move_to_end(key)
            return item

    def put(self, key: str, item: CompiledEmail) -> None:
        with self.lock:
            self.items[key] = item
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_compiled = _LRU(COMPILE_CACHE_SIZE)


def compile_mjml(source: str, *, filename: str = "email.mjml") -> CompiledEmail:
    """Compile MJML to HTML once (cached by source hash), keeping its Jinja tags."""
    source_hash = hashlib.sha256(source.encode("utf-8")).hexdigest()
    key = f"{filename}\0{source_hash}"
    compiled = _compiled.get(key)
    if compiled is None:
        html, tag_lines = _compile(source, filename)
        compiled = CompiledEmail(html, source_hash, filename, tag_lines)
        _compiled.put(key, compiled)
    return compiled


def _refuse_include(path: str) -> str:
    raise PermissionError(f"mj-include is not supported ({path})")


def _compile(source: str, filename: str) -> tuple[str, tuple[int, ...]]:
    compile_template(source, filename, EMAIL_ENV)  # Jinja errors with the source's lines
    if _PLACEHOLDER.search(source):
        raise TemplateSourceError("the text 'tdmjtag' is reserved", filename)
    tags: list[str] = []
    lines: list[int] = []  # source line of each tag

    def protect(match: re.Match) -> str:
        tags.append(match.group(0))
        lines.append(source.count("\n", 0, match.start()) + 1)
        return f"tdmjtag{len(tags) - 1:05d}q"

    protected = _JINJA_TAG.sub(protect, source)
    try:
        html = mjml2html(protected, include_loader=_refuse_include)
    except Exception as exc:  # MRML reports every problem as ValueError, but is Rust code
        raise TemplateSourceError(
            f"MJML: {exc}", filename, _mjml_line(str(exc), protected, tags)
        ) from None
    _check_tags_survived(html, tags, lines, filename)
    tag_lines = tuple(lines[int(index)] for index in _PLACEHOLDER.findall(html))
    html = _PLACEHOLDER.sub(lambda m: tags[int(m.group(1))], html)
    try:
        compile_template(html, filename, EMAIL_ENV)
    except TemplateSourceError as exc:
        line = _source_line(CompiledEmail(html, "", filename, tag_lines))
        raise TemplateSourceError(f"after MJML compilation: {exc.detail}", filename, line) from None
    return html, tag_lines


def _mjml_line(message: str, protected: str, tags: list[str]) -> int | None:
    match = _MRML_POSITION.search(message)
    if not match:
        return None
    # MRML reports byte offsets into the text it was given (tags were placeholders)
    offset = len(protected.encode("utf-8")[: int(match.group(1))].decode("utf-8", "ignore"))
    before = protected[:offset]
    placeholders = _PLACEHOLDER.findall(before)
    newlines_in_tags = sum(tags[int(i)].count("\n") for i in placeholders)
    return before.count("\n") + newlines_in_tags + 1


def _check_tags_survived(html: str, tags: list[str], lines: list[int], filename: str) -> None:
    found = [int(i) for i in _PLACEHOLDER.findall(html)]
    seen = set(found)
    blocks = [i for i in found if _is_block(tags[i])]
    for i, tag in enumerate(tags):
        if tag.startswith("{#"):
            continue
        if i not in seen:
            raise TemplateSourceError(
                f"MJML dropped {tag!r}: Jinja tags work in text and in attributes"
                " that MJML copies to its output",
                filename,
                lines[i],
            )
    expected = [i for i, tag in enumerate(tags) if _is_block(tag)]
    if blocks != expected:
        wrong = next((e for e, b in zip(expected, blocks, strict=False) if e != b), expected[-1])
        raise TemplateSourceError(
            f"MJML repeated or moved {tags[wrong]!r}: put block tags between components,"
            " not inside attributes (use {{ a if x else b }} there)",
            filename,
            lines[wrong],
        )


# Template text that holds '{{', '{%' or '{#' can only come from a {% raw %} block: with
# keep_raw, each is rendered as this stand-in and put back after the check for leftover
# template syntax. It cannot come from a value ('<' is escaped, rich text is sanitized),
# nor from the template ('tdmjtag' is reserved).
_RAW_STAND_IN = "<tdmjtag{:05d}q>"


@dataclass(frozen=True)
class _Prepared:
    html: jinja2.Template
    text: jinja2.Template
    kept: jinja2.Template  # html with each raw block's text as a stand-in
    raw: tuple[str, ...]  # the text of each raw block that holds template syntax


@lru_cache(maxsize=COMPILE_CACHE_SIZE)
def _prepare(html_template: str) -> _Prepared:
    text_template = html_to_text_template(html_template)
    html = compile_template(html_template, "email.html", EMAIL_ENV)
    tree = EMAIL_ENV.parse(html_template)
    raw: list[str] = []
    for data in tree.find_all(nodes.TemplateData):
        if any(marker in data.data for marker in _UNRENDERED):
            raw.append(data.data)
            data.data = _RAW_STAND_IN.format(len(raw) - 1)
    kept = html
    if raw:
        code = EMAIL_ENV.compile(tree, "email.html", "email.html")
        kept = EMAIL_ENV.template_class.from_code(
            EMAIL_ENV, code, EMAIL_ENV.make_globals(None), None
        )
    return _Prepared(
        html,
        compile_template(text_template, "email.txt", TEXT_ENV),
        kept,
        tuple(raw),
    )


@lru_cache(maxsize=1024)
def _line_template(source: str, filename: str, keep_raw: bool = False) -> jinja2.Template:
    template = compile_template(source, filename, TEXT_ENV)
    if keep_raw:
        return template
    for data in TEXT_ENV.parse(source).find_all(nodes.TemplateData):
        if any(marker in data.data for marker in _UNRENDERED):
            raise TemplateSourceError("template syntax left unrendered", filename, data.lineno)
    return template


def _render_line(
    source: str, context: Mapping[str, Any], filename: str, keep_raw: bool = False
) -> str:
    # one line, whatever the values hold: no header injection through a subject
    template = _line_template(source, filename, keep_raw)
    return " ".join(render_template(template, context, filename).split())


def render_email(
    compiled: CompiledEmail,
    context: Mapping[str, Any],
    *,
    subject: str,
    preheader: str = "",
    keep_raw: bool = False,
) -> RenderedEmail:
    """Personalize a compiled email: HTML, plain text, subject and preheader.

    Template syntax in the output is an error, unless KEEP_RAW is true and it comes from a
    ``{% raw %}`` block of the template: that is how a template keeps the merge tags
    (``{% raw %}{{FirstName}}{% endraw %}``) of the email service that will send it.
    Errors name the MJML source's file and line.
    """
    prepared = _prepare(compiled.html_template)
    try:
        html = render_template(prepared.kept if keep_raw else prepared.html, context, "email.html")
    except TemplateSourceError as exc:
        raise _in_source(compiled, exc, context) from None
    for marker in _UNRENDERED:
        position = html.find(marker)
        if position >= 0:
            line = None if keep_raw else _raw_line(compiled)
            raise TemplateSourceError(
                f"template syntax left unrendered: {html[position : position + 40]!r}",
                compiled.filename,
                line,
            )
    if keep_raw:
        for index, text in enumerate(prepared.raw):
            html = html.replace(_RAW_STAND_IN.format(index), text)
    subject_text = _render_line(subject, context, "subject", keep_raw)
    preheader_text = _render_line(preheader, context, "preheader", keep_raw) if preheader else ""
    html = _with_title(_with_preheader(html, preheader_text), subject_text)
    try:
        text = _tidy_text(render_template(prepared.text, context, "email.txt"))
    except TemplateSourceError as exc:
        raise _in_source(compiled, exc, context) from None
    return RenderedEmail(subject_text, preheader_text, html, text)


def _in_source(
    compiled: CompiledEmail, exc: TemplateSourceError, context: Mapping[str, Any]
) -> TemplateSourceError:
    """An error of the compiled HTML (or its plain text) at the line of the MJML source."""
    return TemplateSourceError(exc.detail, compiled.filename, _source_line(compiled, context))


def _source_line(compiled: CompiledEmail, context: Mapping[str, Any] | None = None) -> int | None:
    """The source line of the tag that fails to compile or, with CONTEXT, to render.

    MJML writes the body of an email on one line, so the line of an error in the compiled
    HTML says nothing. Its tags alone, one a line and in the same order, make a template
    that fails at the same tag (text between tags is only output): its line is the tag's.
    """
    tags = _JINJA_TAG.findall(compiled.html_template)
    if not tags or len(tags) != len(compiled.tag_lines):
        return None  # compiled elsewhere, or from a stored HTML template
    source = "\n".join(tags)
    try:
        template = compile_template(source, "tags", EMAIL_ENV)
        if context is not None:
            render_template(template, context, "tags")
    except TemplateSourceError as exc:
        lineno = exc.lineno
    else:
        return None
    if lineno is None:
        return None
    start = 1
    for tag, line in zip(tags, compiled.tag_lines, strict=True):
        end = start + tag.count("\n")
        if lineno <= end:
            return line + lineno - start
        start = end + 1
    return None


def _raw_line(compiled: CompiledEmail) -> int | None:
    """The source line of the first {% raw %} block that holds template syntax."""
    tags = _JINJA_TAG.findall(compiled.html_template)
    if len(tags) != len(compiled.tag_lines):
        return None
    for tag, line in zip(tags, compiled.tag_lines, strict=True):
        raw = _RAW_TEXT.fullmatch(tag)
        if raw and any(marker in raw.group(1) for marker in _UNRENDERED):
            return line
    return None


# Zero-width fillers after the preheader stop mail clients from showing body text
# in the inbox preview once the preheader runs out.
_PREHEADER_FILL = "&#847;&zwnj;&nbsp;" * 40
_HIDDEN = (
    "display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;"
    "max-width:0px;opacity:0;overflow:hidden;mso-hide:all;"
)


def _with_preheader(html: str, preheader: str) -> str:
    if not preheader:
        return html
    block = f'<div style="{_HIDDEN}">{escape_html(preheader)}{_PREHEADER_FILL}</div>'
    body = html.find("<body")
    end = html.find(">", body) if body >= 0 else -1
    if end < 0:
        return block + html
    return html[: end + 1] + block + html[end + 1 :]


def _with_title(html: str, subject: str) -> str:
    # MJML writes an empty <title> unless the template has <mj-title>
    return html.replace("<title></title>", f"<title>{escape_html(subject)}</title>", 1)


_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def _tidy_text(text: str) -> str:
    return _BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("\n", text)).strip() + "\n"


# --- HTML to a plain-text template -------------------------------------------------

_BLOCKS = {
    "address", "article", "blockquote", "center", "dd", "div", "dl", "dt", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "main", "nav", "ol",
    "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
_SKIPPED = {"head", "style", "script", "title", "noscript", "template"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.I)
_SPACES = re.compile(r"\s+")
_SPACE_AROUND_NEWLINE = re.compile(r"[ \t]*\n[ \t]*")


def html_to_text_template(html_template: str) -> str:
    """The plain-text version of an HTML template, its Jinja tags kept in place."""
    if _PLACEHOLDER.search(html_template):
        raise TemplateSourceError("the text 'tdmjtag' is reserved", "email.html")
    tags: list[str] = []

    def protect(match: re.Match) -> str:
        tags.append(match.group(0))
        return f"tdmjtag{len(tags) - 1:05d}q"

    converter = _TextConverter(tags)
    converter.feed(_JINJA_TAG.sub(protect, html_template))
    converter.close()
    return converter.result()


class _TextConverter(HTMLParser):
    def __init__(self, tags: list[str]):
        super().__init__(convert_charrefs=True)
        self.tags = tags
        self.out: list[str] = []
        self.skip_depth = 0  # inside head/style/script/hidden elements
        self.stack: list[tuple[str, bool]] = []  # (tag, opened a skipped region)
        self.links: list[tuple[str, int]] = []  # (href, index in out where text starts)

    # Block tags ({% %}) are kept wherever they are, even in skipped parts and
    # attributes, so the text template has the same structure as the HTML one.
    def _blocks_in(self, text: str) -> None:
        for index in _PLACEHOLDER.findall(text):
            tag = self.tags[int(index)]
            if _is_block(tag):
                self.out.append(tag)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if value and name != "href":
                self._blocks_in(value)
        if tag in _VOID:
            self._void(tag, attributes)
            return
        hidden = tag in _SKIPPED or bool(_HIDDEN_STYLE.search(attributes.get("style") or ""))
        self.stack.append((tag, hidden))
        if hidden:
            self.skip_depth += 1
        if self.skip_depth:
            return
        if tag in _BLOCKS:
            self.out.append("\n")
        if tag == "li":
            self.out.append("- ")
        if tag == "a":
            self.links.append((attributes.get("href") or "", len(self.out)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.handle_starttag(tag, attrs)
        else:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def _void(self, tag: str, attributes: dict[str, str | None]) -> None:
        if self.skip_depth:
            return
        if tag == "br":
            self.out.append("\n")
        elif tag == "hr":
            self.out.append("\n----------\n")
        elif tag == "img" and self.links:
            self.out.append(_SPACES.sub(" ", attributes.get("alt") or ""))

    def handle_endtag(self, tag: str) -> None:
        if not any(open_tag == tag for open_tag, _ in self.stack):
            return
        while self.stack:
            open_tag, hidden = self.stack.pop()
            if hidden:
                self.skip_depth -= 1
            elif not self.skip_depth:
                self._close(open_tag)
            if open_tag == tag:
                break

    def _close(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, start = self.links.pop()
            text = "".join(part for part in self.out[start:] if not _is_block(part))
            text = text.strip()
            self._blocks_in(href)
            href_text = _PLACEHOLDER.sub(
                lambda m: "" if _is_block(self.tags[int(m.group(1))]) else m.group(0),
                href,
            ).strip()
            if href_text in (text, f"mailto:{text}") or href_text.startswith("#"):
                href_text = ""
            if href_text:
                self.out.append(f" ({href_text})" if text else href_text)
        if tag in _BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            self._blocks_in(data)
            return
        self.out.append(_SPACES.sub(" ", data))

    def handle_comment(self, data: str) -> None:
        self._blocks_in(data)  # e.g. Outlook conditional comments

    def result(self) -> str:
        text = "".join(self.out)
        text = _BLANK_LINES.sub("\n\n", _SPACE_AROUND_NEWLINE.sub("\n", text)).strip()
        # literal braces that would read as Jinja syntax in the text template
        text = _BRACE_BEFORE_TAG.sub("{{ '{' }}", text)
        return _PLACEHOLDER.sub(lambda m: self.tags[int(m.group(1))], text)
