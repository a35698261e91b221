"""What the CSV imports share (partners, prospects, imported metrics): reading a file's header
and rows with a clear message for what cannot be read, and applying rows one by one, each in a
savepoint, for a dry run or an all-or-nothing (or good-rows-only) import in one transaction."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from app import validation as v
from app.db import session
from renderers.uploads.sizes import size_against_limit

# the column that a rows-to-fix file adds; a corrected file still has it, and imports ignore it
ERROR_COLUMN = "error"
MAX_BYTES = 5 * 1024 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CsvError(ValueError):
    """The file as a whole cannot be read; nothing was imported."""


@dataclass
class RowResult:
    line: int
    action: str  # create | update | error
    name: str
    errors: dict[str, str] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)  # as the file has them
    values: dict[str, str] = field(default_factory=dict)  # as they are saved (good rows)
    changed: tuple[str, ...] = ()  # the columns an update changes
    partner_id: int | None = None


class Outcome:
    """What an import did with its ROWS (each with ``errors`` and an ``action``)."""

    rows: list

    @property
    def error_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    @property
    def good_rows(self) -> list[RowResult]:
        return [r for r in self.rows if not r.errors]

    @property
    def ok(self) -> bool:
        return not self.error_rows

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


@dataclass
class ImportResult(Outcome):
    rows: list[RowResult]
    committed: bool
    columns: list[str] = field(default_factory=list)  # the file's columns, in COLUMNS order


def decode(data: bytes) -> str:
    if not data.strip():
        raise CsvError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise CsvError(
            f"The file is {size_against_limit(len(data), MAX_BYTES)}. Split it into smaller files."
        )
    if b"\x00" in data[:4096]:
        raise CsvError("This is not a CSV text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(
            f"The file is not UTF-8 text (byte {exc.start + 1}); save it as 'CSV UTF-8'."
        ) from exc


def unformula(value: str) -> str:
    # exports prefix formula-like cells with an apostrophe; take it off again
    if value.startswith("'") and value[1:2] in FORMULA_START:
        return value[1:]
    return value


def read_header(data: bytes, columns: list[str]):
    """A CSV reader of DATA past its header row, and the header's names (lower case, ``_`` for
    spaces); CsvError for a file that cannot be read or a column not in COLUMNS."""
    text = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    except StopIteration as exc:
        raise CsvError("The file has no header row.") from exc
    except csv.Error as exc:
        raise CsvError(f"Line 1: {exc}") from exc
    unknown = [h for h in header if h and h not in columns and h != ERROR_COLUMN]
    if unknown:
        raise CsvError(
            f"Unknown column(s): {', '.join(unknown)}. Known columns: {', '.join(columns)}."
        )
    return reader, header


def read_rows(
    reader,
    header: list[str],
    cells: Callable[[list[str], bool], dict[str, str]],
    max_rows: int,
    too_many: str,
) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of the rows left in READER that are not blank; CELLS(values,
    too_long) makes a row, and a row with more cells than HEADER gets an ``__error__``.
    CsvError (TOO_MANY) past MAX_ROWS rows, for a line that cannot be read, or for no rows."""
    rows = []
    try:
        for values in reader:
            if not any(cell.strip() for cell in values):
                continue
            too_long = len(values) > len(header)
            row = cells(values, too_long)
            if too_long:
                row["__error__"] = f"{len(values)} cells but {len(header)} columns"
            rows.append((reader.line_num, row))
            if len(rows) > max_rows:
                raise CsvError(too_many)
    except csv.Error as exc:
        raise CsvError(f"Line {reader.line_num}: {exc}") from exc
    if not rows:
        raise CsvError("The file has a header but no rows.")
    return rows


def apply_rows(
    rows: list[tuple[int, dict[str, str]]],
    columns: list[str],
    *,
    name_column: str,
    key_column: str,
    apply: Callable[[dict[str, str], str], tuple[str, dict, dict, int | None]],
) -> list[RowResult]:
    """Apply every row in the caller's transaction, each in a savepoint of its own.

    APPLY(row, key) saves one row and answers (action, values before, values after, the saved
    row's id or None); ValidationFailed for a row it refuses. A KEY_COLUMN value seen on an
    earlier line is an error of its own.
    """
    results: list[RowResult] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        name = (row.get(name_column) or "").strip()
        if "__error__" in row:
            cells = {k: c for k, c in row.items() if k != "__error__"}
            results.append(RowResult(line, "error", name, {"row": row["__error__"]}, cells))
            continue
        key = (row.get(key_column) or "").strip().lower()
        if key and key in seen:
            problem = {key_column: f"The {key_column} '{key}' is also on line {seen[key]}."}
            results.append(RowResult(line, "error", name, problem, cells=row))
            continue
        if key:
            seen[key] = line
        savepoint = session.begin_nested()
        try:
            action, before, after, saved_id = apply(row, key)
            savepoint.commit()
            changed = tuple(c for c in columns if before and before[c] != after[c])
            results.append(RowResult(line, action, name, {}, row, after, changed, saved_id))
        except v.ValidationFailed as exc:
            savepoint.rollback()
            results.append(RowResult(line, "error", name, dict(exc.errors), cells=row))
    return results


def run_rows(
    rows: list[tuple[int, dict[str, str]]],
    columns: list[str],
    *,
    name_column: str,
    key_column: str,
    apply: Callable[[dict[str, str], str], tuple[str, dict, dict, int | None]],
    commit: bool,
    only_good: bool,
) -> ImportResult:
    """``apply_rows`` in one transaction: kept only if COMMIT and no row failed, or (ONLY_GOOD)
    the rows that did not fail. A dry run rolls back."""
    results = apply_rows(rows, columns, name_column=name_column, key_column=key_column, apply=apply)
    result = ImportResult(rows=results, committed=False, columns=columns)
    if commit and (result.ok or only_good) and result.good_rows:
        session.commit()
        result.committed = True
    else:
        session.rollback()
    return result
