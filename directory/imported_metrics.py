"""Imported metrics (revenue, pipeline, employees, market reach, customer satisfaction) per
partner and period: CSV import with a dry run and row errors, like the partner import, and
the upsert the REST API uses."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from app import audit
from app import validation as v
from app.db import session, utcnow
from directory.activity_models import ImportedMetric
from directory.csv_rows import (
    ERROR_COLUMN,
    FORMULA_START,
    CsvError,
    Outcome,
    read_header,
    read_rows,
    unformula,
)
from directory.models import Partner

METRICS = {
    "revenue": "Sales revenue",
    "pipeline": "Pipeline",
    "employees": "Employees",
    "market_reach": "Market reach",
    "customer_satisfaction": "Customer satisfaction",
}
COLUMNS = ["partner", "metric", "period_start", "period_end", "value"]
MAX_ROWS = 50_000
MAX_VALUE = 1e15

__all__ = [
    "COLUMNS",
    "METRICS",
    "CsvError",
    "partners_by_key",
    "rejected_csv",
    "run_import",
    "upsert",
]


@dataclass
class Row:
    line: int
    cells: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    action: str = ""  # create | update | error


@dataclass
class MetricImport(Outcome):
    rows: list[Row]
    committed: bool = False


def parse(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line, row) pairs; CsvError for a file that cannot be read as a whole."""
    reader, header = read_header(data, COLUMNS)
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CsvError(f"The header must include: {', '.join(missing)}.")

    def cells(values: list[str], _too_long: bool) -> dict[str, str]:
        return {
            h: unformula(c.strip()) for h, c in zip(header, values, strict=False) if h in COLUMNS
        }

    too_many = f"The file has more than {MAX_ROWS:,} rows. Split it."
    return read_rows(reader, header, cells, MAX_ROWS, too_many)


def _date(value, label: str) -> date:
    text = v.text(value, max_length=10, required=True, label=label)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise v.Invalid(f"{label} '{text}' is not a date (YYYY-MM-DD).") from exc


def partners_by_key(keys: set[str]) -> dict[str, int]:
    """{slug or id as typed: partner id} for the partners the file names."""
    found: dict[str, int] = {}
    slugs = [k.lower() for k in keys if not k.isdigit()]
    for chunk in range(0, len(slugs), 1000):
        for pid, slug in session.execute(
            select(Partner.id, Partner.slug).where(Partner.slug.in_(slugs[chunk : chunk + 1000]))
        ):
            found[slug] = pid
    numbers = [int(k) for k in keys if k.isdigit() and v.is_row_id(int(k))]
    for chunk in range(0, len(numbers), 1000):
        for (pid,) in session.execute(
            select(Partner.id).where(Partner.id.in_(numbers[chunk : chunk + 1000]))
        ):
            found[str(pid)] = pid
    return found


def clean(cells: dict, partner_ids: dict[str, int]) -> dict:
    """The values of one row (partner_id, metric, period_start, period_end, value);
    ValidationFailed with every error."""
    errors, out = {}, {}
    key = (cells.get("partner") or "").strip().lower()
    if not key:
        errors["partner"] = "The partner (its slug or id) is required."
    elif key not in partner_ids:
        errors["partner"] = f"No partner has the slug or id '{key[:60]}'."
    else:
        out["partner_id"] = partner_ids[key]
    metric = (cells.get("metric") or "").strip().lower()
    if metric not in METRICS:
        errors["metric"] = f"'{metric[:40]}' is not a metric (metrics: {', '.join(METRICS)})."
    else:
        out["metric"] = metric
    for name, label in (("period_start", "The period start"), ("period_end", "The period end")):
        try:
            out[name] = _date(cells.get(name), label)
        except v.Invalid as exc:
            errors[name] = str(exc)
    if "period_start" in out and "period_end" in out and out["period_end"] < out["period_start"]:
        errors["period_end"] = "The period ends before it starts."
    try:
        value = v.float_in(
            str(cells.get("value") or "").replace(",", ""), -MAX_VALUE, MAX_VALUE, label="The value"
        )
        if value is None:
            raise v.Invalid("The value is required.")
        out["value"] = value
    except v.Invalid as exc:
        errors["value"] = str(exc)
    if errors:
        raise v.ValidationFailed(errors)
    return out


