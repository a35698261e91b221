"""A small richtext sanitizer on html.parser: a safe subset of HTML, everything else dropped."""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

from markupsafe import Markup

ALLOWED_TAGS = frozenset({"b", "strong", "i", "em", "a", "ul", "ol", "li", "p", "br"})
VOID_TAGS = frozenset({"br"})
# elements whose content is code or metadata, not text a reader should see
DROP_CONTENT_TAGS = frozenset(
    {
        "script",
        "style",
        "template",
        "iframe",
        "object",
        "embed",
        "noscript",
        "svg",
        "math",
        "head",
        "title",
        "textarea",
        "select",
    }
)
LINK_SCHEMES = frozenset({"http", "https", "mailto"})


def safe_href(value: str | None) -> str | None:
    """The href if it is an http(s) link with a host or a mailto link, else None."""
    if not value:
        return None
    # browsers ignore control characters and whitespace inside a scheme ("java\tscript:")
    cleaned = "".join(ch for ch in value.strip() if ch > " " or ch == " ")
    if any(ch.isspace() for ch in cleaned.split(":", 1)[0]):
        return None
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme.lower() not in LINK_SCHEMES:
        return None
    # a web link needs a host: "http:/x", "http:///x" and "http://user@/x" have none
    if parts.scheme.lower() in {"http", "https"} and not parts.hostname:
        return None
    return cleaned


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag == self.dropping[-1] or tag in DROP_CONTENT_TAGS:
                self.dropping.append(tag)
            return
        if tag in DROP_CONTENT_TAGS:
            self.dropping.append(tag)
            return
        if tag not in ALLOWED_TAGS:
            return
        if tag in VOID_TAGS:
            self.out.append(f"<{tag}>")
            return
        if tag == "li":
            self._close_implied("li", barriers=("ul", "ol"))
        elif tag == "p":
            self._close_implied("p", barriers=("li", "ul", "ol"))
        if tag == "a":
            href = safe_href(dict(attrs).get("href"))
            if href is None:
                self.out.append("<a>")
            else:
                self.out.append(f'<a href="{escape(href, quote=True)}" rel="noopener noreferrer">')
        else:
            self.out.append(f"<{tag}>")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS and not self.dropping:
            self.out.append(f"<{tag}>")
        elif tag in ALLOWED_TAGS and not self.dropping:
            # <p/> and friends: an empty element
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag not in self.open:
            return
        # close anything left open inside it, so the output is always well nested
        while self.open:
            current = self.open.pop()
            self.out.append(f"</{current}>")
            if current == tag:
                break

    def _close_implied(self, tag: str, barriers: tuple[str, ...]) -> None:
        """A new <li> ends the open <li>, a new <p> the open <p>, as browsers do."""
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index] in barriers:
                return
            if self.open[index] == tag:
                self.handle_endtag(tag)
                return

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(escape(data, quote=False))

    def result(self) -> str:
        self.close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")
        return "".join(self.out)


def sanitize_html(value: str) -> Markup:
    """Keep b, strong, i, em, a[href http/https/mailto], ul, ol, li, p, br; escape the text."""
    parser = _Sanitizer()
    parser.feed(str(value))
    return Markup(parser.result())


def html_text(value: str) -> str:
    """The visible text of sanitized HTML (for length checks)."""
    parser = _TextOnly()
    parser.feed(str(value))
    parser.close()
    return "".join(parser.parts)


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
