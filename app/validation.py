"""Cleaning of values that come from outside (forms, CSV rows, API bodies).

Each cleaner returns the normalized value or raises ``Invalid`` with a message meant for people.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pycountry
from email_validator import EmailNotValidError, validate_email


class Invalid(ValueError):
    pass


class ValidationFailed(ValueError):
    """Several fields failed; ``errors`` maps field name to message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{4,30}$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# row ids are 32-bit integers on PostgreSQL; a larger number can name no row
MAX_ID = 2**31 - 1
TRUE_WORDS = {"1", "true", "yes", "y", "on", "x"}
FALSE_WORDS = {"0", "false", "no", "n", "off", ""}
# What is not text: the control characters but tab, newline and carriage return (NUL among
# them: PostgreSQL refuses it), and surrogates, which in a Python string are always lone
# (a JSON "\ud800" escape makes one) and cannot be encoded as UTF-8, so cannot be stored,
# shown or sent.
NOT_TEXT_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# JSON bodies: deeper nesting than any request of Tandem has is refused before it is walked
MAX_JSON_DEPTH = 32


def text_problem(value: str) -> str | None:
    """Why VALUE is not text (``contains ...``), or None. The one rule for every input."""
    found = NOT_TEXT_RE.search(value)
    if found is None:
        return None
    char = found.group()
    code = f"U+{ord(char):04X}"
    if char == "\x00":
        return "contains a NUL character"
    if "\ud800" <= char <= "\udfff":
        return f"contains a lone surrogate ({code}), which is not valid Unicode"
    return f"contains control characters ({code})"


def check_text(value: str, label: str = "This field") -> str:
    """VALUE if it is text; Invalid naming LABEL otherwise."""
    problem = text_problem(value)
    if problem:
        raise Invalid(f"{label} {problem}; remove it and try again.")
    return value


def displayable(value: str) -> str:
    """VALUE with whatever is not text replaced by U+FFFD, for rows that were stored before
    such text was refused: they are shown and exported, never a page's downfall."""
    return NOT_TEXT_RE.sub("\ufffd", value)


def _path(parts) -> str:
    return ".".join(str(p) for p in parts) or "body"


