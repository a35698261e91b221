"""CSV import (dry-run preview, row-by-row errors, all-or-nothing commit) and export of partners."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from app import validation as v
from app.db import session
from app.models import User
from directory import locations, partners
from directory.csv_rows import (
    ERROR_COLUMN,
    FORMULA_START,
    MAX_BYTES,
    CsvError,
    ImportResult,
    RowResult,
    read_header,
    read_rows,
    run_rows,
    unformula,
)
from directory.models import Location, Partner, Tier

__all__ = [
    "COLUMNS",
    "ERROR_COLUMN",
    "MAX_BYTES",
    "MAX_ROWS",
    "CsvError",
    "ImportResult",
    "RowResult",
    "export",
    "parse",
    "rejected_csv",
    "run_import",
    "sample_csv",
]

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
    "tags",
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
MAX_ROWS = 10_000


def parse(
    data: bytes, columns: list[str] = COLUMNS, required: str = "name"
) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; CsvError for a file that cannot be read as a whole. COLUMNS
    and the REQUIRED one are the partners' unless another import (prospects) names its own."""
    reader, header = read_header(data, columns)
    if required not in header:
        raise CsvError(f"The header must include a '{required}' column.")
    duplicates = {h for h in header if header.count(h) > 1 and h}
    if duplicates:
        raise CsvError(f"Column(s) appear twice: {', '.join(sorted(duplicates))}.")

    def cells(values: list[str], too_long: bool) -> dict[str, str]:
        if too_long:  # the cells that fit the header, kept for the rows to fix
            return {h: c for h, c in zip(header, values, strict=False) if h in columns}
        return {
            h: unformula(c) for h, c in zip(header, values, strict=False) if h and h != ERROR_COLUMN
        }

    too_many = f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files."
    return read_rows(reader, header, cells, MAX_ROWS, too_many)


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


def run_import(data: bytes, actor, *, commit: bool, only_good: bool = False) -> ImportResult:
    """Validate and apply every row in one transaction; keep it only if commit and no row
    failed, or (ONLY_GOOD) keep the rows that did not fail.

    A dry run goes through exactly the same steps and rolls back, so its preview is what a
    commit would do, down to the values saved.
    """
    rows = parse(data)
    columns = [c for c in COLUMNS if any(c in row for _line, row in rows)]

    def apply(row: dict[str, str], slug: str) -> tuple[str, dict, dict, int]:
        before = _saved_values(_existing(slug), columns)
        action, partner = _apply_row(row, actor)
        return action, before, _saved_values(partner, columns), partner.id

    return run_rows(
        rows,
        columns,
        name_column="name",
        key_column="slug",
        apply=apply,
        commit=commit,
        only_good=only_good,
    )


def _existing(slug: str) -> Partner | None:
    if not slug:
        return None
    return session.execute(select(Partner).where(Partner.slug == slug)).scalar_one_or_none()


def _saved_values(partner: Partner | None, columns: list[str]) -> dict[str, str]:
    """The values of PARTNER for COLUMNS, as a person reads them (the import's preview)."""
    if partner is None:
        return {}
    # by id, not through relationships that a change of the id does not refresh
    tier = session.get(Tier, partner.tier_id) if partner.tier_id else None
    manager = session.get(User, partner.channel_manager_id) if partner.channel_manager_id else None
    location = session.execute(
        select(Location).where(Location.partner_id == partner.id).order_by(Location.id).limit(1)
    ).scalar_one_or_none()
    values = {}
    for column in columns:
        if column in LOCATION_COLUMNS:
            value = getattr(location, LOCATION_COLUMNS[column]) if location else None
        elif column == "tier":
            value = tier.name if tier else None
        elif column == "channel_manager":
            value = manager.email if manager else None
        else:
            value = getattr(partner, column)
        values[column] = _shown(value)
    return values


def _shown(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


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
                    p.tags,
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


def rejected_csv(result: ImportResult) -> str:
    """The rows of RESULT that were not imported, as the file had them, with an 'error' column
    saying what to fix: a file to correct and import again."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = result.columns or ["name"]
    writer.writerow([*columns, ERROR_COLUMN])
    for row in result.error_rows:
        problems = "; ".join(
            f"line {row.line}: {message}" if key == "row" else f"{key}: {message}"
            for key, message in row.errors.items()
        )
        writer.writerow([*(_cell(row.cells.get(c, "")) for c in columns), _cell(problems)])
    return out.getvalue()


def sample_csv(tier_names: list[str]) -> str:
    """A small file in the import's format, with every column and two example partners."""
    tier = tier_names[-1] if tier_names else ""
    rows = [
        {
            "name": "Example Solar GmbH",
            "slug": "example-solar",
            "type": "installer",
            "tier": tier,
            "status": "active",
            "countries": "DE, AT",
            "regions": "Bavaria",
            "specialties": "Solar, Storage",
            "certifications": "",
            "tags": "trade-fair-2026",
            "website": "https://solar.example.com",
            "phone": "+49 89 1234567",
            "email": "info@solar.example.com",
            "description": "Installs solar and storage systems in southern Germany.",
            "listed_in_locator": "yes",
            "street": "Leopoldstr. 1",
            "city": "Munich",
            "postal_code": "80802",
            "country_code": "DE",
        },
        {
            "name": "Example Distribution Ltd",
            "type": "distributor",
            "status": "prospect",
            "countries": "GB",
            "website": "distribution.example.com",
            "listed_in_locator": "no",
            "city": "Leeds",
            "country_code": "GB",
        },
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in COLUMNS])
    return out.getvalue()
