"""CSV import and export of partners through the admin screen.

Upload -> dry-run preview (row-by-row errors with line numbers) -> commit, all or nothing.
Every test compares the database before and after: a preview or a refused file writes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re

import pytest
from sqlalchemy import func, select

from app.db import session
from app.models import AuditEntry
from directory import locations, partners
from directory.models import Location, Partner, PartnerStatusChange

IMPORT = "/admin/partners/import"

GOOD = (
    b"name,slug,type,tier,status,countries,specialties,website,email,phone,street,city,postal_code,"
    b"country_code,latitude,longitude\n"
    b'Charlie Systems,charlie-systems,msp,Silver,onboarding,"DE, AT","Cloud; Security",'
    b"charlie.example,Info@Charlie.example,+49 40 123456,Hafenstr. 1,Hamburg,20457,DE,53.54,9.98\n"
    b"Delta Installers,,installer,,,FR,,https://delta.example,,,,,,,,\n"
    b'Alpha Secret Partner (renamed),alpha-secret-partner,,Platinum,,"DE, CH",,,,,Neue Str. 5,'
    b"Munich,80331,DE,48.14,11.58\n"
)

ERRORS = (
    b"name,slug,type,tier,countries,website,email\n"  # line 1
    b"Good Row,good-row,reseller,Gold,DE,https://good.example,info@good.example\n"  # 2
    b"Bad Country,bad-country,reseller,Gold,Atlantis,,\n"  # 3
    b"Bad Tier,bad-tier,reseller,Diamond,DE,,\n"  # 4
    b"\n"  # 5: blank lines are skipped but still counted
    b"Bad Email,bad-email,reseller,,DE,,not-an-email\n"  # 6
    b"Bad Url,bad-url,reseller,,DE,ftp://files.example,\n"  # 7
    b"Copy Of Good,good-row,reseller,,DE,,\n"  # 8
    b"Too Many,too-many,reseller,,DE,,,extra\n"  # 9
    b"Bad Type,bad-type,wholesaler,,DE,,\n"  # 10
    b",no-name,reseller,,DE,,\n"  # 11
    b'Fine Again,fine-again,agent,Registered,"DE,AT",fine.example,\n'  # 12
)


# --- helpers ---------------------------------------------------------------------------------


def upload(client, data: bytes, action: str = "preview", filename: str = "partners.csv"):
    return client.post(
        IMPORT,
        data={"action": action, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def commit(client, key: str):
    return client.post(IMPORT, data={"action": "commit", "upload_key": key})


def upload_key_of(response) -> str | None:
    match = re.search(r'name="upload_key" value="([^"]+)"', response.get_data(as_text=True))
    return match.group(1) if match else None


def content_key(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return f"imports/{digest[:2]}/{digest}.csv"


ROW = re.compile(r'<tr class="[^"]*">(.*?)</tr>', re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def cell_text(cell: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())


def preview_cells(response) -> dict[int, list[str]]:
    """{line: the text of every cell of its row} from the preview table: line, action, name,
    errors, a value per other column of the file."""
    rows = {}
    for row in ROW.findall(response.get_data(as_text=True)):
        cells = [cell_text(c) for c in CELL.findall(row)]
        rows[int(cells[0])] = cells
    return rows


def preview_rows(response) -> dict[int, tuple[str, str, str]]:
    """{line: (name, action, errors as text)} from the preview table."""
    return {line: (c[2], c[1], c[3]) for line, c in preview_cells(response).items()}


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def state(app) -> dict:
    """Everything an import could write."""
    with app.app_context():
        return {
            "partners": [
                (p.id, p.name, p.slug, p.type, p.tier_id, p.status, p.countries, p.website, p.email)
                for p in session.execute(select(Partner).order_by(Partner.id)).scalars()
            ],
            "locations": [
                (loc.id, loc.partner_id, loc.city, loc.street, loc.latitude)
                for loc in session.execute(select(Location).order_by(Location.id)).scalars()
            ],
            "status_changes": session.scalar(select(func.count(PartnerStatusChange.id))),
            "audit": session.scalar(select(func.count(AuditEntry.id))),
        }


def stored_imports(settings) -> list[str]:
    folder = settings.instance_dir / "storage" / "imports"
    return (
        sorted(str(p.relative_to(folder)) for p in folder.rglob("*.csv")) if folder.exists() else []
    )


@pytest.fixture
def admin(world, login_as):
    return login_as("admin@vendor.example")


# --- preview ---------------------------------------------------------------------------------


def test_preview_is_a_dry_run(app, settings, admin):
    before = state(app)
    response = upload(admin, GOOD)
    assert response.status_code == 200
    text = page_text(response)
    assert re.search(
        r"<strong>2</strong> to create, <strong>1</strong> to update,\s*"
        r"<strong>0</strong> with errors",
        text,
    )
    assert preview_rows(response) == {
        2: ("Charlie Systems", "create", ""),
        3: ("Delta Installers", "create", ""),
        4: ("Alpha Secret Partner (renamed)", "update", ""),
    }
    assert "Import 3 rows" in text
    key = upload_key_of(response)
    assert key == content_key(GOOD)
    assert stored_imports(settings) == [key.removeprefix("imports/")]
    # the same rows ran, and were rolled back: nothing is written, not even an audit entry
    assert state(app) == before
    # a second preview of the same file still says the same
    assert preview_rows(upload(admin, GOOD))[4][1] == "update"
    assert state(app) == before


def test_preview_shows_every_row_error_with_its_line_number(app, admin):
    before = state(app)
    response = upload(admin, ERRORS)
    assert response.status_code == 200
    rows = preview_rows(response)
    assert sorted(rows) == [2, 3, 4, 6, 7, 8, 9, 10, 11, 12]
    assert rows[2] == ("Good Row", "create", "")
    assert rows[12] == ("Fine Again", "create", "")
    expected = {
        3: ("countries", "'Atlantis' is not a country"),
        4: ("tier", "'Diamond' is not a tier (tiers: Registered, Silver, Gold, Platinum)"),
        6: ("email", "'not-an-email' is not an email address"),
        7: ("website", "'ftp://files.example' is not a web address"),
        8: ("slug", "The slug 'good-row' is also on line 2."),
        9: ("row", "8 cells but 7 columns"),
        10: ("type", "'wholesaler' is not one of: reseller, distributor"),
        11: ("name", "The name is required."),
    }
    for line, (column, message) in expected.items():
        name, action, errors = rows[line]
        assert action == "error", line
        assert errors.startswith(f"{column} : {message}") or f"{column} : {message}" in errors, (
            line,
            errors,
        )
    text = page_text(response)
    assert "2 to create" in re.sub(r"</?strong>", "", text)
    assert "8 with errors" in re.sub(r"</?strong>", "", text)
    # no all-or-nothing commit: that would import nothing; the good rows may go in alone
    assert 'value="commit"' not in text
    assert 'value="commit_good"' in text and "Import the 2 good rows only" in text
    assert "Download the 8 rows with errors" in text
    assert "Nothing has been saved" in text
    assert state(app) == before


def test_a_row_with_several_errors_lists_each_of_them(app, admin):
    data = b"name,slug,tier,email,website,countries\nMulti,Bad Slug!,Wood,nope,ftp://x,ZZ\n"
    rows = preview_rows(upload(admin, data))
    _name, action, errors = rows[2]
    assert action == "error"
    for column in ("slug", "tier", "email", "website", "countries"):
        assert f"{column} :" in errors, errors


CSV_FILE_ERRORS = [
    (
        "unknown column",
        b"name,slug,colour\nX,x,red\n",
        "Unknown column(s): colour. Known columns: name",
    ),
    (
        "not utf-8",
        "name,city\nMüller GmbH,Köln\n".encode("latin-1"),
        "The file is not UTF-8 text (byte 12); save it as 'CSV UTF-8'.",
    ),
    ("empty", b"", "The file is empty."),
    ("only blanks", b"  \n\n", "The file is empty."),
    ("header only", b"name,slug\n", "The file has a header but no rows."),
    ("no name column", b"slug,tier\nx,Gold\n", "The header must include a 'name' column."),
    ("column twice", b"name,slug,name\nA,a,B\n", "Column(s) appear twice: name."),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV text file."),
]


def test_file_level_errors_refuse_the_whole_file(app, settings, admin):
    before = state(app)
    for case, data, message in CSV_FILE_ERRORS:
        for action in ("preview", "commit"):
            response = upload(admin, data, action=action)
            assert response.status_code == 400, case
            text = page_text(response)
            assert message in text, case
            assert 'value="commit"' not in text and "<table>" not in text, case
    assert state(app) == before
    assert stored_imports(settings) == []  # a refused file is not kept


def _too_many_rows() -> bytes:
    return b"name,slug\n" + b"".join(b"Partner %d,partner-%d\n" % (n, n) for n in range(10_001))


def _too_big() -> bytes:
    """Under 10,000 rows, but one byte over 5 MB."""
    row = b"Big Partner %04d," + b"x" * 998 + b"\n"
    data = b"name,description\n" + b"".join(row % n for n in range(5_000))
    data += b"y" * (5 * 1024 * 1024 + 1 - len(data) - 1) + b"\n"
    assert len(data) == 5 * 1024 * 1024 + 1 and data.count(b"\n") == 5_002
    return data


LIMITS = [
    ("rows", _too_many_rows, "The file has more than 10,000 rows. Split it into smaller files."),
    (
        "bytes",
        _too_big,
        "The file is 5,242,881 bytes; the limit is 5,242,880 bytes. Split it into smaller files.",
    ),
]


@pytest.mark.parametrize(("case", "make", "message"), LIMITS, ids=[case for case, *_ in LIMITS])
def test_a_file_over_a_limit_is_refused_and_nothing_is_written(
    app, settings, admin, case, make, message
):
    data = make()
    before = state(app)
    for action in ("preview", "commit"):
        response = upload(admin, data, action=action)
        assert response.status_code == 400, (case, action)
        text = page_text(response)
        assert f'<div class="flash flash-error" role="alert">{message}</div>' in text, action
        assert 'value="commit"' not in text and "<table>" not in text, action
        assert upload_key_of(response) is None
    assert state(app) == before
    assert stored_imports(settings) == []  # a refused file is not kept either


def test_no_file_chosen(app, admin):
    response = admin.post(IMPORT, data={"action": "preview"})
    assert response.status_code == 400
    assert "Choose a CSV file to upload." in page_text(response)


def test_commit_with_a_foreign_or_missing_upload_key_is_refused(app, admin):
    before = state(app)
    for key in (
        "../../secret_key",
        "logos/ab/abc.png",
        "imports/00/missing.csv",
        "/etc/passwd",
        "imports/../../secret_key",
    ):
        response = commit(admin, key)
        assert response.status_code == 400, key
        assert "The uploaded file has expired; upload it again." in page_text(response), key
    assert state(app) == before


# --- commit ----------------------------------------------------------------------------------


def test_a_file_with_any_error_row_cannot_be_committed(app, settings, admin):
    before = state(app)
    # through the preview's stored file ...
    assert upload(admin, ERRORS).status_code == 200
    response = commit(admin, content_key(ERRORS))
    assert response.status_code == 200
    text = page_text(response)
    assert "Nothing was imported: fix the rows marked below and upload again." in text
    assert preview_rows(response)[3][1] == "error"
    assert state(app) == before
    # ... and straight away, without a preview
    response = upload(admin, ERRORS, action="commit")
    assert response.status_code == 200
    assert "Nothing was imported" in page_text(response)
    assert state(app) == before
    # one bad row among good ones is enough
    one_bad = GOOD + b"Echo,echo,reseller,Unobtainium,DE,,,,,,,,,,,\n"
    response = upload(admin, one_bad, action="commit")
    assert "Nothing was imported" in page_text(response)
    assert preview_rows(response)[5][1] == "error"
    assert state(app) == before


def test_a_good_file_commits_every_row(app, settings, world, admin):
    with app.app_context():
        alpha_location = session.get(Partner, world.a_id).locations[0].id
        audit_before = session.scalar(select(func.count(AuditEntry.id)))
    preview = upload(admin, GOOD)
    key = upload_key_of(preview)
    response = commit(admin, key)
    assert response.status_code == 302
    assert "/admin/partners/import/report?key=imports/reports/" in response.headers["Location"]
    report = admin.get(response.headers["Location"])
    assert "Imported: 2 created, 1 updated." in page_text(report)
    assert stored_imports(settings) == []  # the waiting file is gone once imported

    with app.app_context():
        charlie = session.execute(
            select(Partner).where(Partner.slug == "charlie-systems")
        ).scalar_one()
        assert (charlie.name, charlie.type, charlie.tier.name, charlie.status) == (
            "Charlie Systems",
            "msp",
            "Silver",
            "onboarding",
        )
        assert charlie.countries == ["DE", "AT"]
        assert charlie.specialties == ["Cloud", "Security"]
        assert charlie.website == "https://charlie.example"
        assert charlie.email == "info@charlie.example"
        assert charlie.phone == "+49 40 123456"
        [loc] = charlie.locations
        assert (
            loc.street,
            loc.city,
            loc.postal_code,
            loc.country_code,
            loc.latitude,
            loc.longitude,
        ) == ("Hafenstr. 1", "Hamburg", "20457", "DE", 53.54, 9.98)

        delta = session.execute(
            select(Partner).where(Partner.name == "Delta Installers")
        ).scalar_one()
        assert delta.slug == "delta-installers"
        assert (delta.type, delta.status, delta.tier, delta.countries) == (
            "installer",
            "prospect",
            None,
            ["FR"],
        )
        assert delta.locations == []  # no location cells, no location

        alpha = session.get(Partner, world.a_id)
        assert alpha.name == "Alpha Secret Partner (renamed)"
        assert alpha.tier.name == "Platinum"
        assert alpha.countries == ["DE", "CH"]
        assert alpha.type == "reseller" and alpha.status == "active"  # blank: keep the value
        assert alpha.website == ""  # any other blank cell clears its field, as in the form
        # the first location is updated in place, not duplicated
        assert [loc.id for loc in alpha.locations] == [alpha_location]
        assert (alpha.locations[0].city, alpha.locations[0].street) == ("Munich", "Neue Str. 5")
        assert alpha.locations[0].label == "HQ"

        entries = (
            session.execute(
                select(AuditEntry).where(AuditEntry.id > audit_before).order_by(AuditEntry.id)
            )
            .scalars()
            .all()
        )
        assert {e.actor_label for e in entries} == {"admin@vendor.example"}
        actions = [e.action for e in entries]
        assert actions.count("partner.create") == 2
        assert "partner.update" in actions and "location.update" in actions
        update = next(e for e in entries if e.action == "partner.update")
        # the history keeps the tiers by name, as they were
        assert update.changes["tier"] == ["Gold", "Platinum"]
        assert update.changes["name"] == ["Alpha Secret Partner", "Alpha Secret Partner (renamed)"]

    # the link of the preview works once
    again = commit(admin, key)
    assert again.status_code == 400
    assert "expired" in page_text(again)


def test_semicolon_separated_file_from_a_spreadsheet(app, admin):
    data = "\ufeffname;slug;countries;city;country_code\nEcho GmbH;echo;DE,AT;Köln;DE\n".encode()
    response = upload(admin, data)
    assert preview_rows(response) == {2: ("Echo GmbH", "create", "")}
    assert commit(admin, upload_key_of(response)).status_code == 302
    with app.app_context():
        echo = session.execute(select(Partner).where(Partner.slug == "echo")).scalar_one()
        assert echo.countries == ["DE", "AT"] and echo.locations[0].city == "Köln"


# --- export ----------------------------------------------------------------------------------


@pytest.fixture
def tricky_partner(app, world):
    """A partner whose cells look like spreadsheet formulas, with a southern-hemisphere site."""
    with app.app_context():
        p = partners.create_partner(
            {
                "name": '=HYPERLINK("http://evil.example","click")',
                "slug": "formula-partner",
                "type": "distributor",
                "tier": "Gold",
                "status": "active",
                "countries": "AU, NZ",
                "regions": "-West, @North",
                "specialties": "Cloud, Security",
                "phone": "+61 2 9999 0000",
                "email": "sales@formula.example",
                "description": '@SUM(A1:A9) and "quotes", commas;\nand a second line',
                "listed_in_locator": "yes",
                "channel_manager": "cm@vendor.example",
            },
            "test",
        )
        locations.add_location(
            p,
            {
                "street": "1 George St",
                "city": "Sydney",
                "postal_code": "2000",
                "country_code": "AU",
                "latitude": "-33.86",
                "longitude": "151.21",
            },
            "test",
        )
        session.commit()
        return p.id


def _export(client, query: str = "") -> list[dict[str, str]]:
    response = client.get("/admin/partners/export.csv" + query)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="partners.csv"' in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_export_prefixes_formula_cells_with_an_apostrophe(app, admin, tricky_partner):
    rows = {r["slug"]: r for r in _export(admin)}
    assert set(rows) == {"alpha-secret-partner", "bravo-partner", "formula-partner"}
    row = rows["formula-partner"]
    assert row["name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["phone"] == "'+61 2 9999 0000"
    assert row["regions"] == "'-West, @North"
    assert row["description"].startswith("'@SUM(A1:A9)")
    assert row["latitude"] == "'-33.86" and row["longitude"] == "151.21"
    assert row["countries"] == "AU, NZ" and row["tier"] == "Gold"
    assert row["listed_in_locator"] == "yes" and row["channel_manager"] == "cm@vendor.example"
    # harmless cells are left alone
    assert rows["alpha-secret-partner"]["name"] == "Alpha Secret Partner"
    assert rows["alpha-secret-partner"]["city"] == "Berlin"
    # no cell of the file starts with a formula character
    for r in rows.values():
        for column, value in r.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)


def test_export_follows_the_list_filters(app, admin, tricky_partner):
    assert [r["slug"] for r in _export(admin, "?tier=Gold&sort=-name")] == [
        "alpha-secret-partner",
        "formula-partner",
    ]
    assert [r["slug"] for r in _export(admin, "?country=AU")] == ["formula-partner"]
    assert [r["slug"] for r in _export(admin, "?q=bravo")] == ["bravo-partner"]


def test_export_round_trips_through_the_import(app, admin, tricky_partner):
    exported = admin.get("/admin/partners/export.csv").get_data()
    before = state(app)
    with app.app_context():
        p = session.get(Partner, tricky_partner)
        snapshot_before = (partners.snapshot(p), [(loc.city, loc.latitude) for loc in p.locations])

    response = upload(admin, exported)
    assert response.status_code == 200
    rows = preview_rows(response)
    assert len(rows) == 3
    assert {action for _name, action, _errors in rows.values()} == {"update"}
    assert all(errors == "" for _name, _action, errors in rows.values())
    assert state(app) == before

    # committing the unchanged file changes no value either
    assert commit(admin, upload_key_of(response)).status_code == 302
    after = state(app)
    assert after["partners"] == before["partners"]
    assert after["locations"] == before["locations"]
    assert after["status_changes"] == before["status_changes"]
    with app.app_context():
        p = session.get(Partner, tricky_partner)
        assert (partners.snapshot(p), [(loc.city, loc.latitude) for loc in p.locations]) == (
            snapshot_before
        )
        assert p.name == '=HYPERLINK("http://evil.example","click")'
        assert p.phone == "+61 2 9999 0000"
        assert p.locations[0].latitude == -33.86
        # no partner.update entries: nothing changed
        updates = (
            session.execute(select(AuditEntry).where(AuditEntry.action == "partner.update"))
            .scalars()
            .all()
        )
        assert updates == []


def test_an_import_error_quotes_the_cell_as_it_was_typed(app, admin):
    response = upload(admin, b"name,website\nEcho,not a url\n")
    [(name, action, errors)] = preview_rows(response).values()
    assert (name, action) == ("Echo", "error")
    assert "'not a url' is not a web address" in errors and "https://" not in errors.split("(")[0]
