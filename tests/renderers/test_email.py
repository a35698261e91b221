from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from renderers import (
    RenderedEmail,
    TemplateSourceError,
    compile_mjml,
    render_email,
)

NEWSLETTER = """<mjml>
<mj-body background-color="#f4f4f4">
<mj-section background-color="{{ partner.colors.primary }}"><mj-column>
<mj-image src="{{ partner.logo_url }}" alt="{{ partner.name }}" href="{{ partner.website }}" width="160px"></mj-image>
</mj-column></mj-section>
<mj-section><mj-column>
<mj-text font-size="22px">Hello {{ contact.first_name }},</mj-text>
<mj-text>{{ fields.intro }}</mj-text>
{% if fields.show_offer %}
<mj-text>Offer: {{ fields.offer }}, {% if stock > 10 %}in stock{% else %}few left{% endif %}.</mj-text>
{% endif %}
{% for item in items %}
<mj-text><a href="{{ item.url }}">{{ item.title }}</a></mj-text>
{% endfor %}
<mj-button href="{{ cta_url }}" background-color="{{ partner.colors.primary }}">{{ fields.cta }}</mj-button>
<mj-text font-size="11px">{{ partner.name }} · <a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>
</mj-column></mj-section>
</mj-body>
</mjml>"""  # noqa: E501 - a newsletter as authors write it

CONTEXT = {
    "partner": {
        "name": "Acme & Sons",
        "colors": {"primary": "#1a73e8"},
        "logo_url": "https://cdn.example/logo.png",
        "website": "https://acme.example",
    },
    "contact": {"first_name": "{{ ''.__class__.__mro__ }}"},
    "fields": {
        "intro": Markup("<b>Big</b> news"),
        "show_offer": True,
        "offer": "20% off <script>",
        "cta": "Shop now",
    },
    "stock": 3,
    "items": [
        {"title": "Post one", "url": "https://acme.example/1"},
        {"title": "Post two", "url": "https://acme.example/2"},
    ],
    "cta_url": "https://acme.example/shop?a=1&b=2",
    "unsubscribe_url": "https://tandem.example/u/abc",
}


class _Parsed(HTMLParser):
    """Title, the first element in <body>, inline styles, and the text of the document."""

    def __init__(self, html: str):
        super().__init__()
        self.title = ""
        self.first_in_body: tuple[str, dict] | None = None
        self.styles: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self._in_title = self._in_body = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._in_body and self.first_in_body is None:
            self.first_in_body = (tag, attrs)
        self._in_title = tag == "title"
        self._in_body = self._in_body or tag == "body"
        if attrs.get("style"):
            self.styles.append(attrs["style"])
        if tag == "a":
            self.links.append(attrs.get("href", ""))

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif self._in_body:
            self.text.append(data)


@pytest.fixture(scope="module")
def compiled():
    return compile_mjml(NEWSLETTER, filename="newsletter.mjml")


@pytest.fixture(scope="module")
def rendered(compiled) -> RenderedEmail:
    return render_email(
        compiled,
        CONTEXT,
        subject="News from {{ partner.name }}\r\nBcc: someone@example.com",
        preheader="{{ fields.offer }} for {{ contact.first_name }}",
    )


def test_compiles_once_and_keeps_the_jinja_tags(compiled):
    assert compile_mjml(NEWSLETTER, filename="newsletter.mjml") is compiled
    assert len(compiled.source_hash) == 64
    html = compiled.html_template
    for tag in ("{{ partner.name }}", "{% for item in items %}", "{% if stock > 10 %}"):
        assert tag in html
    assert "<mj-" not in html


def test_html_has_the_values_escaped_and_inline_styles(rendered):
    parsed = _Parsed(rendered.html)
    text = " ".join("".join(parsed.text).split())
    assert "Hello {{ ''.__class__.__mro__ }}," in text
    assert "Offer: 20% off <script>, few left." in text
    assert "<script>" not in rendered.html
    assert "<b>Big</b> news" in rendered.html  # sanitized rich text passes through
    assert "https://acme.example/shop?a=1&amp;b=2" in rendered.html
    assert parsed.links[:3] == [
        "https://acme.example",
        "https://acme.example/1",
        "https://acme.example/2",
    ]
    assert any("background:#1a73e8" in style for style in parsed.styles)


