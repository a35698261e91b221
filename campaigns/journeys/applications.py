"""Applications to join the partner program: submitted on the public form, reviewed by
channel managers. Approving makes a partner (onboarding) and invites its contact; declining
sends a polite email. Each function adds to the caller's unit of work; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from flask import render_template
from sqlalchemy import func, select

from app import audit, clock, mail
from app import validation as v
from app.db import session
from app.models import ProgramSettings, Role
from campaigns.journeys import prospects, triggers
from campaigns.journeys.models import (
    APPLICATION_STATUS_LABELS,
    Application,
    ApplicationStatus,
    Prospect,
    ProspectStatus,
)
from directory import partners, people
from directory.models import PARTNER_TYPE_LABELS, PartnerStatus

APPLICATION_STATUSES = [s.value for s in ApplicationStatus]
# who submits the public form, in the audit log
APPLICANT = "applicant (public form)"
FIELDS = (
    "company",
    "contact_name",
    "email",
    "phone",
    "country",
    "website",
    "partner_type",
    "specialties",
    "message",
)
CLEANERS = {
    "company": partial(v.text, max_length=200, required=True, label="The company"),
    "contact_name": partial(v.text, max_length=200, required=True, label="Your name"),
    "email": partial(v.email, required=True),
    "phone": v.phone,
    "country": partial(v.country_code, required=True),
    "website": v.url,
    "partner_type": partial(v.choice, options=partners.PARTNER_TYPES, label="The partner type"),
    "specialties": partial(v.word_list, max_items=20),
    "message": partial(v.text, max_length=3000, label="The message"),
}


def consent_wording(program: ProgramSettings) -> str:
    """What the applicant agrees to; stored with the application as it was shown."""
    return (
        f"I agree that {program.vendor_name} keeps the details of this form to review my "
        f"application and contacts me about the {program.program_name}."
    )


def partner_type_options() -> list[tuple[str, str]]:
    return [(t.value, label) for t, label in PARTNER_TYPE_LABELS.items()]


def partner_type_label(value: str) -> str:
    return dict(partner_type_options()).get(value, value)


def program() -> ProgramSettings:
    return ProgramSettings.saved() or ProgramSettings.with_defaults()


def clean_application(data) -> dict:
    """The form's values, validated; ValidationFailed naming every field that is wrong
    (consent among them)."""
    data = {key: data.get(key, "") for key in (*FIELDS, "consent")}
    errors = {}
    try:
        clean = v.collect(CLEANERS, data)
    except v.ValidationFailed as exc:
        clean, errors = {}, dict(exc.errors)
    try:
        consent = v.boolean(data.get("consent"))
    except v.Invalid:
        consent = False
    if not consent:
        errors["consent"] = "Please agree to how we use your details, or we cannot review them."
    if errors:
        raise v.ValidationFailed(errors)
    return clean


def _link_prospect(clean: dict, domain: str) -> Prospect:
    """The prospect this application comes from (by email, else company domain), or a new one."""
    prospect = prospects.find_by_email(clean["email"])
    if prospect is None and domain:
        prospect = session.execute(
            select(Prospect).where(Prospect.domain == domain).order_by(Prospect.id).limit(1)
        ).scalar_one_or_none()
    if prospect is None:
        prospect = Prospect(
            company=clean["company"],
            contact_name=clean["contact_name"],
            email=clean["email"],
            country=clean["country"],
            website=clean["website"],
            domain=domain,
            source="application form",
        )
        session.add(prospect)
        session.flush()
        audit.record(APPLICANT, "prospect.create", prospect, changes={"source": [None, "form"]})
    if prospect.status not in (ProspectStatus.PARTNER.value, ProspectStatus.UNSUBSCRIBED.value):
        prospect.status = ProspectStatus.APPLIED.value
    return prospect


def submit(data) -> Application:
    """An application from the public form: the row, its prospect (found or new), the
    confirmation email to the applicant and the ``application_submitted`` trigger."""
    clean = clean_application(data)
    settings = program()
    domain = prospects.domain_of(clean["website"], clean["email"])
    prospect = _link_prospect(clean, domain)
    application = Application(
        **clean,
        domain=domain,
        consent_text=consent_wording(settings),
        consent_given_at=clock.now(),
        prospect_id=prospect.id,
    )
    session.add(application)
    session.flush()
    context = {"application": application, "program": settings}
    mail.queue_mail(
        application.email,
        f"We received your application to the {settings.program_name}",
        render_template("mail/application_received.txt", **context),
        render_template("mail/application_received.html", **context),
    )
    audit.record(
        APPLICANT,
        "application.submit",
        application,
        changes={"company": [None, application.company], "email": [None, application.email]},
    )
    triggers.fire(
        "application_submitted", prospect_id=prospect.id, data={"application_id": application.id}
    )
    return application


def _must_be_waiting(application: Application) -> None:
    if application.status != ApplicationStatus.SUBMITTED.value:
        label = status_label(application.status).lower()
        raise v.ValidationFailed({"status": f"This application is already {label}."})


@dataclass
class Approval:
    partner: object
    invited: bool  # False: the contact already has an account


def approve(application: Application, actor) -> Approval:
    """A partner (status onboarding) from the application, an invitation to its contact, and
    the ``application_approved`` trigger; the status change starts the onboarding starter.
    The caller tells the campaigns (``campaigns.membership.on_partner_changed``)."""
    _must_be_waiting(application)
    partner = partners.create_partner(
        {
            "name": application.company,
            "type": application.partner_type or partners.PARTNER_TYPES[0],
            "status": PartnerStatus.APPLICANT.value,
            "countries": [application.country] if application.country else [],
            "specialties": list(application.specialties or []),
            "website": application.website,
            "phone": application.phone,
            "email": application.email,
        },
        actor,
    )
    # applicant -> onboarding: the status history says so, and the journeys that start when
    # a partner's status changes (the onboarding starter) start for it at the next tick
    partners.change_status(partner, PartnerStatus.ONBOARDING.value, actor, "application approved")
    invited = people.find_user(application.email) is None
    if invited:
        people.invite(
            application.email,
            Role.PARTNER_ADMIN,
            actor,
            partner_id=partner.id,
            name=application.contact_name,
        )
    application.status = ApplicationStatus.APPROVED.value
    application.partner_id = partner.id
    application.reviewed_by_id = getattr(actor, "id", None)
    application.reviewed_at = clock.now()
    if application.prospect is not None:
        application.prospect.status = ProspectStatus.PARTNER.value
        application.prospect.partner_id = partner.id
    audit.record(
        actor,
        "application.approve",
        application,
        partner_id=partner.id,
        changes={"status": ["submitted", "approved"], "partner": [None, partner.name]},
    )
    triggers.fire(
        "application_approved", partner_id=partner.id, data={"application_id": application.id}
    )
    return Approval(partner=partner, invited=invited)


def decline(application: Application, actor, reason: str = "") -> Application:
    """Decline the application and tell the applicant politely (with REASON, if given)."""
    _must_be_waiting(application)
    reason = v.collect(
        {"reason": partial(v.text, max_length=2000, label="The reason")}, {"reason": reason}
    )["reason"]
    application.status = ApplicationStatus.DECLINED.value
    application.decline_reason = reason
    application.reviewed_by_id = getattr(actor, "id", None)
    application.reviewed_at = clock.now()
    if application.prospect is not None and application.prospect.status in (
        ProspectStatus.APPLIED.value,
        ProspectStatus.NEW.value,
        ProspectStatus.INVITED.value,
    ):
        application.prospect.status = ProspectStatus.DECLINED.value
    settings = program()
    context = {"application": application, "program": settings, "reason": reason}
    mail.queue_mail(
        application.email,
        f"Your application to the {settings.program_name}",
        render_template("mail/application_declined.txt", **context),
        render_template("mail/application_declined.html", **context),
    )
    audit.record(
        actor,
        "application.decline",
        application,
        changes={"status": ["submitted", "declined"], "reason": [None, reason]},
    )
    return application


def duplicates(application: Application) -> prospects.Duplicates:
    """The partners and (other) prospects with the application's email or company domain."""
    return prospects.duplicates(
        application.email, application.domain, exclude_prospect_id=application.prospect_id
    )


def status_label(status: str) -> str:
    try:
        return APPLICATION_STATUS_LABELS[ApplicationStatus(status)]
    except ValueError:
        return status


def application_query(status: str = ""):
    query = select(Application)
    if status:
        query = query.where(Application.status == status)
    return query.order_by(Application.created_at.desc(), Application.id.desc())


def counts() -> dict[str, int]:
    rows = session.execute(
        select(Application.status, func.count()).group_by(Application.status)
    ).all()
    return {status: count for status, count in rows}


def waiting_count() -> int:
    """How many applications wait for a review (the admin home shows it)."""
    return session.execute(
        select(func.count())
        .select_from(Application)
        .where(Application.status == ApplicationStatus.SUBMITTED.value)
    ).scalar_one()


def search_applications(status: str = "", page: int = 1, per_page: int = 50) -> partners.Page:
    query = application_query(status)
    total = session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    page = max(1, min(page, max(1, -(-total // per_page))))
    items = session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars()
    return partners.Page(items=list(items), total=total, page=page, per_page=per_page)