def check_json(data, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse a decoded JSON document that nests deeper than MAX_DEPTH (Invalid), or whose
    keys or strings are not text (ValidationFailed naming each field by its path, such as
    ``specialties.0``). Walks without recursion, so any depth is safe to check."""
    errors: dict[str, str] = {}
    stack = [((), data)]
    while stack:
        path, item = stack.pop()
        if len(path) > max_depth:
            raise Invalid(f"The JSON is nested more than {max_depth} levels deep.")
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                errors.setdefault(_path(path), f"The value {problem}.")
        elif isinstance(item, dict):
            for key, value in item.items():
                problem = text_problem(key)
                if problem:
                    errors.setdefault(_path((*path, displayable(key))), f"The name {problem}.")
                stack.append(((*path, key), value))
        elif isinstance(item, list):
            stack.extend(((*path, index), value) for index, value in enumerate(item))
    if errors:
        raise ValidationFailed(dict(sorted(errors.items())))


def parse_json(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH):
    """A JSON document from RAW; Invalid with a message for people when it is not JSON or
    nests too deeply (Python's parser recurses, so a deep document is a RecursionError)."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise Invalid(f"The JSON is nested more than {max_depth} levels deep.") from None
    except UnicodeDecodeError as exc:
        raise Invalid(f"The body is not UTF-8 text (byte {exc.start + 1}).") from None
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"The body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    except ValueError as exc:  # e.g. a number too long to convert
        raise Invalid(f"The body is not valid JSON: {exc}.") from None
    check_json(data, max_depth=max_depth)
    return data


def text(value, *, max_length: int, required: bool = False, label: str = "This field") -> str:
    value = "" if value is None else str(value).strip()
    check_text(value, label)
    if required and not value:
        raise Invalid(f"{label} is required.")
    if len(value) > max_length:
        raise Invalid(f"{label} is {len(value)} characters long; the limit is {max_length}.")
    return value


def url(value, *, required: bool = False) -> str:
    typed = text(value, max_length=300, required=required, label="The web address")
    if not typed:
        return ""
    value = typed if "://" in typed else "https://" + typed
    try:
        parsed = urlparse(value)
    except ValueError:  # e.g. an unbalanced "[" reads as a broken IPv6 host
        parsed = None
    if (
        parsed is None
        or parsed.scheme not in ("http", "https")
        or not parsed.netloc
        or " " in value
    ):
        # quote what was typed, not the "https://" put in front of it here
        raise Invalid(f"'{typed}' is not a web address (use https://example.com).")
    return value


def email(value, *, required: bool = False) -> str:
    value = text(value, max_length=254, required=required, label="The email address")
    if not value:
        return ""
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise Invalid(f"'{value}' is not an email address: {exc}") from exc


def phone(value, *, required: bool = False) -> str:
    value = text(value, max_length=40, required=required, label="The phone number")
    if value and not PHONE_RE.match(value):
        raise Invalid(f"'{value}' is not a phone number (digits, spaces, + ( ) . / - only).")
    return value


def color(value, *, required: bool = True) -> str:
    value = text(value, max_length=7, required=required, label="The colour")
    if value and not COLOR_RE.match(value):
        raise Invalid(f"'{value}' is not a colour; use the form #1a2b3c.")
    return value.lower()


def boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    word = "" if value is None else str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise Invalid(f"'{value}' is not yes or no.")


def word_list(value, *, max_items: int = 30, max_length: int = 60) -> list[str]:
    """A list from a list or a comma/semicolon separated string; trimmed, de-duplicated."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else re.split(r"[;,\n]", str(value))
    result: list[str] = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        check_text(item, f"The entry '{displayable(item[:20])}'")
        if len(item) > max_length:
            raise Invalid(f"'{item[:20]}…' is longer than {max_length} characters.")
        if item.lower() not in (r.lower() for r in result):
            result.append(item)
    if len(result) > max_items:
        raise Invalid(f"At most {max_items} entries are allowed.")
    return result


def country_code(value, *, required: bool = False) -> str:
    value = text(value, max_length=60, required=required, label="The country")
    if not value:
        return ""
    country = pycountry.countries.get(alpha_2=value.upper()) if len(value) == 2 else None
    if country is None:
        country = pycountry.countries.get(alpha_3=value.upper()) if len(value) == 3 else None
    if country is None:
        try:
            country = pycountry.countries.lookup(value)
        except LookupError:
            country = None
    if country is None:
        raise Invalid(f"'{value}' is not a country (use a two-letter code such as DE or US).")
    return country.alpha_2


def country_list(value) -> list[str]:
    return [country_code(item) for item in word_list(value, max_items=250)]


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return country.name if country else code


def choice(value, options, *, label: str = "This field", required: bool = True) -> str:
    value = text(value, max_length=60, required=required, label=label).lower()
    if not value and not required:
        return ""
    if value not in options:
        raise Invalid(f"'{value}' is not one of: {', '.join(options)}.")
    return value


def slug(value) -> str:
    value = text(value, max_length=120, required=True, label="The slug").lower()
    if not SLUG_RE.match(value):
        raise Invalid("The slug may contain only lowercase letters, digits and single dashes.")
    return value


def slugify(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    result = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return result[:100] or "partner"


def is_row_id(number) -> bool:
    return isinstance(number, int) and not isinstance(number, bool) and 0 < number <= MAX_ID


def float_in(value, low: float, high: float, *, label: str) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = float(str(value).strip())
    except ValueError as exc:
        raise Invalid(f"{label} '{value}' is not a number.") from exc
    if not low <= number <= high:
        raise Invalid(f"{label} must be between {low} and {high}.")
    return number


def collect(cleaners: dict, data) -> dict:
    """Run a cleaner per field present in ``data``; raise ValidationFailed with every error."""
    clean, errors = {}, {}
    for field, cleaner in cleaners.items():
        if field not in data:
            continue
        try:
            clean[field] = cleaner(data.get(field))
        except Invalid as exc:
            errors[field] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    return clean
