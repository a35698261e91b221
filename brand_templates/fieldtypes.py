"""The editable-field types and how a value of each is checked and cleaned."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from markupsafe import Markup

from app.validation import text_problem

from .sanitize import html_text, sanitize_html

FIELD_TYPES = ("text", "multiline", "richtext", "image", "color", "choice", "url", "phone", "email")
# types whose length a vendor may cap; the others have a fixed shape
LENGTH_TYPES = frozenset({"text", "multiline", "richtext", "url", "phone", "email"})

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
PHONE_RE = re.compile(r"^[0-9+()\-./ ]+(?:\s*(?:ext\.?|x)\s*[0-9]+)?$", re.IGNORECASE)
STORAGE_PREFIX = "storage:"
ASSET_PREFIX = "asset:"


class FieldTypeError(ValueError):
    """The value does not fit the field's type; the message is shown to the person."""


def check_color(value: str) -> str:
    if not COLOR_RE.match(value):
        raise FieldTypeError(f"{value!r} is not a colour in the form #rrggbb")
    return value.lower()


def check_url(value: str) -> str:
    if any(ch.isspace() for ch in value):
        raise FieldTypeError("a web address cannot contain spaces")
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise FieldTypeError(f"{value!r} is not a valid web address") from exc
    if parts.scheme.lower() not in {"http", "https"}:
        raise FieldTypeError("a web address must start with http:// or https://")
    if not parts.hostname or "." not in parts.hostname and parts.hostname != "localhost":
        raise FieldTypeError(f"{value!r} has no valid host name")
    return value


def check_email(value: str) -> str:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise FieldTypeError(f"{value!r} is not a valid email address: {exc}") from exc
    return value


def check_phone(value: str) -> str:
    if not PHONE_RE.match(value):
        raise FieldTypeError(
            "a phone number may contain only digits, spaces, + ( ) - . / and an extension"
        )
    if sum(ch.isdigit() for ch in value) < 3:
        raise FieldTypeError("a phone number needs at least 3 digits")
    return value


def check_image_ref(value: str, files: Collection[str] | None) -> str:
    """An image is a stored file (``storage:<key>``) or a file of the template."""
    if value.startswith(STORAGE_PREFIX):
        key = value[len(STORAGE_PREFIX) :]
        path = PurePosixPath(key)
        if not key or path.is_absolute() or ".." in path.parts or "\\" in key:
            raise FieldTypeError(f"{value!r} is not a valid storage key")
        return value
    name = value[len(ASSET_PREFIX) :] if value.startswith(ASSET_PREFIX) else value
    path = PurePosixPath(name)
    if "://" in value or value.startswith(("data:", "//")):
        raise FieldTypeError("an image must be an uploaded file or a file of the template")
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise FieldTypeError(f"{value!r} is not a valid template file path")
    if files is not None and name not in files:
        raise FieldTypeError(f"the template has no file {name!r}")
    return value


def clean_value(
    type_: str,
    value: object,
    *,
    max_length: int | None = None,
    choices: Sequence[str] = (),
    files: Collection[str] | None = None,
) -> str | Markup:
    """The cleaned value, or FieldTypeError with a message for the person who typed it.

    Empty values are the caller's business (required or not); this checks a non-empty one.
    """
    if not isinstance(value, str):
        raise FieldTypeError(f"expected text, got {type(value).__name__}")
    # a Markup passed in as a plain field value must not skip autoescaping
    value = str.__str__(value) if type_ != "richtext" else str(value)
    if type_ in {"text", "url", "phone", "email", "color", "choice", "image"}:
        value = value.strip()
        if "\n" in value or "\r" in value:
            raise FieldTypeError("must be a single line")
    problem = text_problem(value)  # control characters, NUL, lone surrogates
    if problem:
        raise FieldTypeError(problem)

    if type_ == "richtext":
        cleaned: str | Markup = sanitize_html(value)
        length = len(html_text(cleaned))
    else:
        cleaned = value
        length = len(value)
    if max_length is not None and length > max_length:
        raise FieldTypeError(f"is {length} characters long; the limit is {max_length}")

    if type_ in {"text", "multiline", "richtext"}:
        return cleaned
    if type_ == "color":
        return check_color(value)
    if type_ == "url":
        return check_url(value)
    if type_ == "email":
        return check_email(value)
    if type_ == "phone":
        return check_phone(value)
    if type_ == "choice":
        if value not in choices:
            listed = ", ".join(repr(c) for c in choices)
            raise FieldTypeError(f"{value!r} is not one of the choices: {listed}")
        return value
    if type_ == "image":
        return check_image_ref(value, files)
    raise FieldTypeError(f"unknown field type {type_!r}")
