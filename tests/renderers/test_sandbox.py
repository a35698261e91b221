from __future__ import annotations

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from renderers import TemplateSourceError, make_environment, render_string, render_text

SSTI = "{{ ''.__class__.__mro__[1].__subclasses__() }}"


def test_environment_is_sandboxed_autoescaped_and_strict():
    env = make_environment()
    assert isinstance(env, ImmutableSandboxedEnvironment)
    assert env.autoescape is True
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ nope }}").render()


def test_partner_values_are_data_never_code():
    out = render_string("<p>{{ name }}</p>", {"name": SSTI + "<script>x</script>"})
    assert out == (
        "<p>{{ &#39;&#39;.__class__.__mro__[1].__subclasses__() }}"
        "&lt;script&gt;x&lt;/script&gt;</p>"
    )


def test_sanitized_markup_passes_through():
    assert render_string("{{ v }}", {"v": Markup("<b>bold</b>")}) == "<b>bold</b>"


def test_text_rendering_does_not_escape_and_strips_markup():
    out = render_text("{{ a }} & {{ b }}", {"a": "Tom & Jerry", "b": Markup("<i>rich</i> text")})
    assert out == "Tom & Jerry & rich text"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ x.__class__.__base__.__subclasses__() }}",
        "{{ lipsum.__globals__['os'] }}",
    ],
)
def test_attribute_escapes_in_template_source_are_refused(source):
    with pytest.raises(TemplateSourceError) as caught:
        render_string(f"<p>ok</p>\n{source}", {"x": "s"}, "flyer.html")
    assert caught.value.filename == "flyer.html"
    assert caught.value.lineno == 2
    assert str(caught.value).startswith("flyer.html line 2: ")


def test_syntax_errors_name_file_and_line():
    with pytest.raises(TemplateSourceError) as caught:
        render_string("<h1>\n\n{{ title }</h1>", {}, "flyer.html")
    error = caught.value
    assert (error.filename, error.lineno) == ("flyer.html", 3)
    assert str(error) == "flyer.html line 3: unexpected '}'"


def test_undefined_names_fail_loudly_with_line():
    with pytest.raises(TemplateSourceError, match=r"flyer.html line 2: 'partner' is undefined"):
        render_string("a\n{{ partner.name }}", {}, "flyer.html")


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'x' * 100000000 }}",
        "{{ 9 ** 99999999 }}",
        "{{ range(10**9)|list }}",
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    ],
)
def test_memory_and_cpu_bombs_are_refused(source):
    with pytest.raises(TemplateSourceError):
        render_string(source, {})
