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
from directory.partner_csv import CsvError, ImportResult, RowResult, parse, rejected_csv

COLUMNS = ["company", "contact_name", "email", "country", "website", "source", "status", "notes"]

__all__ = ["COLUMNS", "CsvError", "for_enrollment", "rejected_csv", "run_import", "sample_csv"]


def _values(prospect: Prospect, columns: list[str]) -> dict[str, str]:
    return {c: str(getattr(prospect, c) or "") for c in columns}


def _apply(
    rows: list[tuple[int, dict[str, str]]], columns: list[str], actor, default_source: str
) -> list[tuple[RowResult, int | None]]:
    """Each row of a parsed file applied under a savepoint of its own: a new prospect, or the
    prospect with that email updated; (its result, the prospect's id or None for an error)."""
    applied: list[tuple[RowResult, int | None]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        name = (row.get("company") or "").strip()
        if "__error__" in row:
            cells = {k: c for k, c in row.items() if k != "__error__"}
            applied.append((RowResult(line, "error", name, {"row": row["__error__"]}, cells), None))
            continue
        email = (row.get("email") or "").strip().lower()
        if email and email in seen:
            problem = {"email": f"The email '{email}' is also on line {seen[email]}."}
            applied.append((RowResult(line, "error", name, problem, cells=row), None))
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
                    data_row["source"] = default_source
                prospect, action = prospects.create_prospect(data_row, actor), "create"
            session.flush()
            after = _values(prospect, columns)
            savepoint.commit()
            changed = tuple(c for c in columns if before and before[c] != after[c])
            applied.append((RowResult(line, action, name, {}, row, after, changed), prospect.id))
        except v.ValidationFailed as exc:
            savepoint.rollback()
            applied.append((RowResult(line, "error", name, dict(exc.errors), cells=row), None))
    return applied


def _columns(rows: list[tuple[int, dict[str, str]]]) -> list[str]:
    return [c for c in COLUMNS if any(c in row for _line, row in rows)]


def run_import(data: bytes, actor, *, commit: bool, only_good: bool = False) -> ImportResult:
    """Validate and apply every row in one transaction; keep it only if COMMIT and no row
    failed, or (ONLY_GOOD) keep the rows that did not fail. A dry run rolls back."""
    rows = parse(data, COLUMNS, required="email")
    columns = _columns(rows)
    results = [result for result, _id in _apply(rows, columns, actor, "CSV import")]
    result = ImportResult(rows=results, committed=False, columns=columns)
    if commit and (result.ok or only_good) and result.good_rows:
        session.commit()
        result.committed = True
    else:
        session.rollback()
    return result


def for_enrollment(data: bytes, actor) -> tuple[list[int], int]:
    """The prospects of a CSV uploaded to enroll them in a journey, read by the import itself
    (its columns, limits, duplicate and validation messages): new ones added, those with a
    known email updated, in the caller's transaction. (their ids, how many were added);
    ValidationFailed names the lines to fix when any row is wrong (the caller rolls back)."""
    try:
        rows = parse(data, COLUMNS, required="email")
    except CsvError as exc:
        raise v.ValidationFailed({"file": str(exc)}) from exc
    applied = _apply(rows, _columns(rows), actor, "Journey CSV upload")
    bad = [result for result, _id in applied if result.errors]
    if bad:
        lines = [f"Line {r.line}: {' '.join(r.errors.values())}" for r in bad[:10]]
        more = f" And {len(bad) - 10} more lines." if len(bad) > 10 else ""
        raise v.ValidationFailed({"file": " ".join(lines) + more})
    ids = [prospect_id for _result, prospect_id in applied if prospect_id is not None]
    if not ids:
        raise v.ValidationFailed({"file": "The file has no prospects."})
    made = sum(1 for result, _id in applied if result.action == "create")
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