def test_subject_is_one_line_and_becomes_the_title(rendered):
    assert rendered.subject == "News from Acme & Sons Bcc: someone@example.com"
    assert _Parsed(rendered.html).title == rendered.subject


def test_preheader_is_the_hidden_first_element(rendered):
    assert rendered.preheader == "20% off <script> for {{ ''.__class__.__mro__ }}"
    tag, attrs = _Parsed(rendered.html).first_in_body
    assert tag == "div" and "display:none" in attrs["style"]
    body = rendered.html[rendered.html.find("<body") :]
    assert "20% off &lt;script&gt; for {{ &#x27;&#x27;.__class__.__mro__ }}" in body[:400]


def test_plain_text_alternative(rendered):
    lines = rendered.text.splitlines()
    assert "Acme & Sons (https://acme.example)" in lines
    assert "Hello {{ ''.__class__.__mro__ }}," in lines
    assert "Big news" in lines
    assert "Post one (https://acme.example/1)" in lines
    assert "Shop now (https://acme.example/shop?a=1&b=2)" in lines
    assert "Acme & Sons · Unsubscribe (https://tandem.example/u/abc)" in lines
    assert "Offer: 20% off <script>, few left." in lines  # text is not HTML: no escaping
    assert "<b>" not in rendered.text and "<td" not in rendered.text
    assert "\n\n\n" not in rendered.text


def test_rendering_is_deterministic(compiled, rendered):
    again = render_email(
        compiled,
        CONTEXT,
        subject="News from {{ partner.name }}\r\nBcc: someone@example.com",
        preheader="{{ fields.offer }} for {{ contact.first_name }}",
    )
    assert again == rendered


def test_a_compiled_email_can_be_rebuilt_from_stored_html(compiled, rendered):
    from renderers import CompiledEmail

    stored = CompiledEmail(html_template=str(compiled.html_template), source_hash="x")
    again = render_email(
        stored,
        CONTEXT,
        subject="News from {{ partner.name }}\r\nBcc: someone@example.com",
        preheader="{{ fields.offer }} for {{ contact.first_name }}",
    )
    assert again == rendered


def test_undefined_values_fail_loudly(compiled):
    context = {k: v for k, v in CONTEXT.items() if k != "cta_url"}
    with pytest.raises(TemplateSourceError, match="'cta_url' is undefined"):
        render_email(compiled, context, subject="x")
    with pytest.raises(TemplateSourceError, match="subject line 1: 'nope' is undefined"):
        render_email(compiled, CONTEXT, subject="{{ nope }}")


def test_leftover_template_syntax_fails_loudly():
    compiled = compile_mjml(
        "<mjml><mj-body><mj-text>{% raw %}{{ leftover }}{% endraw %}</mj-text></mj-body></mjml>"
    )
    with pytest.raises(TemplateSourceError, match=r"unrendered: '\{\{ leftover"):
        render_email(compiled, {}, subject="s")
    ok = compile_mjml("<mjml><mj-body><mj-text>{{ v }}</mj-text></mj-body></mjml>")
    rendered = render_email(ok, {"v": "{{ 1 }} {% x %}"}, subject="s")  # data is fine
    assert "&#123;{ 1 }} &#123;% x %}" in rendered.html
    assert "{{ 1 }} {% x %}" in rendered.text
    with pytest.raises(TemplateSourceError, match="subject line 1: template syntax left"):
        render_email(ok, {"v": 1}, subject="{% raw %}{{ x }}{% endraw %}")


MERGE_TAGS = """<mjml><mj-body><mj-section><mj-column>
<mj-text>Hi {% raw %}{{FirstName}}{% endraw %} / *|FNAME|*,</mj-text>
<mj-button href="https://x.example/?u={% raw %}{{ UserId }}{% endraw %}">{{ v }}</mj-button>
</mj-column></mj-section></mj-body></mjml>"""


