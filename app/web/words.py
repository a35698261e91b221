"""Words for people: counted nouns ("1 partner", "3 partners"), lists ("A, B and C"), the
labels of a template's fields and what a field defaults to ("the partner's primary colour",
not "partner.colors.primary"); as functions, template filters (``plural``, ``and_list``) and
template globals (``field_labels``, ``default_words``, ``partner_type_label``)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask

from directory.models import PARTNER_TYPE_LABELS

TYPE_LABELS = {kind.value: label for kind, label in PARTNER_TYPE_LABELS.items()}

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


# the leaves of a template's context (brand_templates/context.py) as people name them
SOURCES = {
    "colors.primary": "primary colour",
    "colors.secondary": "secondary colour",
    "contact.address": "address",
    "contact.phone": "phone number",
    "contact.email": "email address",
    "website": "website",
    "name": "name",
    "logo": "logo",
}
OWNERS = {"partner": "the partner's", "vendor": "the vendor's"}


def source_words(path: str) -> str:
    """A context path as words: "partner.colors.primary" → "the partner's primary colour"."""
    root, _, rest = str(path or "").partition(".")
    what = SOURCES.get(rest) or rest.rsplit(".", 1)[-1].replace("_", " ")
    return f"{OWNERS.get(root, 'the')} {what}".strip()


def default_words(spec) -> str:
    """What an empty field of a template shows (a placeholder), in words."""
    value = spec.get if isinstance(spec, dict) else lambda key: getattr(spec, key, None)
    if value("default_from"):
        return f"Default: {source_words(value('default_from'))}"
    if value("type") == "image":
        return "Default: the template's picture"
    if value("type") == "richtext":
        return ""  # a placeholder shows text, not the markup of the default
    return str(value("default") or "")


def field_labels(asset, names=None) -> list[str]:
    """The labels of ASSET's fields NAMES (default: those partners may change), in the
    template's order; a name the template no longer has is shown as words."""
    fields = (asset.template_version.manifest or {}).get("fields") or {}
    wanted = list(asset.editable_fields or []) if names is None else list(names)
    ordered = [name for name in fields if name in wanted] + [n for n in wanted if n not in fields]
    return [
        (fields.get(name) or {}).get("label") or name.replace("_", " ").capitalize()
        for name in ordered
    ]


TEMPLATE_KINDS = {
    "pdf": "PDF document",
    "pdf-stamp": "PDF with your details stamped on",
    "email": "Email",
    "image": "Image",
}


def template_kind_label(kind) -> str:
    """A template's kind as people say it ("PDF document", not "pdf")."""
    return TEMPLATE_KINDS.get(kind, str(kind or "").capitalize())


def partner_type_label(value) -> str:
    """The partner type's label ("Managed service provider" for "msp"), as the filter says."""
    return TYPE_LABELS.get(value, str(value or "").capitalize())


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(plural=plural, and_list=and_list)
    app.jinja_env.globals.update(
        field_labels=field_labels,
        default_words=default_words,
        partner_type_label=partner_type_label,
        template_kind_label=template_kind_label,
    )
