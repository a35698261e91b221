"""The CSV import's choices: the dry run shows the values that will be saved; the good rows may
be imported alone, and the bad ones come back as a CSV with an error column to fix and import
again (all or nothing stays); a sample file to start from; the imported partners listed after.
Each import is one transaction: the good rows go in together, or nothing does."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from app.db import session
from app.models import AuditEntry
from directory.models import Partner
from tests.web.test_csv_import import (
    ERRORS,
    GOOD,
    IMPORT,
    page_text,
    preview_cells,
    preview_rows,
    state,
    upload,
    upload_key_of,
)


@pytest.fixture
def admin(world, login_as):
    return login_as("admin@vendor.example")


def _header(response) -> list[str]:
    head = response.get_data(as_text=True).split("<thead>", 1)[1].split("</thead>", 1)[0]
    return re.findall(r'<th scope="col">([^<]*)</th>', head)


def _csv(response) -> list[dict[str, str]]:
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_dry_run_shows_the_values_that_will_be_saved(app, admin):
    before = state(app)
    response = upload(admin, GOOD)
    # one column per column of the file (in the usual order), the name and the errors first
    columns = _header(response)[4:]
    assert _header(response)[:4] == ["Line", "Action", "Name", "Errors"]
    assert columns == [
        "slug", "type", "tier", "status", "countries", "specialties", "website", "phone",
        "email", "street", "city", "postal_code", "country_code", "latitude", "longitude",
    ]  # fmt: skip
    cells = {line: dict(zip(columns, row[4:], strict=True)) for line, row in
             preview_cells(response).items()}  # fmt: skip
    charlie, delta, alpha = cells[2], cells[3], cells[4]
    # cleaned as they will be saved, not as typed
    assert charlie["website"] == "https://charlie.example"  # typed: charlie.example
    assert charlie["email"] == "info@charlie.example"  # typed: Info@Charlie.example
    assert charlie["specialties"] == "Cloud, Security"  # typed: Cloud; Security
    assert (charlie["countries"], charlie["tier"], charlie["latitude"]) == (
        "DE, AT",
        "Silver",
        "53.54",
    )
    assert (delta["slug"], delta["status"], delta["type"]) == (
        "delta-installers",
        "prospect",
        "installer",
    )
    # an update marks what it changes; a blank type keeps the partner's
    assert alpha["tier"] == "Platinum changed" and alpha["countries"] == "DE, CH changed"
    assert alpha["type"] == "reseller" and alpha["city"] == "Munich changed"
    words = " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())
    assert "changed marks a value that replaces another" in words
    assert state(app) == before  # a dry run still writes nothing


def test_the_good_rows_may_be_imported_alone(app, settings, admin):
    before = state(app)
    preview = upload(admin, ERRORS)
    text = page_text(preview)
    assert "Import the 2 good rows only" in text and "Download the 8 rows with errors" in text
    assert "Import nothing" in text  # all or nothing is still a choice
    key = upload_key_of(preview)
    # the dry run's bad rows, to fix, without importing anything
    rejected = admin.post(IMPORT, data={"action": "rejected", "upload_key": key})
    assert rejected.headers["Content-Disposition"] == 'attachment; filename="partners-to-fix.csv"'
    assert len(_csv(rejected)) == 8
    assert state(app) == before

    with app.app_context():
        audit_before = session.scalar(select(func.count(AuditEntry.id)))
    done = admin.post(IMPORT, data={"action": "commit_good", "upload_key": key})
    assert done.status_code == 302
    report = admin.get(done.headers["Location"])
    text = page_text(report)
    assert "Imported: 2 created, 0 updated. 8 rows with errors were left out." in text
    assert "<strong>2</strong> created, <strong>0</strong> updated,\n    <strong>8</strong>" in text
    with app.app_context():
        names = set(session.execute(select(Partner.name)).scalars())
        good = {
            p.name: p.id
            for p in session.execute(
                select(Partner).where(Partner.slug.in_(["good-row", "fine-again"]))
            ).scalars()
        }
        audit = session.scalar(select(func.count(AuditEntry.id))) - audit_before
    assert names == {"Alpha Secret Partner", "Bravo Partner", "Good Row", "Fine Again"}
    assert audit == 2  # one entry per imported partner, nothing of the bad rows
    # the imported partners are listed, each a link
    for name, partner_id in good.items():
        assert f'<a href="/admin/partners/{partner_id}">{name}</a>' in text
    assert stored_csvs(settings) == []  # the waiting upload is gone

    # the rows left out, as the file had them, with what to fix
    link = f"{done.headers['Location']}&amp;format=csv"
    assert link.split("/admin", 1)[1] in report.get_data(as_text=True)
    rows = _csv(admin.get(done.headers["Location"] + "&format=csv"))
    assert [r["name"] for r in rows] == [
        "Bad Country", "Bad Tier", "Bad Email", "Bad Url", "Copy Of Good", "Too Many",
        "Bad Type", "",
    ]  # fmt: skip
    by_name = {r["name"]: r for r in rows}
    assert by_name["Bad Country"]["countries"] == "Atlantis"
    assert by_name["Bad Country"]["error"].startswith("countries: 'Atlantis' is not a country")
    assert by_name["Copy Of Good"]["error"] == "slug: The slug 'good-row' is also on line 2."
    assert by_name[""]["error"] == "name: The name is required."
    assert by_name["Too Many"]["error"] == "line 9: 8 cells but 7 columns"

    # fixed, the file goes in as it is: its error column is ignored
    fixed = io.StringIO()
    writer = csv.DictWriter(fixed, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerow({**by_name["Bad Country"], "countries": "AT"})
    writer.writerow({**by_name["Bad Tier"], "tier": "Gold"})
    response = upload(admin, fixed.getvalue().encode())
    assert preview_rows(response) == {
        2: ("Bad Country", "create", ""),
        3: ("Bad Tier", "create", ""),
    }


def stored_csvs(settings) -> list[str]:
    folder = settings.instance_dir / "storage" / "imports"
    return sorted(str(p) for p in folder.rglob("*.csv")) if folder.exists() else []


def test_nothing_good_to_import_imports_nothing(app, admin):
    bad_only = b"name,tier\nOne,Diamond\nTwo,Wood\n"
    before = state(app)
    response = upload(admin, bad_only)
    assert 'value="commit_good"' not in page_text(response)
    response = admin.post(
        IMPORT, data={"action": "commit_good", "upload_key": upload_key_of(response)}
    )
    assert "Nothing was imported" in page_text(response)
    assert state(app) == before


def test_a_sample_file_to_start_from(app, admin):
    sample = admin.get("/admin/partners/import/sample.csv")
    assert sample.status_code == 200
    assert 'filename="partners-sample.csv"' in sample.headers["Content-Disposition"]
    rows = _csv(sample)
    assert len(rows) == 2 and rows[0]["tier"] == "Platinum"  # the program's own tiers
    assert "Download a sample CSV" in page_text(admin.get(IMPORT))
    # it imports as it is
    response = upload(admin, sample.data)
    assert preview_rows(response) == {
        2: ("Example Solar GmbH", "create", ""),
        3: ("Example Distribution Ltd", "create", ""),
    }


def test_a_report_that_is_gone_or_foreign_sends_back_to_the_import(app, admin):
    for key in ("imports/reports/00/" + "0" * 64 + ".json", "../../secret_key", "imports/x.csv"):
        response = admin.get(f"/admin/partners/import/report?key={key}")
        assert response.status_code == 302 and response.headers["Location"].endswith(IMPORT)
    assert "That import report is no longer available." in page_text(admin.get(IMPORT))