def upsert(values: dict, source: str = "csv") -> tuple[str, ImportedMetric]:
    """Create or replace the figure of (partner, metric, period start); (action, row)."""
    row = session.execute(
        select(ImportedMetric).where(
            ImportedMetric.partner_id == values["partner_id"],
            ImportedMetric.metric == values["metric"],
            ImportedMetric.period_start == values["period_start"],
        )
    ).scalar_one_or_none()
    if row is None:
        row = ImportedMetric(**values, source=source)
        session.add(row)
        session.flush()
        return "create", row
    row.period_end, row.value, row.source, row.updated_at = (
        values["period_end"],
        values["value"],
        source,
        utcnow(),
    )
    return "update", row


def run_import(data: bytes, actor, *, commit: bool, only_good: bool = False) -> MetricImport:
    """Check every row (dry run) and, with COMMIT, save them in one transaction: all of them,
    or with ONLY_GOOD the good ones. Nothing is saved if any row fails and not ONLY_GOOD."""
    parsed = parse(data)
    ids = partners_by_key({(c.get("partner") or "").strip().lower() for _l, c in parsed})
    rows, seen = [], {}
    for line, cells in parsed:
        row = Row(line=line, cells=cells)
        try:
            if "__error__" in cells:
                raise v.ValidationFailed({"row": cells["__error__"]})
            row.values = clean(cells, ids)
            key = (row.values["partner_id"], row.values["metric"], row.values["period_start"])
            if key in seen:
                raise v.ValidationFailed(
                    {"row": f"Same partner, metric and period as line {seen[key]}."}
                )
            seen[key] = line
        except v.ValidationFailed as exc:
            row.errors, row.action = exc.errors, "error"
        rows.append(row)
    result = MetricImport(rows)
    existing = _existing({k for k in seen})
    for row in result.good_rows:
        key = (row.values["partner_id"], row.values["metric"], row.values["period_start"])
        row.action = "update" if key in existing else "create"
    if not commit or (result.error_rows and not only_good) or not result.good_rows:
        session.rollback()
        return result
    for row in result.good_rows:
        upsert(row.values)
    audit.record(
        actor,
        "imported_metrics.import",
        "imported_metrics",
        changes={"rows": [None, len(result.good_rows)]},
    )
    session.commit()
    result.committed = True
    return result


def _existing(keys: set[tuple]) -> set[tuple]:
    if not keys:
        return set()
    pids = sorted({k[0] for k in keys})
    found = set()
    for chunk in range(0, len(pids), 1000):
        for pid, metric, start in session.execute(
            select(
                ImportedMetric.partner_id, ImportedMetric.metric, ImportedMetric.period_start
            ).where(ImportedMetric.partner_id.in_(pids[chunk : chunk + 1000]))
        ):
            found.add((pid, metric, start))
    return found & keys


def _cell(value) -> str:
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def rejected_csv(result: MetricImport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*COLUMNS, ERROR_COLUMN])
    for row in result.error_rows:
        problems = " ".join(row.errors.values())
        writer.writerow([_cell(row.cells.get(c, "")) for c in COLUMNS] + [_cell(problems)])
    return out.getvalue()


def sample_csv() -> str:
    return (
        "partner,metric,period_start,period_end,value\r\n"
        "acme-solutions,revenue,2026-01-01,2026-03-31,125000\r\n"
        "acme-solutions,customer_satisfaction,2026-01-01,2026-03-31,8.7\r\n"
    )


def for_partner(partner_id: int, limit: int = 200) -> list[ImportedMetric]:
    return list(
        session.execute(
            select(ImportedMetric)
            .where(ImportedMetric.partner_id == partner_id)
            .order_by(ImportedMetric.period_start.desc(), ImportedMetric.metric)
            .limit(limit)
        ).scalars()
    )


def count() -> int:
    return session.execute(select(func.count()).select_from(ImportedMetric)).scalar_one()
