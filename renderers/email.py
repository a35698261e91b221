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

_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_PLACEHOLDER = re.compile(r"tdmjtag(\d+)q")
_MRML_POSITION = re.compile(r"at position (\d+):(\d+)")
_UNRENDERED = ("{{", "{%", "{#")
_BRACE_BEFORE_TAG = re.compile(r"\{(?=[{%#])")

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
    compiled = _compiled.get(source_hash)
    if compiled is None:
        compiled = CompiledEmail(_compile(source, filename), source_hash)
        _compiled.put(source_hash, compiled)
    return compiled


def _refuse_include(path: str) -> str:
    raise PermissionError(f"mj-include is not supported ({path})")


def _compile(source: str, filename: str) -> str:
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
    html = _PLACEHOLDER.sub(lambda m: tags[int(m.group(1))], html)
    try:
        compile_template(html, filename, EMAIL_ENV)
    except TemplateSourceError as exc:
        raise TemplateSourceError(f"after MJML compilation: {exc.detail}", filename) from None
    return html


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
    blocks = [i for i in found if tags[i].startswith("{%")]
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
    expected = [i for i, tag in enumerate(tags) if tag.startswith("{%")]
    if blocks != expected:
        wrong = next((e for e, b in zip(expected, blocks, strict=False) if e != b), expected[-1])
        raise TemplateSourceError(
            f"MJML repeated or moved {tags[wrong]!r}: put block tags between components,"
            " not inside attributes (use {{ a if x else b }} there)",
            filename,
            lines[wrong],
        )


@dataclass(frozen=True)
class _Prepared:
    html: jinja2.Template
    text: jinja2.Template


@lru_cache(maxsize=COMPILE_CACHE_SIZE)
def _prepare(html_template: str) -> _Prepared:
    text_template = html_to_text_template(html_template)
    return _Prepared(
        compile_template(html_template, "email.html", EMAIL_ENV),
        compile_template(text_template, "email.txt", TEXT_ENV),
    )


@lru_cache(maxsize=1024)
def _line_template(source: str, filename: str) -> jinja2.Template:
    template = compile_template(source, filename, TEXT_ENV)
    for data in TEXT_ENV.parse(source).find_all(nodes.TemplateData):
        if any(marker in data.data for marker in _UNRENDERED):
            raise TemplateSourceError("template syntax left unrendered", filename, data.lineno)
    return template


def _render_line(source: str, context: Mapping[str, Any], filename: str) -> str:
    # one line, whatever the values hold: no header injection through a subject
    return " ".join(render_template(_line_template(source, filename), context, filename).split())


def render_email(
    compiled: CompiledEmail, context: Mapping[str, Any], *, subject: str, preheader: str = ""
) -> RenderedEmail:
    """Personalize a compiled email: HTML, plain text, subject and preheader."""
    prepared = _prepare(compiled.html_template)
    html = render_template(prepared.html, context, "email.html")
    for marker in _UNRENDERED:
        position = html.find(marker)
        if position >= 0:
            raise TemplateSourceError(
                f"template syntax left unrendered: {html[position : position + 40]!r}",
                "email.html",
            )
    subject_text = _render_line(subject, context, "subject")
    preheader_text = _render_line(preheader, context, "preheader") if preheader else ""
    html = _with_title(_with_preheader(html, preheader_text), subject_text)
    text = _tidy_text(render_template(prepared.text, context, "email.txt"))
    return RenderedEmail(subject_text, preheader_text, html, text)


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
            if tag.startswith("{%"):
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
            text = "".join(part for part in self.out[start:] if not part.startswith("{%"))
            text = text.strip()
            self._blocks_in(href)
            href_text = _PLACEHOLDER.sub(
                lambda m: "" if self.tags[int(m.group(1))].startswith("{%") else m.group(0),
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
