"""The recruitment screens: the public application form (errors, honeypot, rate limit), the
review of applications by channel managers, and the prospects list, form and CSV import."""

from __future__ import annotations

import html
import io
import re

from sqlalchemy import func, select

from app.db import session
from app.models import AuditEntry, Invitation, MailMessage
from campaigns.journeys.models import Application, Prospect
from directory.models import Partner
from tests.factories.recruitment import application_form, make_application, make_prospect


def _count(app, model) -> int:
    with app.app_context():
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_form_shows_every_field_the_consent_and_a_hidden_honeypot(app, client):
    page = _text(client.get("/become-a-partner"))
    for name in (
        "company",
        "contact_name",
        "email",
        "phone",
        "country",
        "website",
        "partner_type",
        "specialties",
        "message",
        "consent",
    ):
        assert f'name="{name}"' in page, name
    assert "I agree that Tandem keeps the details of this form" in page
    assert 'class="hp" aria-hidden="true"' in page and 'tabindex="-1"' in page
    assert '<option value="DE"' in page and ">Germany<" in page
    assert "/become-a-partner" in _text(client.get("/"))


def test_an_application_is_saved_confirmed_by_email_and_thanked(app, client):
    response = client.post("/become-a-partner", data=application_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/become-a-partner/thank-you")
    assert "Thank you for your application" in _text(client.get(response.headers["Location"]))
    with app.app_context():
        application = session.execute(select(Application)).scalar_one()
        assert (application.company, application.status) == ("Delta Solar GmbH", "submitted")
        mail = session.execute(select(MailMessage)).scalar_one()
        assert mail.to_address == "dana@deltasolar.example"
        assert session.execute(select(Prospect.status)).scalar_one() == "applied"


def test_errors_keep_what_was_typed_and_mark_each_field(app, client):
    form = application_form(email="dana-at-delta", consent="", company="Delta & Söhne")
    response = client.post("/become-a-partner", data=form)
    assert response.status_code == 400
    page = _text(response)
    assert 'value="dana-at-delta"' in page
    assert 'value="Delta & Söhne"' in page
    assert 'id="f-email" name="email" type="email"' in page
    for name in ("email", "consent"):  # marked at the field, the message named by it
        tag = re.search(rf'<input[^>]*id="f-{name}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in tag and f"e-{name}" in tag, tag
    assert "is not an email address" in page and "Please agree" in page
    assert '<option value="DE" selected' in page
    assert (_count(app, Application), _count(app, Prospect), _count(app, MailMessage)) == (0, 0, 0)


def test_text_that_is_not_text_is_refused_with_a_400(app, client):
    response = client.post("/become-a-partner", data=application_form(message="a\x00b"))
    assert response.status_code == 400
    assert _count(app, Application) == 0


def test_a_filled_honeypot_is_thanked_and_nothing_is_kept(app, client):
    response = client.post("/become-a-partner", data={**application_form(), "fax_number": "1"})
    assert response.status_code == 302
    assert (_count(app, Application), _count(app, MailMessage)) == (0, 0)


def test_applications_are_rate_limited_by_client_address(app, client):
    answers = [
        client.post(
            "/become-a-partner",
            data=application_form(email=f"p{n}@spam{n}.example"),
            environ_base={"REMOTE_ADDR": "10.0.0.7"},
        ).status_code
        for n in range(6)
    ]
    assert answers == [302] * 5 + [429]
    refused = client.post(
        "/become-a-partner",
        data=application_form(email="late@spam.example"),
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert refused.status_code == 429
    assert "Too many forms sent from your network" in _text(refused)
    other = client.post(
        "/become-a-partner",
        data=application_form(email="other@elsewhere.example"),
        environ_base={"REMOTE_ADDR": "10.0.0.8"},
    )
    assert other.status_code == 302
    assert _count(app, Application) == 6
    assert (
        client.get("/become-a-partner", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200
    )


def _submitted(app, **overrides) -> int:
    with app.app_context(), app.test_request_context():
        application = make_application(**overrides)
        session.commit()
        return application.id


def test_manager_reviews_and_approves_with_a_confirmation(app, world, login_as):
    # the applicant's domain is partner Alpha's: a duplicate hint
    app_id = _submitted(app, email="boss@alpha.example", website="")
    client = login_as("cm@vendor.example")
    listing = _text(client.get("/admin/applications?status=submitted"))
    assert "Delta Solar GmbH" in listing and "Waiting for review (1)" in listing
    detail = _text(client.get(f"/admin/applications/{app_id}"))
    assert "Possible duplicates" in detail and "Alpha Secret Partner" in detail
    assert "I agree that Tandem keeps" in detail
    assert 'data-confirm-title="Approve Delta Solar GmbH?"' in detail
    ask = client.post(f"/admin/applications/{app_id}/approve")
    assert ask.status_code == 200 and "Approve and invite" in _text(ask)
    assert _count(app, Invitation) == 0
    done = client.post(f"/admin/applications/{app_id}/approve", data={"confirmed": "yes"})
    assert done.status_code == 302 and "/admin/partners/" in done.headers["Location"]
    with app.app_context():
        partner = session.execute(
            select(Partner).where(Partner.name == "Delta Solar GmbH")
        ).scalar_one()
        assert partner.status == "onboarding"
        invitation = session.execute(select(Invitation)).scalar_one()
        assert invitation.email == "boss@alpha.example" and invitation.partner_id == partner.id
        actions = session.execute(select(AuditEntry.action)).scalars().all()
        assert "application.approve" in actions and "invitation.create" in actions
    page = _text(client.get(f"/admin/applications/{app_id}"))
    assert "Approved by" in page and 'action="/admin/applications' not in page
    again = client.post(f"/admin/applications/{app_id}/approve", data={"confirmed": "yes"})
    assert again.status_code == 302
    assert "already approved" in _text(client.get(again.headers["Location"]))


def test_manager_declines_with_a_reason(app, world, login_as):
    app_id = _submitted(app)
    client = login_as("admin@vendor.example")
    ask = client.post(f"/admin/applications/{app_id}/decline", data={"reason": "Too far away."})
    assert ask.status_code == 200
    assert 'name="reason" value="Too far away."' in _text(ask)
    done = client.post(
        f"/admin/applications/{app_id}/decline",
        data={"reason": "Too far away.", "confirmed": "yes"},
    )
    assert done.status_code == 302
    with app.app_context():
        application = session.get(Application, app_id)
        assert (application.status, application.decline_reason) == ("declined", "Too far away.")
        last = session.execute(select(MailMessage).order_by(MailMessage.id.desc())).scalars()
        assert "Too far away." in next(iter(last)).text_body
    assert "Reason given: Too far away." in _text(client.get(f"/admin/applications/{app_id}"))


def test_a_marketer_sees_applications_but_does_not_review(app, world, login_as):
    app_id = _submitted(app)
    client = login_as("marketer@vendor.example")
    page = _text(client.get(f"/admin/applications/{app_id}"))
    assert "Delta Solar GmbH" in page and "Approve" not in page
    assert (
        client.post(f"/admin/applications/{app_id}/approve", data={"confirmed": "yes"}).status_code
        == 403
    )
    assert _count(app, Partner) == 2


def test_prospects_list_flags_duplicates_and_filters(app, world, login_as):
    with app.app_context():
        make_prospect("Echo Energy", status="invited")
        make_prospect("Echo Energy France", email="fr@echo.example")
        make_prospect("Alpha Lookalike", email="sales@alpha.example", website="", source="Web")
        session.commit()
    client = login_as("marketer@vendor.example")
    page = _text(client.get("/admin/prospects"))
    assert "Same company domain as another prospect" in page
    assert "Looks like the partner Alpha Secret Partner" in page
    invited = _text(client.get("/admin/prospects?status=invited"))
    assert "Echo Energy" in invited and "Alpha Lookalike" not in invited
    assert "Alpha Lookalike" in _text(client.get("/admin/prospects?source=web"))
    assert "Echo Energy France" in _text(client.get("/admin/prospects?q=fr@"))
    assert client.get("/admin/prospects?status=nonsense").status_code == 200


def test_prospect_form_keeps_values_on_error_then_saves(app, world, login_as):
    client = login_as("marketer@vendor.example")
    bad = client.post("/admin/prospects/new", data={"company": "Golf Grid", "email": "nope"})
    assert bad.status_code == 400
    page = _text(bad)
    assert 'value="Golf Grid"' in page and 'aria-describedby="e-email"' in page
    good = client.post(
        "/admin/prospects/new",
        data={"company": "Golf Grid", "email": "info@golfgrid.example", "country": "IT"},
    )
    assert good.status_code == 302
    edit = good.headers["Location"]
    assert "Golf Grid" in _text(client.get(edit))
    saved = client.post(
        edit,
        data={"company": "Golf Grid SpA", "email": "info@golfgrid.example", "status": "invited"},
    )
    assert saved.status_code == 302
    with app.app_context():
        prospect = session.execute(select(Prospect)).scalar_one()
        assert (prospect.company, prospect.status, prospect.domain) == (
            "Golf Grid SpA",
            "invited",
            "golfgrid.example",
        )


def test_prospect_import_dry_run_rows_to_fix_and_commit(app, world, login_as):
    client = login_as("cm@vendor.example")
    assert "Import prospects from CSV" in _text(client.get("/admin/prospects/import"))
    sample = client.get("/admin/prospects/import/sample.csv")
    assert sample.mimetype == "text/csv" and b"company,contact_name,email" in sample.data
    data = b"company,email,country\nHotel Heat,info@hotelheat.example,DE\nBad Row,bad,DE\n"
    preview = client.post(
        "/admin/prospects/import",
        data={"action": "preview", "file": (io.BytesIO(data), "p.csv")},
        content_type="multipart/form-data",
    )
    page = _text(preview)
    assert preview.status_code == 200 and "1</strong> to create" in page
    key = page.split('name="upload_key" value="')[1].split('"')[0]
    assert _count(app, Prospect) == 0
    rejected = client.post(
        "/admin/prospects/import", data={"action": "rejected", "upload_key": key}
    )
    assert rejected.mimetype == "text/csv" and b"Bad Row" in rejected.data
    assert b"Hotel Heat" not in rejected.data
    done = client.post("/admin/prospects/import", data={"action": "commit_good", "upload_key": key})
    assert done.status_code == 302
    assert _count(app, Prospect) == 1
    wrong = client.post(
        "/admin/prospects/import",
        data={"action": "preview", "file": (io.BytesIO(b"name,slug\nx,y\n"), "p.csv")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400 and "Unknown column(s): name, slug" in _text(wrong)
