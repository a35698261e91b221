"""Words for people: counted nouns ("1 partner", "3 partners") and lists ("A, B and C"),
as functions and as the template filters ``plural`` and ``and_list``."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask

IRREGULAR = {"address": "addresses", "company": "companies", "person": "people"}


def plural_noun(noun: str) -> str:
    """NOUN's plural: irregular ones known, else -es after s/x/ch/sh, -ies after a consonant
    and y, else -s."""
    if noun in IRREGULAR:
        return IRREGULAR[noun]
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def plural(number: int, noun: str, plural_form: str | None = None) -> str:
    """ "1 partner", "0 partners", "2 addresses": NUMBER with NOUN in the form it takes."""
    word = noun if number == 1 else plural_form or plural_noun(noun)
    return f"{number} {word}"


def and_list(items: Iterable) -> str:
    """ "A", "A and B", "A, B and C"."""
    words = [str(item) for item in items]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(plural=plural, and_list=and_list)
