"""API: applications to the partner program, and their review (vendor staff only)."""

from __future__ import annotations

from flask import abort, g, request

from app.db import session
from app.web.access import VENDOR, VENDOR_MANAGERS, acting_user, roles
from app.web.api import bp
from app.web.api.common import page_json
from app.web.api.formats import moment
from app.web.api.schemas.recruitment import (
    APPLICATION,
    APPLICATION_PAGE,
    APPLICATION_QUERY,
    APPROVE,
    APPROVED,
    DECLINE,
)
from app.web.api.spec import operation
from app.web.common import get_or_404
from campaigns.journeys import applications, fit
from campaigns.journeys.models import Application
from campaigns.membership import on_partner_changed


def application_json(
    a: Application, *, with_duplicates: bool = False, program: fit.Program | None = None
) -> dict:
    """A's representation; PROGRAM, when many are shown, is read once for them all."""
    found = {
        "id": a.id,
        "company": a.company,
        "contact_name": a.contact_name,
        "email": a.email,
        "phone": a.phone,
        "country": a.country,
        "website": a.website,
        "domain": a.domain,
        "partner_type": a.partner_type,
        "specialties": list(a.specialties or []),
        "message": a.message,
        "consent_text": a.consent_text,
        "consent_given_at": moment(a.consent_given_at),
        "status": a.status,
        "decline_reason": a.decline_reason,
        "reviewed_at": moment(a.reviewed_at),
        "partner_id": a.partner_id,
        "prospect_id": a.prospect_id,
        "created_at": moment(a.created_at),
        "recruitment_score": fit.for_application(a, program).as_dict(),
    }
    if with_duplicates:
        dups = applications.duplicates(a)
        found["duplicates"] = {
            "partners": [x.id for x in dups.partners],
            "prospects": [x.id for x in dups.prospects],
        }
    return found


@bp.get("/applications")
@roles(VENDOR)
@operation(
    "Applications, newest first",
    response=APPLICATION_PAGE,
    query=APPLICATION_QUERY,
    tag="recruitment",
)
def applications_index():
    status = (request.args.get("status") or "").strip().lower()
    if status and status not in applications.APPLICATION_STATUSES:
        abort(400, f"Unknown status; use one of: {', '.join(applications.APPLICATION_STATUSES)}.")
    try:
        number = max(1, min(int(request.args.get("page") or 1), 100000))
    except ValueError:
        abort(400, "The page is a number.")
    program = fit.Program.load()
    return page_json(
        applications.search_applications(status, number),
        lambda a: application_json(a, program=program),
    )


@bp.get("/applications/<int:application_id>")
@roles(VENDOR)
@operation("One application, with its duplicates", response=APPLICATION, tag="recruitment")
def application_show(application_id: int):
    return application_json(get_or_404(Application, application_id), with_duplicates=True)


@bp.post("/applications/<int:application_id>/approve")
@roles(VENDOR_MANAGERS)
@operation(
    "Approve: a partner in onboarding, an invitation to its contact, journeys start",
    body=APPROVE,
    response=APPROVED,
    tag="recruitment",
)
def application_approve(application_id: int):
    application = get_or_404(Application, application_id)
    approval = applications.approve(application, acting_user())
    on_partner_changed(approval.partner.id)
    session.commit()
    return {
        "application": application_json(application),
        "partner_id": approval.partner.id,
        "invited": approval.invited,
    }


@bp.post("/applications/<int:application_id>/decline")
@roles(VENDOR_MANAGERS)
@operation(
    "Decline, with a polite email to the applicant (and the optional reason)",
    body=DECLINE,
    response=APPLICATION,
    tag="recruitment",
)
def application_decline(application_id: int):
    application = get_or_404(Application, application_id)
    applications.decline(application, acting_user(), g.api_body.get("reason", ""))
    session.commit()
    return application_json(application)
