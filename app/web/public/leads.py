"""The customer's request form (a lead): from a partner's profile (``#request``) or a locator
result. Honeypot, rate limit per client address, one transaction; errors keep what was typed."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from app import validation as v
from app.db import session
from app.web import throttle
from app.web.access import public
from app.web.common import form_data
from app.web.public.views import bp
from app.web.theme import theme_context
from directory.leads import capture
from directory.leads import rules as lead_rules

# a field people never see (off-screen, aria-hidden) and bots fill in
HONEYPOT = "company_website"
# what the form carries from the page it came from, as hidden fields
CARRIED = ("partner", "latitude", "longitude", "source", "q")


def _partner_or_none(value):
    try:
        return capture.chosen_partner(value)
    except v.ValidationFailed:
        return None


def form_context(data: dict, errors: dict | None = None) -> dict:
    """What the request form needs; the profile page includes it with this context too."""
    program = theme_context()["program"]
    return {
        "data": data,
        "errors": errors or {},
        "honeypot": HONEYPOT,
        "chosen": _partner_or_none(data.get("partner")),
        "consent_text": lead_rules.consent_wording(program.program_name),
    }


def _carried(partner=None) -> dict:
    """The form's first values, from the page's query (a locator result carries its point)."""
    data = {k: request.args.get(k, "")[:200] for k in (*CARRIED, "postcode", "product_interest")}
    if partner is not None:
        data["partner"] = partner.slug
    data["partner"] = data["partner"] or capture.ANY_PARTNER
    data["postcode"] = data["postcode"] or data.get("q", "")
    if data.get("latitude") and data.get("longitude"):
        data["source"] = "locator"
    return data


@bp.app_context_processor
def _lead_form_helper() -> dict:
    def lead_form_for(partner):
        return form_context(_carried(partner))

    return {"lead_form_for": lead_form_for}


@bp.route("/request", methods=["GET", "POST"])
@public
@throttle.lead_requests
def lead_request():
    if request.method == "GET":
        return render_template("public/lead_request.html", lead_form=form_context(_carried()))
    data = form_data()
    if data.get(HONEYPOT):
        # a bot: thanked like a person, and nothing is kept
        return redirect(url_for("public.lead_sent"))
    program = theme_context()["program"]
    source = data.get("source") if data.get("source") in capture.SOURCES else "profile"
    try:
        capture.capture(data, source=source, program_name=program.program_name)
        session.commit()
    except v.ValidationFailed as exc:
        session.rollback()
        return render_template(
            "public/lead_request.html", lead_form=form_context(data, exc.errors)
        ), 400
    return redirect(url_for("public.lead_sent"))


@bp.get("/request/sent")
@public
def lead_sent():
    return render_template("public/lead_sent.html")
