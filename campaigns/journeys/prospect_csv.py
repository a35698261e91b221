"""CSV import of prospects: the partner import's reading, dry run and rows-to-fix file
(``directory.partner_csv``), applied to prospects. A row whose email is a prospect's updates it."""

from __future__ import annotations

import csv
import io

from app import validation as v
from app.db import session
from campaigns.journeys import prospects
from campaigns.journeys.models import Prospect
from directory.partner_csv import CsvError, ImportResult, RowResult, parse, rejected_csv

COLUMNS = ["company", "contact_name", "email", "country", "website", "source", "status", "notes"]

__all__ = ["COLUMNS", "CsvError", "rejected_csv", "run_import", "sample_csv"]


def _values(prospect: Prospect, columns: list[str]) -> dict[str, str]:
    return {c: str(getattr(prospect, c) or "") for c in columns}


def run_import(data: bytes, actor, *, commit: bool, only_good: bool = False) -> ImportResult:
    """Validate and apply every row in one transaction; keep it only if COMMIT and no row
    failed, or (ONLY_GOOD) keep the rows that did not fail. A dry run rolls back."""
    rows = parse(data, COLUMNS, required="email")
    columns = [c for c in COLUMNS if any(c in row for _line, row in rows)]
    results: list[RowResult] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        name = (row.get("company") or "").strip()
        if "__error__" in row:
            cells = {k: c for k, c in row.items() if k != "__error__"}
            results.append(RowResult(line, "error", name, {"row": row["__error__"]}, cells))
            continue
        email = (row.get("email") or "").strip().lower()
        if email and email in seen:
            problem = {"email": f"The email '{email}' is also on line {seen[email]}."}
            results.append(RowResult(line, "error", name, problem, cells=row))
            continue
        if email:
            seen[email] = line
        data_row = {k: val for k, val in row.items() if val.strip() or k not in ("status",)}
        savepoint = session.begin_nested()
        try:
            existing = prospects.find_by_email(email) if email else None
            before = _values(existing, columns) if existing else {}
            if existing is not None:
                prospect, action = prospects.update_prospect(existing, data_row, actor), "update"
            else:
                if not data_row.get("source", "").strip():
                    data_row["source"] = "CSV import"
                prospect, action = prospects.create_prospect(data_row, actor), "create"
            session.flush()
            after = _values(prospect, columns)
            savepoint.commit()
            changed = tuple(c for c in columns if before and before[c] != after[c])
            results.append(RowResult(line, action, name, {}, row, after, changed))
        except v.ValidationFailed as exc:
            savepoint.rollback()
            results.append(RowResult(line, "error", name, dict(exc.errors), cells=row))
    result = ImportResult(rows=results, committed=False, columns=columns)
    if commit and (result.ok or only_good) and result.good_rows:
        session.commit()
        result.committed = True
    else:
        session.rollback()
    return result


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
