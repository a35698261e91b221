"""CSV import of prospects: the partner import's reading, dry run and rows-to-fix file
(``directory.partner_csv``), applied to prospects. A row whose email is a prospect's updates it.
A journey's CSV enrollment reads its file here too: one set of rules for prospects from a file."""

from __future__ import annotations

import csv
import io

from app import validation as v
from app.db import session
from campaigns.journeys import prospects
from campaigns.journeys.models import Prospect
from directory import partner_csv
from directory.csv_rows import CsvError, ImportResult, apply_rows, run_rows
from directory.partner_csv import rejected_csv

COLUMNS = ["company", "contact_name", "email", "country", "website", "source", "status", "notes"]

__all__ = [
    "COLUMNS",
    "CsvError",
    "for_enrollment",
    "parse",
    "rejected_csv",
    "run_import",
    "sample_csv",
]


def parse(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The partner import's reading with the prospects' columns; the email is required."""
    return partner_csv.parse(data, COLUMNS, required="email")


def _values(prospect: Prospect, columns: list[str]) -> dict[str, str]:
    return {c: str(getattr(prospect, c) or "") for c in columns}


def _columns(rows: list[tuple[int, dict[str, str]]]) -> list[str]:
    return [c for c in COLUMNS if any(c in row for _line, row in rows)]


def _row_saver(columns: list[str], actor, default_source: str):
    """Saves one row: the prospect with that email updated, else a new one (its source
    DEFAULT_SOURCE when the row names none); for ``csv_rows``."""

    def apply(row: dict[str, str], email: str) -> tuple[str, dict, dict, int]:
        data_row = {k: val for k, val in row.items() if val.strip() or k not in ("status",)}
        existing = prospects.find_by_email(email) if email else None
        before = _values(existing, columns) if existing else {}
        if existing is not None:
            prospect, action = prospects.update_prospect(existing, data_row, actor), "update"
        else:
            if not data_row.get("source", "").strip():
                data_row["source"] = default_source
            prospect, action = prospects.create_prospect(data_row, actor), "create"
        session.flush()
        return action, before, _values(prospect, columns), prospect.id

    return apply


def run_import(data: bytes, actor, *, commit: bool, only_good: bool = False) -> ImportResult:
    """Validate and apply every row in one transaction; keep it only if COMMIT and no row
    failed, or (ONLY_GOOD) keep the rows that did not fail. A dry run rolls back."""
    rows = parse(data)
    columns = _columns(rows)
    return run_rows(
        rows,
        columns,
        name_column="company",
        key_column="email",
        apply=_row_saver(columns, actor, "CSV import"),
        commit=commit,
        only_good=only_good,
    )


def for_enrollment(data: bytes, actor) -> tuple[list[int], int]:
    """The prospects of a CSV uploaded to enroll them in a journey, read by the import itself
    (its columns, limits, duplicate and validation messages): new ones added, those with a
    known email updated, in the caller's transaction. (their ids, how many were added);
    ValidationFailed names the lines to fix when any row is wrong (the caller rolls back)."""
    try:
        rows = parse(data)
    except CsvError as exc:
        raise v.ValidationFailed({"file": str(exc)}) from exc
    columns = _columns(rows)
    applied = apply_rows(
        rows,
        columns,
        name_column="company",
        key_column="email",
        apply=_row_saver(columns, actor, "Journey CSV upload"),
    )
    bad = [result for result in applied if result.errors]
    if bad:
        lines = [f"Line {r.line}: {' '.join(r.errors.values())}" for r in bad[:10]]
        more = f" And {len(bad) - 10} more lines." if len(bad) > 10 else ""
        raise v.ValidationFailed({"file": " ".join(lines) + more})
    ids = [result.partner_id for result in applied if result.partner_id is not None]
    if not ids:
        raise v.ValidationFailed({"file": "The file has no prospects."})
    made = sum(1 for result in applied if result.action == "create")
    return list(dict.fromkeys(ids)), made


def sample_csv() -> str:
    """A small file in the import's format, with every column and two example prospects."""
    rows = [
        [
            "Example Solar GmbH",
            "Jana Example",
            "jana@solar.example.com",
            "DE",
            "https://solar.example.com",
            "Trade fair",
            "new",
            "Met at the Intersolar booth.",
        ],
        ["Example Installers Ltd", "", "hello@installers.example.com", "GB", "", "", "", ""],
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()
