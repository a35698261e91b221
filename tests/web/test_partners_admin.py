"""The admin's partner list (search, filters, sorting, pages), lifecycle status, create and edit.

Every write is checked in the database, with its status history and audit entries; every
refused write is checked to have written nothing.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import session
from app.models import AuditEntry
from directory import partners, people
from directory.models import Location, Partner, PartnerStatusChange

TIERS = ["Registered", "Silver", "Gold", "Platinum", ""]
TYPES = ["reseller", "distributor", "msp", "installer"]
STATUSES = ["prospect", "active", "inactive"]
COUNTRIES = ["DE", "AT", "FR, DE", "US"]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def listed(response) -> list[str]:
    """Partner names in the order the list shows them."""
    return [
        html.unescape(name)
        for name in re.findall(
            r'<td><a href="/admin/partners/\d+">([^<]*)</a></td>', response.get_data(as_text=True)
        )
    ]


def total(response) -> int:
    return int(
        re.search(
            r'<h1>Partners <span class="muted">\((\d+)\)</span>', response.get_data(as_text=True)
        ).group(1)
    )


def db_state(app) -> dict:
    with app.app_context():
        return {
            "partners": [
                (
                    p.id,
                    p.name,
                    p.slug,
                    p.type,
                    p.tier_id,
                    p.status,
                    p.status_changed_at,
                    p.website,
                    p.email,
                    p.countries,
                    p.description,
                )
                for p in session.execute(select(Partner).order_by(Partner.id)).scalars()
            ],
            "history": session.scalar(select(func.count(PartnerStatusChange.id))),
            "locations": session.scalar(select(func.count(Location.id))),
            "audit": session.scalar(select(func.count(AuditEntry.id))),
        }


@pytest.fixture
def many(app, world):
    """60 more partners, made through the domain function in one transaction."""
    with app.app_context():
        for i in range(60):
            partners.create_partner(
                {
                    "name": f"Partner {i:02d}",
                    "tier": TIERS[i % 5],
                    "type": TYPES[i % 4],
                    "status": STATUSES[i % 3],
                    "countries": COUNTRIES[i % 4],
                    "email": f"contact{i}@p{i:02d}.example",
                    "website": "https://special.example" if i == 42 else "",
                },
                "test",
            )
        session.commit()
    return world


@pytest.fixture
def cm(world, login_as):
    return login_as("cm@vendor.example")


# --- the list --------------------------------------------------------------------------------


def test_pagination(app, many, cm):
    first = cm.get("/admin/partners")
    assert first.status_code == 200
    assert total(first) == 62
    assert "Page 1 of 3" in text(first)
    assert len(listed(first)) == 25
    names = (
        listed(first)
        + listed(cm.get("/admin/partners?page=2"))
        + listed(cm.get("/admin/partners?page=3"))
    )
    assert len(names) == 62 and len(set(names)) == 62
    assert names == sorted(names)
    last = cm.get("/admin/partners?page=3")
    assert "Page 3 of 3" in text(last) and "Next →" not in text(last) and "← Previous" in text(last)
    # a page past the end shows the last page
    assert listed(cm.get("/admin/partners?page=99")) == listed(last)
    wide = cm.get("/admin/partners?per_page=50&page=2")
    assert len(listed(wide)) == 12 and "Page 2 of 2" in text(wide)
    # the page links keep the filters
    filtered = cm.get("/admin/partners?type=msp&per_page=5")
    assert "type=msp" in re.search(
        r'href="([^"]*page=2[^"]*)"', filtered.get_data(as_text=True)
    ).group(1)


def test_search(app, many, cm):
    assert listed(cm.get("/admin/partners?q=partner 4")) == [f"Partner 4{i}" for i in range(10)]
    assert listed(cm.get("/admin/partners?q=ALPHA")) == ["Alpha Secret Partner"]
    assert listed(cm.get("/admin/partners?q=p07.example")) == ["Partner 07"]  # by email
    assert listed(cm.get("/admin/partners?q=special.example")) == ["Partner 42"]  # by website
    assert listed(cm.get("/admin/partners?q=bravo-partner")) == ["Bravo Partner"]  # by slug
    assert total(cm.get("/admin/partners?q=zzz-nothing")) == 0
    assert "No partner matches." in text(cm.get("/admin/partners?q=zzz-nothing"))
    # LIKE wildcards typed by a person are text, or at worst match more: never an error
    for q in ("%", "_", "'; DROP TABLE partners; --", "\\", "a" * 500):
        assert cm.get("/admin/partners", query_string={"q": q}).status_code == 200, q
    assert total(cm.get("/admin/partners")) == 62


def _expected(app, predicate) -> list[str]:
    with app.app_context():
        return sorted(p.name for p in session.execute(select(Partner)).scalars() if predicate(p))


def test_filters(app, many, cm):
    gold = cm.get("/admin/partners?tier=gold&per_page=200")
    assert listed(gold) == _expected(app, lambda p: p.tier and p.tier.name == "Gold")
    assert len(listed(gold)) == 13  # 12 made here, and Alpha
    assert listed(cm.get("/admin/partners?type=msp&per_page=200")) == _expected(
        app, lambda p: p.type == "msp"
    )
    assert listed(cm.get("/admin/partners?status=inactive&per_page=200")) == _expected(
        app, lambda p: p.status == "inactive"
    )
    assert listed(cm.get("/admin/partners?country=at&per_page=200")) == _expected(
        app, lambda p: "AT" in p.countries
    )
    # "FR, DE" partners are found under DE as well
    de = listed(cm.get("/admin/partners?country=DE&per_page=200"))
    assert "Partner 02" in de and "Alpha Secret Partner" in de and "Partner 03" not in de
    combined = cm.get("/admin/partners?tier=Silver&type=distributor&status=prospect&per_page=200")
    assert listed(combined) == _expected(
        app,
        lambda p: (
            p.tier
            and p.tier.name == "Silver"
            and p.type == "distributor"
            and p.status == "prospect"
        ),
    )
    assert listed(combined)  # not vacuous
    # the chosen filters are shown selected
    page = cm.get("/admin/partners?tier=Gold&type=msp").get_data(as_text=True)
    assert "<option selected>Gold</option>" in page
    assert re.search(r'<option value="msp"\s+selected>', page)


def test_sorting(app, many, cm):
    by_name = listed(cm.get("/admin/partners?sort=name&per_page=200"))
    assert by_name == sorted(by_name)
    assert listed(cm.get("/admin/partners?sort=-name&per_page=200")) == by_name[::-1]

    ranks = {"Registered": 10, "Silver": 20, "Gold": 30, "Platinum": 40}
    with app.app_context():
        tier_of = {
            p.name: p.tier.name if p.tier else None
            for p in session.execute(select(Partner)).scalars()
        }

    def tier_ranks(sort: str) -> list:
        return [
            ranks.get(tier_of[n])
            for n in listed(cm.get(f"/admin/partners?sort={sort}&per_page=200"))
        ]

    ascending = tier_ranks("tier")
    with_tier = [r for r in ascending if r is not None]
    assert with_tier == sorted(with_tier)
    assert ascending[len(with_tier) :] == [None] * (len(ascending) - len(with_tier))  # last
    descending = tier_ranks("-tier")
    assert [r for r in descending if r is not None] == sorted(with_tier, reverse=True)
    assert descending[-1] is None  # no tier stays last both ways

    statuses = [s for s in listed(cm.get("/admin/partners?sort=status&per_page=200"))]
    with app.app_context():
        status_of = {p.name: p.status for p in session.execute(select(Partner)).scalars()}
    assert [status_of[n] for n in statuses] == sorted(status_of[n] for n in statuses)
    # the header links toggle the direction
    page = cm.get("/admin/partners?sort=name").get_data(as_text=True)
    assert 'href="/admin/partners?sort=-name&amp;page=1"' in page


def test_unknown_filter_values_do_not_break_the_list(app, many, cm):
    with app.app_context():
        _row, token = people.create_api_token(people.find_user("cm@vendor.example"), "filters")
        session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    for query, message in [
        ("type=wholesaler", "Unknown partner type 'wholesaler'."),
        ("status=zombie", "Unknown status 'zombie'."),
    ]:
        response = cm.get(f"/admin/partners?{query}")
        assert response.status_code == 200
        assert message in text(response)
        assert total(response) == 62  # the unknown filter is dropped, not applied
    for query in ("tier=Diamond", "tier=%00Gold%00x", "country=ZZ", "country=%22%25"):
        response = cm.get(f"/admin/partners?{query}")
        assert response.status_code == 200, query
        assert total(response) == 0, query
    for query in (
        "sort=password_hash",
        "sort=-",
        "sort=",
        "page=abc",
        "page=-3",
        "page=0",
        "per_page=abc",
        "per_page=-1",
        "per_page=100000",
        "page=99999999999999999999",
        "tier=",
        "q=",
        "type=MSP",
        "q=%00",
        "country=%00",
        "sort=%00name",
        "type=%00",
    ):
        response = cm.get(f"/admin/partners?{query}")
        assert response.status_code == 200, query
        assert total(response) >= 15, query
    assert len(listed(cm.get("/admin/partners?per_page=1"))) == 5  # at least 5 a page
    assert len(listed(cm.get("/admin/partners?per_page=100000"))) == 62  # at most 200
    for query in ("type=wholesaler", "tier=Diamond", "sort=bogus", "page=x"):
        assert cm.get(f"/admin/partners/export.csv?{query}").status_code == 200, query
        assert cm.get(f"/api/v1/partners?{query}", headers=bearer).status_code in (200, 400), query


# --- lifecycle status ------------------------------------------------------------------------


def status_of(app, partner_id: int):
    with app.app_context():
        p = session.get(Partner, partner_id)
        return p.status, p.status_changed_at


def test_allowed_status_change_records_history_timestamp_and_audit(app, world, cm):
    a = world.a_id
    status, changed_at = status_of(app, a)
    assert status == "active"
    page = text(cm.get(f"/admin/partners/{a}"))
    status_select = re.search(r'<select id="f-status" name="status".*?</select>', page, re.S)
    assert re.findall(r'<option value="(\w+)"', status_select.group()) == ["inactive", "terminated"]

    response = cm.post(
        f"/admin/partners/{a}/status", data={"status": "inactive", "note": "Paused for the audit"}
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/partners/{a}"
    detail = text(cm.get(f"/admin/partners/{a}"))
    assert "Alpha Secret Partner is now inactive." in detail
    assert "active → inactive (Paused for the audit)" in detail
    assert "cm@vendor.example: Status changed" in detail
    assert "Status: Active → Inactive" in detail

    new_status, new_changed_at = status_of(app, a)
    assert new_status == "inactive" and new_changed_at > changed_at
    with app.app_context():
        history = (
            session.execute(
                select(PartnerStatusChange)
                .where(PartnerStatusChange.partner_id == a)
                .order_by(PartnerStatusChange.id)
            )
            .scalars()
            .all()
        )
        assert [(h.from_status, h.to_status) for h in history] == [
            (None, "active"),
            ("active", "inactive"),
        ]
        assert history[-1].note == "Paused for the audit"
        assert history[-1].changed_by_id == world.users["channel_manager"].id
        assert abs(history[-1].changed_at - new_changed_at) < timedelta(seconds=5)
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "partner.status")
        ).scalar_one()
        assert (entry.actor_label, entry.actor_id, entry.partner_id, entry.object_id) == (
            "cm@vendor.example",
            world.users["channel_manager"].id,
            a,
            str(a),
        )
        assert entry.changes == {"status": ["active", "inactive"]}

    # and back, then to the end of the line and round again
    for target in ("active", "terminated", "prospect", "applicant", "onboarding", "active"):
        cm.post(f"/admin/partners/{a}/status", data={"status": target})
        assert status_of(app, a)[0] == target
    with app.app_context():
        assert (
            session.scalar(
                select(func.count(PartnerStatusChange.id)).where(
                    PartnerStatusChange.partner_id == a
                )
            )
            == 8
        )


FORBIDDEN_MOVES = {  # from the partner's current status, active
    "onboarding": "A partner cannot go from active to onboarding (allowed: inactive, terminated).",
    "prospect": "A partner cannot go from active to prospect",
    "applicant": "A partner cannot go from active to applicant",
    "active": "The partner is already active.",
    "zombie": "'zombie' is not one of: prospect, applicant, onboarding, active",
    "": "The status is required.",
}


def test_forbidden_status_change_writes_nothing(app, world, cm):
    before = db_state(app)
    for target, message in FORBIDDEN_MOVES.items():
        response = cm.post(
            f"/admin/partners/{world.a_id}/status", data={"status": target, "note": "no"}
        )
        # the page again, the reason beside the choice, the note kept
        assert response.status_code == 400, target
        assert message in text(response), target
        assert 'id="f-note" name="note" type="text" value="no"' in text(response), target
    assert db_state(app) == before
    # and from terminated only back to prospect
    cm.post(f"/admin/partners/{world.a_id}/status", data={"status": "terminated"})
    for target in ("active", "inactive", "onboarding", "applicant"):
        cm.post(f"/admin/partners/{world.a_id}/status", data={"status": target})
        assert status_of(app, world.a_id)[0] == "terminated", target


def test_a_long_note_is_refused(app, world, cm):
    before = db_state(app)
    response = cm.post(
        f"/admin/partners/{world.a_id}/status", data={"status": "inactive", "note": "x" * 501}
    )
    assert response.status_code == 400
    assert "The note is 501 characters long; the limit is 500." in text(response)
    assert "x" * 501 in text(response)  # kept, to shorten
    assert db_state(app) == before


# --- create and edit -------------------------------------------------------------------------

BROWSER_FORM = {  # what the New partner form sends when only the name is typed
    "name": "Foxtrot Solar GmbH",
    "slug": "",
    "type": "installer",
    "tier": "",
    "status": "prospect",
    "channel_manager": "",
    "listed_in_locator": "no",
    "website": "",
    "phone": "",
    "email": "",
    "countries": "",
    "regions": "",
    "specialties": "",
    "certifications": "",
    "description": "",
}


def test_create_through_the_form(app, world, cm):
    response = cm.post(
        "/admin/partners/new",
        data={
            **BROWSER_FORM,
            "tier": "Gold",
            "channel_manager": "cm@vendor.example",
            "listed_in_locator": "yes",
            "website": "foxtrot.example",
            "email": "Info@Foxtrot.example",
            "countries": "de, Austria",
            "specialties": "Solar, solar, Storage",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        p = session.execute(
            select(Partner).where(Partner.name == "Foxtrot Solar GmbH")
        ).scalar_one()
        assert response.headers["Location"] == f"/admin/partners/{p.id}"
        assert p.slug == "foxtrot-solar-gmbh"  # made from the name: the slug field was empty
        assert (p.type, p.status, p.tier.name, p.channel_manager.email) == (
            "installer",
            "prospect",
            "Gold",
            "cm@vendor.example",
        )
        assert p.listed_in_locator is True
        assert (p.website, p.email) == ("https://foxtrot.example", "info@foxtrot.example")
        assert p.countries == ["DE", "AT"] and p.specialties == ["Solar", "Storage"]
        assert [(h.from_status, h.to_status, h.note) for h in p.status_history] == [
            (None, "prospect", "created")
        ]
        entry = session.execute(
            select(AuditEntry).where(
                AuditEntry.action == "partner.create", AuditEntry.partner_id == p.id
            )
        ).scalar_one()
        assert entry.actor_label == "cm@vendor.example"
        assert entry.changes["name"] == [None, "Foxtrot Solar GmbH"]
    # the same name again gets the next free slug
    assert cm.post("/admin/partners/new", data=BROWSER_FORM).status_code == 302
    with app.app_context():
        assert session.execute(
            select(Partner.slug).where(Partner.name == "Foxtrot Solar GmbH").order_by(Partner.id)
        ).scalars().all() == ["foxtrot-solar-gmbh", "foxtrot-solar-gmbh-2"]


def test_create_validation_errors_write_nothing(app, world, cm):
    before = db_state(app)
    response = cm.post(
        "/admin/partners/new",
        data={
            **BROWSER_FORM,
            "name": " ",
            "slug": "Not A Slug",
            "type": "shop",
            "tier": "Diamond",
            "status": "dormant",
            "channel_manager": "partner_admin@a.example",
            "listed_in_locator": "maybe",
            "website": "ftp://files.example",
            "phone": "call me",
            "email": "not-an-email",
            "countries": "DE, Atlantis",
            "description": "x" * 5001,
        },
    )
    assert response.status_code == 400
    page = text(response)
    for message in [
        "The name is required.",
        "The slug may contain only lowercase letters, digits and single dashes.",
        "'shop' is not one of: reseller, distributor",
        "'Diamond' is not a tier (tiers: Registered, Silver, Gold, Platinum).",
        "'dormant' is not one of: prospect",
        "'partner_admin@a.example' is not a vendor user.",
        "'maybe' is not yes or no.",
        "'ftp://files.example' is not a web address",
        "'call me' is not a phone number",
        "'not-an-email' is not an email address",
        "'Atlantis' is not a country",
        "The description is 5001 characters long; the limit is 5000.",
    ]:
        assert message in page, message
    # what was typed is kept in the form
    assert 'value="ftp://files.example"' in page and 'value="Not A Slug"' in page
    assert db_state(app) == before

    response = cm.post("/admin/partners/new", data={**BROWSER_FORM, "slug": "bravo-partner"})
    assert response.status_code == 400
    assert "The slug 'bravo-partner' is taken." in text(response)
    assert db_state(app) == before


def test_edit_records_what_changed(app, world, cm):
    a = world.a_id
    form = cm.get(f"/admin/partners/{a}/edit")
    assert form.status_code == 200 and 'value="alpha-secret-partner"' in form.get_data(as_text=True)
    response = cm.post(
        f"/admin/partners/{a}/edit",
        data={
            "name": "Alpha Partner AG",
            "slug": "alpha-secret-partner",
            "tier": "Platinum",
            "description": "Now with heat pumps",
            "website": "https://alpha.example",
            "status": "terminated",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        p = session.get(Partner, a)
        assert (p.name, p.tier.name, p.description) == (
            "Alpha Partner AG",
            "Platinum",
            "Now with heat pumps",
        )
        assert p.status == "active"  # status has its own action, with a note
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "partner.update")
        ).scalar_one()
        assert entry.actor_label == "cm@vendor.example" and entry.partner_id == a
        assert set(entry.changes) == {"name", "tier", "description"}  # not the unchanged fields
        assert entry.changes["name"] == ["Alpha Secret Partner", "Alpha Partner AG"]
        assert entry.changes["description"] == ["", "Now with heat pumps"]
    audit_page = text(cm.get("/admin/audit"))
    assert re.search(
        r"<td>cm@vendor\.example</td><td>Partner details changed</td><td>Partner "
        rf"{a}</td>",
        audit_page,
    )
    assert "Name: Alpha Secret Partner → Alpha Partner AG" in audit_page
    # the blank slug of a submitted form keeps the slug
    cm.post(f"/admin/partners/{a}/edit", data={"name": "Alpha Partner AG", "slug": ""})
    with app.app_context():
        assert session.get(Partner, a).slug == "alpha-secret-partner"


def test_edit_validation_errors_write_nothing(app, world, cm):
    before = db_state(app)
    a = world.a_id
    response = cm.post(
        f"/admin/partners/{a}/edit",
        data={"name": "Renamed", "email": "nope", "slug": "bravo-partner", "tier": "Diamond"},
    )
    assert response.status_code == 400
    page = text(response)
    assert "'nope' is not an email address" in page and "'Diamond' is not a tier" in page
    assert 'value="Renamed"' in page
    assert db_state(app) == before
    # a valid form with a taken slug is refused on its own
    response = cm.post(
        f"/admin/partners/{a}/edit", data={"name": "Renamed", "slug": "bravo-partner"}
    )
    assert response.status_code == 400 and "The slug 'bravo-partner' is taken." in text(response)
    assert db_state(app) == before
    assert cm.get("/admin/partners/999999/edit").status_code == 404
    assert cm.post("/admin/partners/999999/status", data={"status": "inactive"}).status_code == 404


def test_location_validation_and_audit(app, world, cm):
    a = world.a_id
    before = db_state(app)
    response = cm.post(
        f"/admin/partners/{a}/locations/new",
        data={"city": "", "country_code": "Narnia", "latitude": "95", "longitude": ""},
    )
    assert response.status_code == 400
    page = text(response)
    assert "The city is required." in page and "'Narnia' is not a country" in page
    assert "The latitude must be between -90 and 90." in page
    response = cm.post(
        f"/admin/partners/{a}/locations/new",
        data={"city": "Bonn", "country_code": "DE", "latitude": "50.7"},
    )
    assert response.status_code == 400
    assert "Give both latitude and longitude, or neither." in text(response)
    assert db_state(app) == before

    response = cm.post(
        f"/admin/partners/{a}/locations/new",
        data={
            "label": "Branch",
            "city": "Bonn",
            "country_code": "Germany",
            "latitude": "50.7",
            "longitude": "7.1",
            "public": "yes",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        loc = session.execute(select(Location).where(Location.city == "Bonn")).scalar_one()
        assert (loc.partner_id, loc.country_code, loc.latitude) == (a, "DE", 50.7)
        entry = session.execute(
            select(AuditEntry)
            .where(AuditEntry.action == "location.create")
            .where(AuditEntry.actor_label == "cm@vendor.example")
        ).scalar_one()
        assert entry.partner_id == a and entry.changes["city"] == [None, "Bonn"]