def test_keep_raw_keeps_the_merge_tags_of_raw_blocks():
    compiled = compile_mjml(MERGE_TAGS)
    rendered = render_email(
        compiled,
        {"v": "Go {{ x }}"},
        subject="{% raw %}{{FirstName}}{% endraw %}, news",
        preheader="For *|FNAME|*",
        keep_raw=True,
    )
    assert "Hi {{FirstName}} / *|FNAME|*," in rendered.html
    assert 'href="https://x.example/?u={{ UserId }}"' in rendered.html
    assert "Go &#123;{ x }}" in rendered.html  # a value still cannot make a merge tag
    assert "tdmjtag" not in rendered.html
    assert "Hi {{FirstName}} / *|FNAME|*," in rendered.text
    assert (rendered.subject, rendered.preheader) == ("{{FirstName}}, news", "For *|FNAME|*")
    # without keep_raw, the same template is refused and the raw block's line is named
    with pytest.raises(TemplateSourceError) as caught:
        render_email(compiled, {"v": "x"}, subject="s")
    assert (caught.value.filename, caught.value.lineno) == ("email.mjml", 2)
    assert "left unrendered: '{{FirstName}}" in str(caught.value)


def test_keep_raw_still_refuses_template_syntax_made_by_values():
    compiled = compile_mjml(
        "<mjml><mj-body><mj-text>{{ a }}{{ b }}{% raw %}{{X}}{% endraw %}</mj-text>"
        "</mj-body></mjml>"
    )
    # a '{' that ends one value and one that starts the next make '{{'
    with pytest.raises(TemplateSourceError, match=r"unrendered: '\{\{ 1"):
        render_email(compiled, {"a": "{", "b": "{ 1 }}"}, subject="s", keep_raw=True)


def test_render_errors_name_the_line_of_the_mjml_source():
    source = """<mjml>
<mj-body>
<mj-section><mj-column>
<mj-text>{{ partner.name }}</mj-text>
<mj-text>{% for x in items %}
  {{ x.title }} {{ x.price * 2 }}
{% endfor %}</mj-text>
<mj-text>{{ partner.name.nope.deeper }}</mj-text>
</mj-column></mj-section>
</mj-body>
</mjml>"""
    compiled = compile_mjml(source, filename="news.mjml")
    context = {"partner": {"name": "Acme"}, "items": [{"title": "a", "price": 1}]}
    with pytest.raises(TemplateSourceError) as caught:
        render_email(compiled, context, subject="s")
    assert (caught.value.filename, caught.value.lineno) == ("news.mjml", 8)
    assert str(caught.value) == "news.mjml line 8: 'str object' has no attribute 'nope'"
    context = {"partner": {"name": "Acme"}, "items": [{"title": "a", "price": None}]}
    with pytest.raises(TemplateSourceError) as caught:
        render_email(compiled, context, subject="s")
    assert (caught.value.filename, caught.value.lineno) == ("news.mjml", 6)
    # the same source under another name is another template
    other = compile_mjml(source, filename="other.mjml")
    with pytest.raises(TemplateSourceError, match="^other.mjml line 6: "):
        render_email(other, context, subject="s")


def test_template_source_errors_name_the_line():
    with pytest.raises(TemplateSourceError) as caught:
        compile_mjml(
            "<mjml><mj-body>\n<mj-text>\n{{ x }</mj-text></mj-body></mjml>", filename="e.mjml"
        )
    assert (caught.value.filename, caught.value.lineno) == ("e.mjml", 3)
    with pytest.raises(TemplateSourceError) as caught:
        compile_mjml(
            '<mjml><mj-body>\n{{ "a" }}\n<mj-include path="/etc/passwd" />\n</mj-body></mjml>'
        )
    assert caught.value.lineno == 3 and "MJML" in str(caught.value)
    with pytest.raises(TemplateSourceError, match=r"line 2: MJML dropped '\{\{ y \}\}'"):
        compile_mjml('<mjml><mj-body>\n<mj-image src="a.png" data-x="{{ y }}" /></mj-body></mjml>')
    with pytest.raises(TemplateSourceError, match="block tags between components"):
        compile_mjml(
            '<mjml><mj-body><mj-section background-color="{% if x %}red{% endif %}">'
            "</mj-section></mj-body></mjml>"
        )


def test_ssti_in_the_template_source_is_refused():
    compiled = compile_mjml("<mjml><mj-body><mj-text>{{ ''.__class__ }}</mj-text></mj-body></mjml>")
    with pytest.raises(TemplateSourceError, match="unsafe"):
        render_email(compiled, {}, subject="s")
