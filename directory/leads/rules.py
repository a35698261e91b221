"""The program's lead rules and each partner's lead settings: reading them, and changing them
from a form or the API with every value checked."""

from __future__ import annotations

from sqlalchemy import select

from app import audit
from app import validation as v
from app.db import session
from directory.leads.models import LeadRules, PartnerLeadSettings

RETENTION_ACTIONS = {"anonymize": "Anonymize them", "delete": "Delete them"}


def _number(low: float, high: float, label: str, *, integer: bool = False):
    def clean(value):
        number = v.float_in(value, low, high, label=label)
        if number is None:
            raise v.Invalid(f"{label} is required.")
        return int(number) if integer else number

    return clean


RULE_CLEANERS = {
    "sla_hours": _number(1, 24 * 30, "The time to answer (hours)"),
    "max_attempts": _number(1, 20, "The partners tried", integer=True),
    "open_lead_cap": _number(0, 10_000, "The cap of open leads", integer=True),
    "tier_weight_km": _number(0, 1000, "The tier weighting (km)"),
    "equal_band_km": _number(0, 1000, "The band of equals (km)"),
    "default_radius_km": _number(1, 5000, "The default service radius (km)"),
    "retention_days": _number(0, 36500, "The retention (days)", integer=True),
    "retention_action": lambda x: v.choice(x, RETENTION_ACTIONS, label="What happens to old leads"),
    "conflict_days": _number(1, 365, "The conflict window (days)", integer=True),
    "consent_text": lambda x: v.text(x, max_length=1000, required=True, label="The consent text"),
}


def current() -> LeadRules:
    """The saved rules, or unsaved defaults."""
    saved = session.execute(select(LeadRules).order_by(LeadRules.id).limit(1)).scalars().first()
    if saved is not None:
        return saved
    return LeadRules(
        **{
            c.key: c.default.arg
            for c in LeadRules.__table__.columns
            if c.default is not None and not callable(c.default.arg)
        }
    )


def update_rules(data: dict, actor) -> LeadRules:
    clean = v.collect(RULE_CLEANERS, data)
    rules = current()
    before = {k: getattr(rules, k) for k in clean}
    for key, value in clean.items():
        setattr(rules, key, value)
    session.add(rules)
    audit.record(actor, "lead_rules.update", "lead_rules", changes=audit.diff(before, clean))
    return rules


def consent_wording(program_name: str) -> str:
    return current().consent_text.replace("{program}", program_name)


def _postcodes(value) -> list[str]:
    codes = v.word_list(value, max_items=500, max_length=20)
    return [c.upper().replace(" ", "") for c in codes]


def _radius(value):
    return v.float_in(value, 1, 5000, label="The service radius (km)")


SETTINGS_CLEANERS = {
    "accepts_leads": v.boolean,
    "service_radius_km": _radius,
    "postcodes": _postcodes,
    "regions": lambda x: v.word_list(x, max_items=200, max_length=120),
    "countries": v.country_list,
    "products": lambda x: v.word_list(x, max_items=100, max_length=120),
}


def settings_of(partner_id: int) -> PartnerLeadSettings | None:
    return session.execute(
        select(PartnerLeadSettings).where(PartnerLeadSettings.partner_id == partner_id)
    ).scalar_one_or_none()


def effective_settings(partner_id: int) -> PartnerLeadSettings:
    """The partner's settings, or the defaults a partner without a row has (not added)."""
    found = settings_of(partner_id)
    return found if found is not None else default_settings(partner_id)


def default_settings(partner_id: int) -> PartnerLeadSettings:
    """The settings of a partner without a row of its own (not added)."""
    return PartnerLeadSettings(
        partner_id=partner_id,
        accepts_leads=True,
        service_radius_km=None,
        location_radii={},
        postcodes=[],
        regions=[],
        countries=[],
        products=[],
    )


def update_settings(partner, data: dict, actor) -> PartnerLeadSettings:
    """Change a partner's lead settings; location radii come as ``radius_<location id>``."""
    clean = v.collect(SETTINGS_CLEANERS, data)
    radii, errors = {}, {}
    for location in partner.locations:
        key = f"radius_{location.id}"
        if key in data:
            try:
                value = _radius(data[key])
            except v.Invalid as exc:
                errors[key] = str(exc)
                continue
            if value is not None:
                radii[str(location.id)] = value
    if errors:
        raise v.ValidationFailed(errors)
    settings = settings_of(partner.id)
    if settings is None:
        settings = effective_settings(partner.id)
        session.add(settings)
    if any(k.startswith("radius_") for k in data):
        clean["location_radii"] = radii
    before = {k: getattr(settings, k) for k in clean}
    for key, value in clean.items():
        setattr(settings, key, value)
    audit.record(
        actor,
        "lead_settings.update",
        "partner_lead_settings",
        partner_id=partner.id,
        changes=audit.diff(before, clean),
    )
    return settings
