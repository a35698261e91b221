"""What the form pickers need: countries by name, the plain values a picker posts, and the
template globals that the picker macros (templates/macros/pickers.html) call."""

from __future__ import annotations

import unicodedata
from functools import cache

import pycountry
from flask import Flask


def _sort_key(name: str) -> str:
    # "Åland Islands" sorts with the A's, "Côte d'Ivoire" with the C's
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


@cache
def country_options() -> tuple[tuple[str, str], ...]:
    """(two-letter code, the name people use) of every country, by name."""
    countries = [
        (country.alpha_2, getattr(country, "common_name", None) or country.name)
        for country in pycountry.countries
    ]
    return tuple(sorted(countries, key=lambda item: _sort_key(item[1])))


@cache
def _country_names() -> dict[str, str]:
    return dict(country_options())


def country_label(code: str) -> str:
    """The name of the country with CODE, or the code itself when it names none."""
    return _country_names().get(str(code).upper(), str(code))


def chosen_codes(value) -> list[str]:
    """The codes in VALUE (a list, or comma-separated text), upper-cased, each once."""
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    codes: list[str] = []
    for item in items:
        code = str(item).strip().upper()
        if code and code not in codes:
            codes.append(code)
    return codes


def joined(form, name: str) -> str:
    """The values a picker posts under NAME (one per chosen item) as comma-separated text, the
    form every cleaner of lists reads."""
    return ", ".join(value.strip() for value in form.getlist(name) if value.strip())


def form_with_lists(data: dict, form, *names: str) -> dict:
    """DATA (one value per field) with the fields NAMES that the form has as joined lists."""
    return {**data, **{name: joined(form, name) for name in names if name in form}}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        country_options=country_options, country_label=country_label, chosen_codes=chosen_codes
    )
