"""The Jinja sandbox every template written by vendor staff runs in.

Templates are code from vendor staff: they run in Jinja's immutable sandbox, with
autoescaping and ``StrictUndefined`` so a typo fails the render instead of printing
nothing. Values typed by partners are context data: Jinja never evaluates them, and
autoescaping prints them as text. ``markupsafe.Markup`` values (rich text the domain
has already sanitized) pass through unescaped.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError, safe_range
from markupsafe import Markup

from .errors import RenderError, RenderLimitExceeded, TemplateSourceError

# Caps on a single operation; the sandbox already caps one range() at 100 000 items.
MAX_REPEAT_LENGTH = 1_000_000
MAX_EXPONENT = 1_000
# Cap on all range() items of one render: nested loops over ranges multiply, and some
# renders (emails, image text) run in the calling process without a timer.
MAX_RANGE_ITEMS = 1_000_000

_range_budget: ContextVar[list[int] | None] = ContextVar("tandem_range_budget", default=None)


def _budgeted_range(*args: int) -> range:
    items = safe_range(*args)
    budget = _range_budget.get()
    if budget is not None:
        budget[0] -= len(items)
        if budget[0] < 0:
            raise SecurityError(f"loops over more than {MAX_RANGE_ITEMS} range() items")
    return items


class TandemSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, also refusing ``'x' * 10**9``-style memory bombs."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.globals["range"] = _budgeted_range

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | bytes | list | tuple)
                    and isinstance(count, int)
                    and len(seq) * count > MAX_REPEAT_LENGTH
                ):
                    raise SecurityError(
                        f"repetition longer than {MAX_REPEAT_LENGTH} items is not allowed"
                    )
        elif operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponents above {MAX_EXPONENT} are not allowed")
        return super().call_binop(context, operator, left, right)


def make_environment(**kw: Any) -> ImmutableSandboxedEnvironment:
    """A sandboxed environment with autoescaping and StrictUndefined unless overridden."""
    options: dict[str, Any] = {
        "autoescape": True,
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
    }
    options.update(kw)
    return TandemSandbox(**options)


def _plain_text(value: Any) -> Any:
    # in text output (image layers, subjects) rich text is shown without its tags
    if isinstance(value, Markup):
        return value.striptags()
    return value


HTML_ENV = make_environment()
TEXT_ENV = make_environment(autoescape=False, finalize=_plain_text)


def compile_template(
    source: str, filename: str = "<template>", env: jinja2.Environment = HTML_ENV
) -> jinja2.Template:
    """Compile ``source`` in ``env``; syntax errors become TemplateSourceError."""
    try:
        code = env.compile(source, name=filename, filename=filename)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateSourceError(exc.message or str(exc), filename, exc.lineno) from None
    return env.template_class.from_code(env, code, env.make_globals(None), None)


@lru_cache(maxsize=1024)
def _cached_template(source: str, filename: str, env: jinja2.Environment) -> jinja2.Template:
    return compile_template(source, filename, env)


def cached_template(
    source: str, filename: str = "<template>", *, autoescape: bool = True
) -> jinja2.Template:
    """The compiled template for ``source``, from a cache shared by ``render_string``."""
    return _cached_template(source, filename, HTML_ENV if autoescape else TEXT_ENV)


def render_template(
    template: jinja2.Template,
    context: Mapping[str, Any],
    filename: str = "<template>",
    *,
    max_chars: int | None = None,
) -> str:
    """Render a compiled template; template errors become TemplateSourceError."""
    token = _range_budget.set([MAX_RANGE_ITEMS])
    try:
        if max_chars is None:
            return template.render(context)
        parts: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > max_chars:
                raise RenderLimitExceeded(
                    f"{filename}: rendered text longer than {max_chars} characters"
                )
            parts.append(chunk)
        return "".join(parts)
    except RenderError:
        raise
    except jinja2.TemplateSyntaxError as exc:  # e.g. from an {% include %} or a macro
        raise TemplateSourceError(exc.message or str(exc), filename, exc.lineno) from None
    except RecursionError:
        raise TemplateSourceError("recursion too deep", filename) from None
    except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
        detail = str(exc) if isinstance(exc, jinja2.TemplateError) else _describe(exc)
        raise TemplateSourceError(detail, filename, _template_lineno(exc, filename)) from None
    finally:
        _range_budget.reset(token)


def render_string(
    source: str,
    context: Mapping[str, Any],
    filename: str = "<template>",
    *,
    autoescape: bool = True,
    max_chars: int | None = None,
) -> str:
    """Render a template string in the sandbox (HTML-escaped unless ``autoescape=False``)."""
    template = cached_template(source, filename, autoescape=autoescape)
    return render_template(template, context, filename, max_chars=max_chars)


def render_text(source: str, context: Mapping[str, Any], filename: str = "<template>") -> str:
    """Render a template string whose output is plain text (no HTML escaping)."""
    return render_string(source, context, filename, autoescape=False)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _template_lineno(exc: BaseException, filename: str) -> int | None:
    # Jinja rewrites tracebacks so template frames carry the template's name and line
    lineno = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == filename:
            lineno = line
    return lineno
