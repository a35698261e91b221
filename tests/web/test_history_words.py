"""The partner history and the audit log in people's words: an imported location reads as
its fields, a tier by its name, a logo as "changed", countries by name — no storage keys,
ids, Python lists or letter-by-letter diffs."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from app.db import session
from app.models import AuditEntry
from directory import brand_kits, partners
from directory.models import Partner
from tests.imagefiles import encode, two_colour_logo
from tests.web.test_csv_import import commit, upload, upload_key_of

CSV = (
    b"name,slug,type,tier,status,countries,street,city,postal_code,country_code\n"
    b'Echo Imports,echo-imports,msp,Silver,active,"DE, AT",Elbchaussee 1,Hamburg,22763,DE\n'
)


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_history_of_an_imported_partner_in_words(app, world, login_as):
    admin = login_as("admin@vendor.example")
    assert commit(admin, upload_key_of(upload(admin, CSV))).status_code == 302
    with app.app_context():
        echo = session.execute(select(Partner).where(Partner.slug == "echo-imports")).scalar_one()
        partner_id = echo.id
        created = session.execute(
            select(AuditEntry).where(
                AuditEntry.action == "location.create", AuditEntry.partner_id == echo.id
            )
        ).scalar_one()
        # recorded as (old, new) pairs: a history never diffs a string letter by letter
        assert created.changes["street"] == [None, "Elbchaussee 1"]
        assert created.changes["city"] == [None, "Hamburg"]
        partners.update_partner(echo, {"tier": "Gold"}, "test", only=("tier",))
        brand_kits.set_logo(echo, encode(two_colour_logo()), "test")
        session.commit()

    page = _text(admin.get(f"/admin/partners/{partner_id}"))
    history = page[page.index("History") :]
    assert "Location added" in history
    assert "Street: Elbchaussee 1" in history and "City: Hamburg" in history
    assert "Country: Germany" in history and "Countries: Germany, Austria" in history
    assert "Tier: Silver → Gold" in history
    assert "Type: Managed service provider" in history
    assert "Logo changed" in history
    for internal in ("E → l", "logos/", "['DE'", "None", "tier_id", "country_code", "msp"):
        assert internal not in history, internal

    log = _text(admin.get("/admin/audit"))
    assert "Tier: Silver → Gold" in log and "Location added" in log
    assert "logos/" not in log and "None →" not in log


def test_entries_recorded_the_old_way_still_read_well(app, world):
    """Entries written before changes were always pairs (a location's bare values, a tier's
    id, a logo's storage key) are shown in words too."""
    from app.web.history import history

    with app.app_context():
        gold = session.execute(select(Partner).where(Partner.id == world.a_id)).scalar_one().tier
        old_location = AuditEntry(
            action="location.create",
            object_type="location",
            changes={"street": "Elm Street 5", "city": "Hannover", "country_code": "DE"},
        )
        line = history(old_location)
        assert line.action == "Location added"
        assert line.changes == ["Street: Elm Street 5", "City: Hannover", "Country: Germany"]
        old_tier = AuditEntry(
            action="partner.update", object_type="partner", changes={"tier": [None, gold.id]}
        )
        assert history(old_tier).changes == ["Tier: Gold"]
        logo = AuditEntry(
            action="brand_kit.update",
            object_type="brand_kit",
            changes={"logo": [None, "logos/8e/8e12.png"], "tagline": ["Old", ""]},
        )
        assert history(logo).changes == ["Logo added", "Tagline: Old → (empty)"]
