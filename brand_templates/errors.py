"""Errors of the brand-template format: each problem names its file, line and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ValidationError:
    """One problem in a template bundle or in a set of field values."""

    file: str | None
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file or "<bundle>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


def _summary(errors: list[ValidationError]) -> str:
    if not errors:
        return "no errors"
    first = str(errors[0])
    more = len(errors) - 1
    return first if not more else f"{first} (and {more} more)"


class TemplateInvalid(Exception):
    """A bundle that cannot be imported or rendered; ``errors`` says why."""

    def __init__(self, errors: Iterable[ValidationError]):
        self.errors = list(errors)
        super().__init__(_summary(self.errors))


class FieldValueError(ValueError):
    """Field values that do not fit the template's field schema."""

    def __init__(self, errors: Iterable[ValidationError]):
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    @property
    def by_field(self) -> dict[str, str]:
        """The first message per field, for form display."""
        out: dict[str, str] = {}
        for error in self.errors:
            out.setdefault(error.field or "", error.message)
        return out


class LockedFieldError(FieldValueError):
    """A partner tried to change a field that only the vendor may set."""
