"""CSV import (dry-run preview, row-by-row errors, all-or-nothing commit) and export of partners."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from app import validation as v
from app.db import session
from directory import locations, partners
from directory.models import Partner

PARTNER_COLUMNS = [
    "name",
    "slug",
    "type",
    "tier",
    "status",
    "countries",
    "regions",
    "specialties",
    "certifications",
    "website",
    "phone",
    "email",
    "description",
    "listed_in_locator",
    "channel_manager",
]
LOCATION_COLUMNS = {
    "street": "street",
    "city": "city",
    "postal_code": "postal_code",
    "region": "region",
    "country_code": "country_code",
    "latitude": "latitude",
    "longitude": "longitude",
}
COLUMNS = PARTNER_COLUMNS + list(LOCATION_COLUMNS)
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CsvError(ValueError):
    """The file as a whole cannot be read; nothing was imported."""


@dataclass
class RowResult:
    line: int
    action: str  # create | update | error
    name: str
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportResult:
    rows: list[RowResult]
    committed: bool

    @property
    def error_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return not self.error_rows

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


def decode(data: bytes) -> str:
    if not data.strip():
        raise CsvError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise CsvError(
            f"The file is {len(data) / 1e6:.1f} MB; the limit is {MAX_BYTES // 10**6} MB."
        )
    if b"\x00" in data[:4096]:
        raise CsvError("This is not a CSV text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(
            f"The file is not UTF-8 text (byte {exc.start + 1}); save it as 'CSV UTF-8'."
        ) from exc


def _unformula(value: str) -> str:
    # export prefixes formula-like cells with an apostrophe; take it off again
    if value.startswith("'") and value[1:2] in FORMULA_START:
        return value[1:]
    return value


def parse(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; CsvError for a file that cannot be read as a whole."""
    text = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise CsvError("The file has no header row.") from exc
    except csv.Error as exc:
        raise CsvError(f"Line 1: {exc}") from exc
    header = [h.strip().lower().replace(" ", "_") for h in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise CsvError(
            f"Unknown column(s): {', '.join(unknown)}. Known columns: {', '.join(COLUMNS)}."
        )
    if "name" not in header:
        raise CsvError("The header must include a 'name' column.")
    duplicates = {h for h in header if header.count(h) > 1 and h}
    if duplicates:
        raise CsvError(f"Column(s) appear twice: {', '.join(sorted(duplicates))}.")
    rows = []
    try:
        for values in reader:
            if not any(cell.strip() for cell in values):
                continue
            line = reader.line_num
            if len(values) > len(header):
                rows.append((line, {"__error__": f"{len(values)} cells but {len(header)} columns"}))
                continue
            rows.append(
                (line, {h: _unformula(c) for h, c in zip(header, values, strict=False) if h})
            )
            if len(rows) > MAX_ROWS:
                raise CsvError(f"The file has more than {MAX_ROWS} rows; split it.")
    except csv.Error as exc:
        raise CsvError(f"Line {reader.line_num}: {exc}") from exc
    if not rows:
        raise CsvError("The file has a header but no rows.")
    return rows


def _apply_row(row: dict[str, str], actor) -> tuple[str, Partner]:
    # a blank type or status cell means "keep the default / current value"
    partner_data = {
        k: row[k]
        for k in PARTNER_COLUMNS
        if k in row and (row[k].strip() or k not in ("type", "status"))
    }
    location_data = {LOCATION_COLUMNS[k]: row[k] for k in LOCATION_COLUMNS if k in row}
    existing = None
    if row.get("slug", "").strip():
        existing = session.execute(
            select(Partner).where(Partner.slug == row["slug"].strip().lower())
        ).scalar_one_or_none()
    if existing is not None:
        partner = partners.update_partner(existing, partner_data, actor)
        action = "update"
    else:
        partner = partners.create_partner(partner_data, actor)
        action = "create"
    if any(str(x).strip() for x in location_data.values()):
        if partner.locations:
            locations.update_location(partner.locations[0], location_data, actor)
        else:
            locations.add_location(partner, location_data, actor)
    return action, partner


def run_import(data: bytes, actor, *, commit: bool) -> ImportResult:
    """Validate and apply every row in one transaction; keep it only if commit and no row failed.

    A dry run goes through exactly the same steps and rolls back, so its preview is what a
    commit would do.
    """
    rows = parse(data)
    results: list[RowResult] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        name = (row.get("name") or "").strip()
        if "__error__" in row:
            results.append(RowResult(line, "error", name, {"row": row["__error__"]}))
            continue
        slug = (row.get("slug") or "").strip().lower()
        if slug and slug in seen:
            results.append(
                RowResult(
                    line,
                    "error",
                    name,
                    {"slug": f"The slug '{slug}' is also on line {seen[slug]}."},
                )
            )
            continue
        if slug:
            seen[slug] = line
        savepoint = session.begin_nested()
        try:
            action, _partner = _apply_row(row, actor)
            savepoint.commit()
            results.append(RowResult(line, action, name))
        except v.ValidationFailed as exc:
            savepoint.rollback()
            results.append(RowResult(line, "error", name, dict(exc.errors)))
    result = ImportResult(rows=results, committed=False)
    if commit and result.ok:
        session.commit()
        result.committed = True
    else:
        session.rollback()
    return result


def _cell(value) -> str:
    if isinstance(value, list):
        value = ", ".join(value)
    elif isinstance(value, bool):
        value = "yes" if value else "no"
    # a row stored before such text was refused is exported, with U+FFFD for what is not text
    value = "" if value is None else v.displayable(str(value))
    # keep spreadsheets from running a cell as a formula
    return "'" + value if value.startswith(FORMULA_START) else value


def export(partner_rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for p in partner_rows:
        loc = p.locations[0] if p.locations else None
        writer.writerow(
            [
                _cell(x)
                for x in [
                    p.name,
                    p.slug,
                    p.type,
                    p.tier.name if p.tier else "",
                    p.status,
                    p.countries,
                    p.regions,
                    p.specialties,
                    p.certifications,
                    p.website,
                    p.phone,
                    p.email,
                    p.description,
                    p.listed_in_locator,
                    p.channel_manager.email if p.channel_manager else "",
                    *(
                        [
                            loc.street,
                            loc.city,
                            loc.postal_code,
                            loc.region,
                            loc.country_code,
                            loc.latitude,
                            loc.longitude,
                        ]
                        if loc
                        else [""] * 7
                    ),
                ]
            ]
        )
    return out.getvalue()
