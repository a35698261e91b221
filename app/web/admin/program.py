"""Admin: the program settings (white-label theme) and the tier ladder."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user

from app import audit
from app import validation as v
from app.storage import content_key, get_storage
from app.web import theme
from app.web.access import ADMIN, roles
from app.web.admin import bp
from app.web.common import form_data, form_page, get_or_404, run_action, save_form, uploaded_bytes
from campaigns import tier_rules
from directory import partners, tiers
from directory.logos import LogoRejected, process_logo
from directory.models import Tier

SETTINGS_CLEANERS = {
    "vendor_name": lambda x: v.text(x, max_length=120, required=True, label="The vendor name"),
    "program_name": lambda x: v.text(x, max_length=120, required=True, label="The program name"),
    "primary_color": v.color,
    "secondary_color": v.color,
    "support_email": v.email,
    "welcome_text": lambda x: v.text(x, max_length=2000, label="The welcome text"),
}


@bp.route("/settings", methods=["GET", "POST"])
@roles(ADMIN)
def settings():
    program = theme.program_settings()
    errors: dict = {}
    if request.method == "POST":
        outcome = save_form(
            lambda: _save_settings(program),
            success="Program settings saved.",
            done=url_for("admin.settings"),
        )
        if outcome.response:
            return outcome.response
        errors = outcome.errors
        program = theme.program_settings()
    return form_page("admin/settings.html", p=program, errors=errors, tiers=partners.tiers())


def _save_settings(program) -> None:
    """The form's settings, and the logo uploaded with them, onto PROGRAM (audited)."""
    clean = v.collect(SETTINGS_CLEANERS, form_data())
    logo = uploaded_bytes("logo")
    if logo is not None:
        try:
            processed = process_logo(logo)
        except LogoRejected as exc:
            raise v.ValidationFailed({"logo": str(exc)}) from exc
        clean["logo_key"] = get_storage().put(
            content_key("program", processed.trimmed_png, ".png"),
            processed.trimmed_png,
            "image/png",
        )
    before = {k: getattr(program, k) for k in clean}
    for key, value in clean.items():
        setattr(program, key, value)
    audit.record(current_user, "settings.update", program, changes=audit.diff(before, clean))


@bp.post("/tiers")
@roles(ADMIN)
def tier_create():
    return _tier_action(lambda: tiers.create_tier(form_data(), current_user), "Tier added.")


@bp.post("/tiers/<int:tier_id>")
@roles(ADMIN)
def tier_update(tier_id: int):
    tier = get_or_404(Tier, tier_id)
    # campaigns name tiers in their rules: the campaign domain keeps them in step
    if request.form.get("action") == "delete":
        return _tier_action(
            lambda: tier_rules.delete_tier(tier, current_user), f"{tier.name} removed."
        )
    return _tier_action(
        lambda: tier_rules.update_tier(tier, form_data(), current_user), "Tier saved."
    )


def _tier_action(action, message: str):
    run_action(action, message)
    return redirect(url_for("admin.settings") + "#tiers")
