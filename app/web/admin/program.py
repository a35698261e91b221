"""Admin: the program settings (white-label theme) and the tier ladder."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from app import audit
from app import validation as v
from app.storage import content_key, get_storage
from app.web import theme
from app.web.access import ADMIN, roles
from app.web.admin import bp
from app.web.common import form_data, form_page, get_or_404, save_form, uploaded_bytes
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
    return _settings_page(program, errors)


def _settings_page(program, errors: dict, *, tier_form=None):
    """The settings page; TIER_FORM names the tier form ('new' or a tier id) that was posted
    and is shown again with what was typed and ERRORS (by tier_field keys)."""
    return form_page(
        "admin/settings.html",
        p=program,
        errors=errors,
        tiers=partners.tiers(),
        tier_form=str(tier_form) if tier_form is not None else None,
        labels={**SETTINGS_LABELS, **_tier_labels(errors)},
    )


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
    return _tier_action("new", lambda: tiers.create_tier(form_data(), current_user), "Tier added.")


@bp.post("/tiers/<int:tier_id>")
@roles(ADMIN)
def tier_update(tier_id: int):
    tier = get_or_404(Tier, tier_id)
    # campaigns name tiers in their rules: the campaign domain keeps them in step
    if request.form.get("action") == "delete":
        name = tier.name
        return _tier_action(
            tier.id,
            lambda: tier_rules.delete_tier(tier, current_user),
            lambda _: f"{name} removed.",
        )
    return _tier_action(
        tier.id, lambda: tier_rules.update_tier(tier, form_data(), current_user), "Tier saved."
    )


TIER_FIELDS = {"name": "name", "rank": "rank", "color": "colour"}
SETTINGS_LABELS = {
    "vendor_name": "Vendor name",
    "program_name": "Program name",
    "logo": "Logo",
    "primary_color": "Primary colour",
    "secondary_color": "Secondary colour",
    "support_email": "Support email",
    "welcome_text": "Welcome text",
}


def tier_field(form, name: str) -> str:
    """The key (id f-KEY, errors) of field NAME in the tier form FORM ('new' or a tier id)."""
    return f"tier-{form}-{name}"


def _tier_labels(errors: dict) -> dict:
    """The errors summary's names of the tier fields among ERRORS."""
    labels = {}
    for key in errors:
        form, _, name = key.removeprefix("tier-").rpartition("-")
        if key.startswith("tier-") and name in TIER_FIELDS:
            tier = "New tier" if form == "new" else "Tier"
            labels[key] = f"{tier}: {TIER_FIELDS[name]}"
    return labels


def _tier_action(form, action, message):
    """A tier form's ACTION: saved and back to the tiers, or the settings page again with what
    was typed into that tier form and its errors beside its fields (400)."""
    outcome = save_form(action, success=message, done=url_for("admin.settings") + "#tiers")
    if outcome.response:
        return outcome.response
    # a tier's other refusals (a campaign still names it) are said beside its name
    errors = {
        tier_field(form, key if key in TIER_FIELDS else "name"): message
        for key, message in outcome.errors.items()
    }
    return _settings_page(theme.program_settings(), errors, tier_form=form)
