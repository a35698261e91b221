"""The richtext sanitizer keeps a small safe subset and escapes everything else."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from brand_templates.sanitize import sanitize_html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Hi <script>alert(1)</script>there</p>", "<p>Hi there</p>"),
        ('<b onclick="steal()">bold</b>', "<b>bold</b>"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href=" JaVaScRiPt:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="java&#09;script:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="data:text/html,&lt;script&gt;">x</a>', "<a>x</a>"),
        ('<p style="background:url(evil)">styled</p>', "<p>styled</p>"),
        ("<style>body{display:none}</style>visible", "visible"),
        ('<img src=x onerror="alert(1)">after', "after"),
        ("<iframe src='https://evil'>inside</iframe>ok", "ok"),
        ("<div><span>kept text</span></div>", "kept text"),
        ("1 < 2 & 3 > 2", "1 &lt; 2 &amp; 3 &gt; 2"),
        ("&lt;script&gt;", "&lt;script&gt;"),
        ("<!-- comment --><p>x</p>", "<p>x</p>"),
        ("<b><i>nested</b></i>", "<b><i>nested</i></b>"),
        ("<p>unclosed", "<p>unclosed</p>"),
        ("<ul><li>one<li>two</ul>", "<ul><li>one</li><li>two</li></ul>"),
        ("line<br/>break<br>", "line<br>break<br>"),
        ("{{ ''.__class__ }}", "{{ ''.__class__ }}"),
    ],
)
def test_sanitizer(dirty, clean):
    assert sanitize_html(dirty) == Markup(clean)


def test_allowed_tags_and_links_are_kept():
    html = (
        "<p><strong>S</strong><b>B</b><em>E</em><i>I</i></p><ol><li>1</li></ol>"
        '<a href="https://example.com/?a=1&amp;b=2" title="t">web</a>'
        '<a href="http://example.com">plain</a><a href="mailto:x@example.com">mail</a>'
    )
    assert sanitize_html(html) == Markup(
        "<p><strong>S</strong><b>B</b><em>E</em><i>I</i></p><ol><li>1</li></ol>"
        '<a href="https://example.com/?a=1&amp;b=2" rel="noopener noreferrer">web</a>'
        '<a href="http://example.com" rel="noopener noreferrer">plain</a>'
        '<a href="mailto:x@example.com" rel="noopener noreferrer">mail</a>'
    )


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def attributes(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Each start tag of HTML with its attributes, as a browser's parser reads them."""
    parser = _Attributes()
    parser.feed(html)
    parser.close()
    return parser.found


def test_attribute_quotes_cannot_break_out():
    out = sanitize_html('<a href="https://x.org/&quot; onmouseover=&quot;alert(1)">x</a>')
    # the quotes stay escaped inside the href value
    assert out == Markup(
        '<a href="https://x.org/&quot; onmouseover=&quot;alert(1)" rel="noopener noreferrer">x</a>'
    )
    # read back, the tag has exactly the two attributes it was given: no onmouseover
    assert attributes(out) == [
        (
            "a",
            [("href", 'https://x.org/" onmouseover="alert(1)'), ("rel", "noopener noreferrer")],
        )
    ]


@pytest.mark.parametrize(
    "href",
    [
        "http:",
        "https://",
        "http:/evil.example/path",
        "https:///evil.example/path",
        "http:evil.example",
        "HTTP:///evil.example",
        "http://user@/path",
        "https://:443/path",
        "http://?q=1",
        "https://#top",
    ],
)
def test_a_web_link_without_a_host_loses_its_href(href):
    out = sanitize_html(f'<p><a href="{href}">click</a></p>')
    assert out == Markup("<p><a>click</a></p>"), href


@pytest.mark.parametrize(
    "href",
    ["https://example.com", "HTTP://EXAMPLE.COM/a", "https://user@example.com:8443/x?y#z"],
)
def test_a_web_link_with_a_host_keeps_its_href(href):
    out = sanitize_html(f'<a href="{href}">x</a>')
    assert attributes(out) == [("a", [("href", href), ("rel", "noopener noreferrer")])]


def test_sanitizing_is_idempotent():
    once = sanitize_html('<p>a <a href="https://e.org?x=1&y=2">b</a> <b>c</p>')
    assert sanitize_html(once) == once
