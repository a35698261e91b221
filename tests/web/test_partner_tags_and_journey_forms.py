"""Issue 11's screens through the test client (no JavaScript): partner tags on the admin
partner form, page and list filter and in the API (never shown to partner users); the flow
editor's campaign, click and tag choices with their messages; the journey CSV enrollment read
as the prospect import reads it; the admin home's count of applications waiting."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.db import session
from campaigns.journeys import applications
from campaigns.journeys.models import Enrollment, Journey, Prospect
from campaigns.models import Campaign
from directory.models import Partner
from tests.factories.api import api_caller


def _partner(world, key: str = "a") -> Partner:
    session.remove()
    return session.get(Partner, world.a_id if key == "a" else world.b_id)


def _journey() -> Journey:
    session.remove()
    return session.execute(select(Journey).order_by(Journey.id.desc())).scalars().first()


# --- partner tags -----------------------------------------------------------------------------


def test_tags_are_edited_shown_and_filtered_on_the_admin_pages(client, world, login_as):
    login_as("cm@vendor.example")
    form = client.get(f"/admin/partners/{world.a_id}/edit")
    assert form.status_code == 200 and 'name="tags"' in form.get_data(as_text=True)
    refused = client.post(
        f"/admin/partners/{world.a_id}/edit",
        data={"name": "Alpha Secret Partner", "type": "reseller", "tags": "vip, no good!"},
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "no good!" in page and "may hold only letters" in page  # typed value kept, message
    assert _partner(world).tags == []
    saved = client.post(
        f"/admin/partners/{world.a_id}/edit",
        data={"name": "Alpha Secret Partner", "type": "reseller", "tags": "VIP, Webinar 2027"},
    )
    assert saved.status_code == 302
    assert _partner(world).tags == ["vip", "webinar 2027"]
    detail = client.get(f"/admin/partners/{world.a_id}").get_data(as_text=True)
    assert 'href="/admin/partners?tag=vip"' in detail
    listed = client.get("/admin/partners?tag=vip").get_data(as_text=True)
    assert "Alpha Secret Partner" in listed and "Bravo Partner" not in listed
    assert '<option value="webinar 2027">' in listed  # the tags in use, suggested
    bad = client.get("/admin/partners?tag=%3Cb%3E").get_data(as_text=True)
    assert "may hold only letters" in bad and "Bravo Partner" in bad  # no filter, a message


@pytest.fixture
def api_as(app, world):
    return lambda email: api_caller(app, email, "tags")


def test_the_api_reads_writes_and_filters_tags_for_vendor_users_only(api_as, world):
    vendor = api_as("admin@vendor.example")
    changed = vendor("PATCH", f"/partners/{world.a_id}", {"tags": ["VIP", "q3.promo"]})
    assert changed.status_code == 200, changed.json
    assert changed.json["tags"] == ["vip", "q3.promo"]
    refused = vendor("PATCH", f"/partners/{world.b_id}", {"tags": ["fine", "not fine!"]})
    assert refused.status_code == 422 and "may hold only letters" in str(refused.json)
    found = vendor("GET", "/partners?tag=vip")
    assert [p["name"] for p in found.json["items"]] == ["Alpha Secret Partner"]
    assert vendor("GET", "/partners?tag=bad!").status_code == 400

    partner_admin = api_as("partner_admin@a.example")
    own = partner_admin("GET", f"/partners/{world.a_id}")
    assert own.status_code == 200 and "tags" not in own.json
    assert partner_admin("GET", "/partners?tag=vip").status_code == 403
    sneaky = partner_admin("PATCH", f"/partners/{world.a_id}", {"tags": []})
    assert sneaky.status_code == 403
    assert _partner(world).tags == ["vip", "q3.promo"]


def test_partner_users_never_see_tags_on_their_pages(client, world, login_as):
    session.get(Partner, world.a_id).tags = ["secret-label"]
    session.commit()
    login_as("partner_admin@a.example")
    for path in ("/portal/", "/portal/profile"):
        response = client.get(path, follow_redirects=True)
        assert "secret-label" not in response.get_data(as_text=True)


# --- the flow editor ----------------------------------------------------------------------------


@pytest.fixture
def marketer(client, world, login_as):
    login_as("marketer@vendor.example")
    return client


def _new_journey(client) -> int:
    assert client.post("/admin/journeys/new", data={"name": "Tags"}).status_code == 302
    return _journey().id


def _add(client, journey_id: int, kind: str, after: str = "", exit_key: str = "next"):
    response = client.post(
        f"/admin/journeys/{journey_id}/steps",
        data={"action": "add", "type": kind, "after": after, "exit": exit_key},
    )
    assert response.status_code == 302


def _save(client, journey_id: int, step: str, **fields):
    return client.post(
        f"/admin/journeys/{journey_id}/steps", data={"action": "save", "step": step, **fields}
    )


def test_the_editor_picks_a_campaign_a_clicked_email_and_tags(marketer):
    spring = Campaign(name="Spring push", status="live")
    session.add_all([spring, Campaign(name="Old one", status="archived")])
    session.commit()
    spring_id = spring.id
    journey_id = _new_journey(marketer)
    _add(marketer, journey_id, "email")
    _add(marketer, journey_id, "wait", after="email-1")
    _add(marketer, journey_id, "condition", after="wait-1")
    _add(marketer, journey_id, "update_partner", after="condition-1", exit_key="yes")
    _add(marketer, journey_id, "condition", after="condition-1", exit_key="no")
    page = marketer.get(f"/admin/journeys/{journey_id}/edit").get_data(as_text=True)
    assert 'id="s-condition-1-fact_campaign"' in page and "Spring push (live)" in page
    assert "Old one" not in page  # archived campaigns are not offered
    assert 'id="s-wait-1-of_step"' in page

    ok = _save(marketer, journey_id, "wait-1", wait_mode="event", event="clicked",
               of_step="email-1", max_days="5", next="condition-1")  # fmt: skip
    assert ok.status_code == 302
    ok = _save(marketer, journey_id, "condition-1", fact="downloaded",
               fact_campaign=str(spring_id), yes="update-partner-1", no="condition-2")  # fmt: skip
    assert ok.status_code == 302
    ok = _save(marketer, journey_id, "condition-2", fact="clicked", fact_step="email-1")
    assert ok.status_code == 302
    ok = _save(marketer, journey_id, "update-partner-1", tag="Spring", remove_tag="cold")
    assert ok.status_code == 302
    steps = {s["id"]: s for s in _journey().draft["steps"]}
    assert steps["wait-1"]["event"] == "clicked" and steps["wait-1"]["of_step"] == "email-1"
    assert steps["condition-1"]["if"] == {"fact": "downloaded", "campaign_id": spring_id}
    assert steps["condition-2"]["if"] == {"fact": "clicked", "step": "email-1"}
    assert steps["update-partner-1"]["tag"] == "spring"
    assert steps["update-partner-1"]["remove_tag"] == "cold"
    page = marketer.get(f"/admin/journeys/{journey_id}/edit").get_data(as_text=True)
    assert "Downloaded an asset of a campaign: Spring push (live)?" in page  # the summary
    assert f'<option value="{spring_id}" selected>' in page  # the choice shown again
    assert "add tag: spring" in page and "remove tag: cold" in page


def test_the_editor_says_what_is_wrong_with_a_campaign_or_a_tag(marketer):
    journey_id = _new_journey(marketer)
    _add(marketer, journey_id, "condition")
    _add(marketer, journey_id, "update_partner", after="condition-1", exit_key="yes")
    refused = _save(marketer, journey_id, "condition-1", fact="customized",
                    fact_campaign="spring", title="Did they?")  # fmt: skip
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'id="e-condition-1"' in page and "the campaign must be a campaign id" in page
    assert 'value="Did they?"' in page  # what was typed stays
    refused = _save(marketer, journey_id, "update-partner-1", tag="Spring!")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'id="e-update-partner-1"' in page and "may hold only letters" in page
    assert 'value="Spring!"' in page
    refused = _save(marketer, journey_id, "condition-1", fact="partner", fact_field="tags",
                    fact_values="vip, not ok!")  # fmt: skip
    assert refused.status_code == 400 and "not ok!" in refused.get_data(as_text=True)
    # a campaign that is gone by the time of publishing is named on its step
    ok = _save(marketer, journey_id, "condition-1", fact="downloaded", fact_campaign="999999",
               yes="update-partner-1")  # fmt: skip
    assert ok.status_code == 302
    _save(marketer, journey_id, "update-partner-1", tag="vip")
    published = marketer.post(f"/admin/journeys/{journey_id}/publish", data={})
    assert published.status_code == 400
    page = published.get_data(as_text=True)
    step = page[page.index('id="step-condition-1"') :]
    assert "campaign this condition looks at does not exist" in step[: step.index("</details>")]


def test_a_has_tag_condition_is_built_in_the_editor(marketer):
    journey_id = _new_journey(marketer)
    _add(marketer, journey_id, "condition")
    ok = _save(marketer, journey_id, "condition-1", fact="partner", fact_field="tags",
               fact_values="VIP, webinar")  # fmt: skip
    assert ok.status_code == 302
    step = _journey().draft["steps"][0]
    assert step["if"] == {"fact": "partner", "field": "tags", "values": ["vip", "webinar"]}
    page = marketer.get(f"/admin/journeys/{journey_id}/edit").get_data(as_text=True)
    assert "Tags (has one of them): vip, webinar?" in page


# --- journey CSV enrollment = the prospect import's reading -----------------------------------


def _enroll_csv(client, journey_id: int, data: bytes):
    return client.post(
        f"/admin/journeys/{journey_id}/enrollments",
        data={"file": (io.BytesIO(data), "p.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _import_preview(client, data: bytes) -> str:
    return client.post(
        "/admin/prospects/import",
        data={"action": "preview", "file": (io.BytesIO(data), "p.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"email,company\nnew@new.example,\n", "The company is required"),
        (b"email,company\nnot-an-email,X Co\n", "&#39;not-an-email&#39; is not an email address"),
        (b"email,company\na@a.example,A\nA@a.example,A\n", "is also on line 2"),
        (b"email,company,country\na@a.example,A,Atlantis\n", "country"),
        (b"email,colour\na@a.example,red\n", "Unknown column(s): colour"),
        (b"company\nA Co\n", "The header must include a &#39;email&#39; column"),
    ],
)
def test_csv_enrollment_refuses_what_the_import_refuses(marketer, data, message):
    journey_id = _live_recruitment(marketer)
    enrolled = _enroll_csv(marketer, journey_id, data).get_data(as_text=True)
    assert message in enrolled, enrolled[:3000]
    assert message in _import_preview(marketer, data)
    session.remove()
    assert len(session.execute(select(Prospect)).scalars().all()) == 1  # nothing half-written
    assert session.execute(select(Enrollment)).scalars().all() == []


def _live_recruitment(client) -> int:
    """The recruitment starter published (its audience: one known prospect)."""
    session.add(Prospect(company="Known Co", email="known@known.example", status="new"))
    session.commit()
    client.post("/admin/journeys/new", data={"starter": "recruitment"})
    journey_id = _journey().id
    assert client.post(f"/admin/journeys/{journey_id}/publish", data={}).status_code == 302
    return journey_id


def test_csv_enrollment_adds_and_updates_prospects_as_the_import_does(marketer):
    journey_id = _live_recruitment(marketer)
    data = (
        b"email,company,contact_name,website\n"
        b"KNOWN@known.example,Known Co,Kim,\n"
        b"nia@gmail.com,New Co,Nia,https://www.newco.example\n"
    )
    page = _enroll_csv(marketer, journey_id, data).get_data(as_text=True)
    assert "2 enrolled (1 new prospects added)" in page
    session.remove()
    known, new = session.execute(select(Prospect).order_by(Prospect.id)).scalars().all()
    assert known.contact_name == "Kim" and known.company == "Known Co"  # updated, not doubled
    # the domain as the import finds it (the website's, never a free-mail provider's)
    assert new.domain == "newco.example" and new.source == "Journey CSV upload"
    assert len(session.execute(select(Enrollment)).scalars().all()) == 2


# --- the admin home ----------------------------------------------------------------------------


def test_the_admin_home_counts_applications_waiting_for_review(app, client, world, login_as):
    login_as("cm@vendor.example")
    assert "waits for a review" not in client.get("/admin/").get_data(as_text=True)
    with app.test_request_context():
        for n in range(2):
            applications.submit(
                {"company": f"Applicant {n}", "contact_name": "Ann", "email": f"a{n}@app.example",
                 "country": "DE", "partner_type": "reseller", "consent": "yes"}
            )  # fmt: skip
        session.commit()
    home = client.get("/admin/").get_data(as_text=True)
    assert "<strong>2</strong>" in home and "wait for a review" in home
    assert 'href="/admin/applications?status=submitted"' in home
    assert "Applicant 0" in client.get("/admin/applications?status=submitted").get_data(
        as_text=True
    )


def test_partner_csv_exports_imports_and_filters_tags(client, world, login_as):
    login_as("admin@vendor.example")
    session.get(Partner, world.a_id).tags = ["vip"]
    session.commit()
    exported = client.get("/admin/partners/export.csv?tag=vip").get_data(as_text=True)
    lines = exported.splitlines()
    assert "tags" in lines[0].split(",") and len(lines) == 2 and "Alpha Secret Partner" in lines[1]
    bad = b"name,slug,tags\nBravo Partner,bravo-partner,ok; not ok!\n"
    preview = client.post(
        "/admin/partners/import",
        data={"action": "preview", "file": (io.BytesIO(bad), "p.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "may hold only letters" in preview
    good = b"name,slug,tags\nBravo Partner,bravo-partner,Webinar; VIP\n"
    done = client.post(
        "/admin/partners/import",
        data={"action": "commit", "file": (io.BytesIO(good), "p.csv")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    assert _partner(world, "b").tags == ["webinar", "vip"]
