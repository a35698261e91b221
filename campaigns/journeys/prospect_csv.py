"""CSV import of prospects: the partner import's reading, dry run and rows-to-fix file
(``directory.partner_csv``), applied to prospects. A row whose email is a prospect's updates it."""

from __future__ import annotations

import csv
import io

from app.db import session
from campaigns.journeys import prospects
from campaigns.journeys.models import Prospect
from directory import partner_csv
from directory.csv_rows import CsvError, ImportResult, run_rows
from directory.partner_csv import rejected_csv

COLUMNS = ["company", "contact_name", "email", "country", "website", "source", "status", "notes"]

__all__ = ["COLUMNS", "CsvError", "parse", "rejected_csv", "run_import", "sample_csv"]


def parse(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The partner import's reading with the prospects' columns; the email is required."""
    return partner_csv.parse(data, COLUMNS, required="email")


def _values(prospect: Prospect, columns: list[str]) -> dict[str, str]:
    return {c: str(getattr(prospect, c) or "") for c in columns}


def run_import(data: bytes, actor, *, commit: bool, only_good: bool = False) -> ImportResult:
    """Validate and apply every row in one transaction; keep it only if COMMIT and no row
    failed, or (ONLY_GOOD) keep the rows that did not fail. A dry run rolls back."""
    rows = parse(data)
    columns = [c for c in COLUMNS if any(c in row for _line, row in rows)]

    def apply(row: dict[str, str], email: str) -> tuple[str, dict, dict, None]:
        data_row = {k: val for k, val in row.items() if val.strip() or k not in ("status",)}
        existing = prospects.find_by_email(email) if email else None
        before = _values(existing, columns) if existing else {}
        if existing is not None:
            prospect, action = prospects.update_prospect(existing, data_row, actor), "update"
        else:
            if not data_row.get("source", "").strip():
                data_row["source"] = "CSV import"
            prospect, action = prospects.create_prospect(data_row, actor), "create"
        session.flush()
        return action, before, _values(prospect, columns), None

    return run_rows(
        rows,
        columns,
        name_column="company",
        key_column="email",
        apply=apply,
        commit=commit,
        only_good=only_good,
    )


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
