"""Recruitment on both databases: prospects and their duplicates, applications submitted,
approved (partner, invitation, onboarding journey) and declined, nothing half-saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import session
from app.models import AuditEntry, Invitation, MailMessage, Role
from app.validation import ValidationFailed
from campaigns.journeys import (
    applications,
    lifecycle,
    prospect_csv,
    prospects,
    starters,
    triggers,
)
from campaigns.journeys.models import Application, Enrollment, Prospect
from directory import people
from directory.models import Partner, PartnerStatusChange
from tests.campaigns.journeys.conftest import build, email
from tests.factories.directory import PASSWORD, make_partner, make_tiers
from tests.factories.recruitment import application_form, make_application, make_prospect


@pytest.fixture
def ctx(app):
    """An application and request context (invitations link to the accept page)."""
    with app.app_context(), app.test_request_context():
        make_tiers()
        make_partner("Alpha Solar", tier="Gold")
        session.commit()
        yield


@pytest.fixture
def world_user(ctx):
    """A channel manager who reviews applications."""
    user = people.create_user("cm@vendor.example", PASSWORD, Role.CHANNEL_MANAGER)
    session.commit()
    return user


def _count(model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def _mail_to(address: str) -> list[MailMessage]:
    query = select(MailMessage).where(MailMessage.to_address == address).order_by(MailMessage.id)
    return list(session.execute(query).scalars())


def test_domain_of_takes_the_website_else_a_company_email():
    assert prospects.domain_of("https://www.Example.com/about", "x@other.com") == "example.com"
    assert prospects.domain_of("", "Jane@Company.example") == "company.example"
    assert prospects.domain_of("", "jane@gmail.com") == ""
    assert prospects.domain_of("shop.example.org", "") == "shop.example.org"


def test_duplicates_by_email_and_domain_among_prospects_and_partners(ctx):
    first = make_prospect("Echo Energy")
    same_domain = make_prospect("Echo Energy France", email="sales@echo.example")
    like_partner = make_prospect("Alpha Twin", email="ceo@alpha.example", website="")
    alone = make_prospect("Zulu Heat")
    session.commit()
    assert first.domain == "echo.example"
    found = prospects.duplicates(first.email, first.domain, exclude_prospect_id=first.id)
    assert [p.id for p in found.prospects] == [same_domain.id]
    assert found.partners == []
    hints = prospects.duplicate_hints([first, same_domain, like_partner, alone])
    assert hints[first.id] == ["Same company domain as another prospect"]
    assert hints[like_partner.id] == ["Looks like the partner Alpha Solar"]
    assert hints[alone.id] == []
    assert not prospects.duplicates(alone.email, alone.domain, exclude_prospect_id=alone.id)


def test_prospect_validation_names_every_field(ctx):
    with pytest.raises(ValidationFailed) as exc:
        prospects.create_prospect({"company": "", "email": "nope", "country": "Atlantis"}, "t")
    assert set(exc.value.errors) == {"company", "email", "country"}


def test_submit_makes_application_prospect_email_and_audit(ctx):
    application = make_application()
    session.commit()
    assert application.status == "submitted"
    assert application.domain == "deltasolar.example"
    assert application.specialties == ["Solar", "Storage"]
    assert "Tandem keeps the details" in application.consent_text
    assert application.consent_given_at is not None
    prospect = session.get(Prospect, application.prospect_id)
    assert (prospect.email, prospect.status, prospect.source) == (
        "dana@deltasolar.example",
        "applied",
        "application form",
    )
    [confirmation] = _mail_to("dana@deltasolar.example")
    assert confirmation.category == "transactional"
    assert "Dana Delta" in confirmation.text_body
    actions = session.execute(select(AuditEntry.action)).scalars().all()
    assert "application.submit" in actions


def test_submit_links_an_existing_prospect_by_domain(ctx):
    prospect = make_prospect("Delta", email="info@deltasolar.example", website="")
    session.commit()
    application = make_application()
    session.commit()
    assert application.prospect_id == prospect.id
    assert session.get(Prospect, prospect.id).status == "applied"
    assert _count(Prospect) == 1


def test_submit_refuses_bad_input_and_keeps_nothing(ctx):
    with pytest.raises(ValidationFailed) as exc:
        applications.submit(application_form(email="not-an-email", consent="", country=""))
    session.rollback()
    assert set(exc.value.errors) == {"email", "consent", "country"}
    assert (_count(Application), _count(Prospect), _count(MailMessage)) == (0, 0, 0)


def test_submit_fires_application_submitted_for_a_recruitment_journey(ctx):
    make_prospect("Someone Else")  # a journey is published for an audience that has people
    session.commit()
    build(
        {
            "audience": {"kind": "prospects", "statuses": []},
            "trigger": {"kind": "event", "event": "application_submitted"},
            "steps": [email("thanks", subject="Thanks {{ company }}")],
        }
    )
    application = make_application()
    session.commit()
    enrollment = session.execute(select(Enrollment)).scalar_one()
    assert enrollment.prospect_id == application.prospect_id
    assert enrollment.source == "trigger:application_submitted"


def test_approve_creates_partner_invitation_and_starts_onboarding(ctx, world_user):
    journey = build(
        {
            "audience": {"kind": "partners", "rules": {"statuses": ["onboarding", "active"]}},
            "trigger": {"kind": "event", "event": "application_approved"},
            "steps": [email("welcome")],
        },
        name="Onboarding",
    )
    application = make_application()
    session.commit()
    approval = applications.approve(application, world_user)
    session.commit()
    partner = session.get(Partner, approval.partner.id)
    assert (partner.name, partner.status, partner.type) == (
        "Delta Solar GmbH",
        "onboarding",
        "installer",
    )
    assert partner.countries == ["DE"] and partner.specialties == ["Solar", "Storage"]
    invitation = session.execute(select(Invitation)).scalar_one()
    assert (invitation.email, invitation.partner_id, invitation.role) == (
        "dana@deltasolar.example",
        partner.id,
        "partner_admin",
    )
    assert approval.invited
    enrollment = session.execute(
        select(Enrollment).where(Enrollment.journey_id == journey.id)
    ).scalar_one()
    assert enrollment.partner_id == partner.id
    application = session.get(Application, application.id)
    assert (application.status, application.partner_id) == ("approved", partner.id)
    assert application.reviewed_by_id == world_user.id
    assert session.get(Prospect, application.prospect_id).status == "partner"
    audit = session.execute(
        select(AuditEntry).where(AuditEntry.action == "application.approve")
    ).scalar_one()
    assert audit.actor_id == world_user.id and audit.partner_id == partner.id
    with pytest.raises(ValidationFailed):
        applications.approve(application, world_user)


def test_approval_starts_the_shipped_onboarding_starter(ctx, world_user):
    onboarding = starters.copy_starter("onboarding", world_user)
    lifecycle.publish(onboarding, world_user)
    session.commit()
    application = make_application()
    session.commit()
    partner = applications.approve(application, world_user).partner
    session.commit()
    history = session.execute(
        select(PartnerStatusChange.from_status, PartnerStatusChange.to_status)
        .where(PartnerStatusChange.partner_id == partner.id)
        .order_by(PartnerStatusChange.id)
    ).all()
    assert history == [(None, "applicant"), ("applicant", "onboarding")]
    triggers.process_partner_events()  # what the beat tick does
    enrollment = session.execute(
        select(Enrollment).where(Enrollment.journey_id == onboarding.id)
    ).scalar_one()
    assert enrollment.partner_id == partner.id


def test_decline_sends_a_polite_email_with_the_reason(ctx, world_user):
    application = make_application()
    session.commit()
    applications.decline(application, world_user, "We have enough installers in Berlin.")
    session.commit()
    application = session.get(Application, application.id)
    assert application.status == "declined"
    assert application.decline_reason == "We have enough installers in Berlin."
    declined = _mail_to("dana@deltasolar.example")[-1]
    assert "not able to welcome Delta Solar GmbH" in declined.text_body
    assert "enough installers in Berlin" in declined.text_body
    assert declined.category == "transactional"
    assert session.get(Prospect, application.prospect_id).status == "declined"
    assert _count(Partner) == 1  # Alpha Solar only
    with pytest.raises(ValidationFailed):
        applications.decline(application, world_user)


def test_approve_that_fails_keeps_nothing(ctx, world_user, monkeypatch):
    application = make_application()
    session.commit()
    partners_before = _count(Partner)

    def broken(*args, **kwargs):
        raise ValidationFailed({"email": "The mail could not be queued."})

    monkeypatch.setattr(applications.people, "invite", broken)
    with pytest.raises(ValidationFailed):
        applications.approve(application, world_user)
    session.rollback()
    assert _count(Partner) == partners_before
    assert session.get(Application, application.id).status == "submitted"


def test_csv_import_dry_run_then_commit(ctx):
    make_prospect("Echo Energy")
    session.commit()
    data = (
        b"company,email,country,status\n"
        b"Echo Energy SA,hello@echo.example,FR,invited\n"
        b"Foxtrot Power,info@foxtrot.example,ES,\n"
        b"Broken,not-an-email,XX,\n"
    )
    dry = prospect_csv.run_import(data, "test", commit=False)
    assert [r.action for r in dry.rows] == ["update", "create", "error"]
    assert set(dry.rows[2].errors) == {"email", "country"}
    assert _count(Prospect) == 1
    assert "not-an-email" in prospect_csv.rejected_csv(dry)
    done = prospect_csv.run_import(data, "test", commit=True, only_good=True)
    assert done.committed
    echo = prospects.find_by_email("hello@echo.example")
    assert (echo.company, echo.status) == ("Echo Energy SA", "invited")
    foxtrot = prospects.find_by_email("info@foxtrot.example")
    assert (foxtrot.status, foxtrot.source) == ("new", "CSV import")
    assert _count(Prospect) == 2
