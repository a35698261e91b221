"""The audit log in people's words: "Location added", "Street: (empty) → Hauptstraße 1",
"Tier: Silver → Gold", "Countries: Germany, Austria", "Logo changed" — never a storage key,
a row id or a Python list. A template global, ``history_line(entry)``."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask

from app.db import session
from app.models import AuditEntry, User
from app.web.pickers import country_label
from app.web.words import partner_type_label
from directory.models import Tier

EMPTY = "(empty)"

ACTIONS = {
    "partner.create": "Partner added",
    "partner.update": "Partner details changed",
    "partner.status": "Status changed",
    "location.create": "Location added",
    "location.update": "Location changed",
    "location.delete": "Location removed",
    "brand_kit.update": "Brand kit changed",
    "brand_kit.logo": "Logo changed",
    "brand_kit.logo_removed": "Logo removed",
    "user.create": "User added",
    "user.password_reset": "Password reset",
    "invitation.create": "Invitation sent",
    "invitation.revoke": "Invitation withdrawn",
    "api_token.create": "API token created",
    "api_token.revoke": "API token revoked",
    "tier.create": "Tier added",
    "tier.update": "Tier changed",
    "tier.delete": "Tier removed",
    "campaign.create": "Campaign created",
    "campaign.update": "Campaign changed",
    "campaign.reschedule": "Launch time changed",
    "campaign.retry_renders": "Failed files made again",
    "campaign.asset_add": "Asset added",
    "campaign.asset_remove": "Asset removed",
    "settings.update": "Program settings changed",
    "template.import": "Template imported",
    "template.upload": "Template uploaded",
    "template.publish": "Template published",
}

LABELS = {
    "name": "Name",
    "slug": "Web address name",
    "type": "Type",
    "tier": "Tier",
    "tier_id": "Tier",
    "status": "Status",
    "countries": "Countries",
    "country_code": "Country",
    "regions": "Regions",
    "region": "Region",
    "specialties": "Specialties",
    "certifications": "Certifications",
    "tags": "Tags",
    "website": "Website",
    "phone": "Phone",
    "email": "Email",
    "description": "Description",
    "listed_in_locator": "Listed in the partner locator",
    "channel_manager": "Channel manager",
    "channel_manager_id": "Channel manager",
    "label": "Label",
    "street": "Street",
    "city": "City",
    "postal_code": "Postal code",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "public": "Shown publicly",
    "opening_hours": "Opening hours",
    "primary_color": "Primary colour",
    "secondary_color": "Secondary colour",
    "tagline": "Tagline",
    "contact_phone": "Contact phone",
    "contact_email": "Contact email",
    "contact_website": "Contact website",
    "contact_address": "Contact address",
    "scheduled_at": "Launch time",
    "starts_on": "Starts on",
    "ends_on": "Ends on",
    "targeting": "Targeting",
    "include_partner_ids": "Partners always included",
    "exclude_partner_ids": "Partners never included",
    "objective": "Objective",
    "editable_fields": "Fields partners may change",
    "presets": "Vendor values",
    "title": "Title",
    "rank": "Rank",
    "renders": "Files",
}
# fields whose values are storage keys: people are told that they changed, not to what
OPAQUE = {"logo", "logo_key", "logo_trimmed_key", "logo_thumb_key", "file", "key", "token_hash"}


OBJECTS = {
    "brandkit": "Brand kit",
    "campaignasset": "Asset",
    "apitoken": "API token",
    "programsettings": "Program settings",
    "brandtemplate": "Template",
    "brandtemplateversion": "Template version",
}


def object_words(entry: AuditEntry) -> str:
    """What ENTRY changed: "Brand kit 4", "Partner 12"."""
    kind = OBJECTS.get(entry.object_type) or entry.object_type.replace("_", " ").capitalize()
    return f"{kind} {entry.object_id}".strip()


@dataclass
class HistoryLine:
    """One audit entry in words: what happened, and one line per changed field."""

    action: str
    changes: list[str] = field(default_factory=list)


def label_of(key: str) -> str:
    """The field's label, or its key as words ("opening_hours" → "Opening hours")."""
    return LABELS.get(key) or key.replace("_", " ").capitalize()


def _tier(value) -> str:
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        tier = session.get(Tier, int(value))
        return tier.name if tier else "a tier since removed"
    return str(value)


def _user(value) -> str:
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        user = session.get(User, int(value))
        return (user.name or user.email) if user else "a user since removed"
    return str(value)


VALUE_WORDS = {
    "tier": _tier,
    "tier_id": _tier,
    "channel_manager": _user,
    "channel_manager_id": _user,
    "type": partner_type_label,
    "country_code": country_label,
    "countries": country_label,
    "status": lambda value: str(value).capitalize(),
}


def value_words(key: str, value) -> str:
    """VALUE of the field KEY as people say it."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    words = VALUE_WORDS.get(key, str)
    if isinstance(value, (list, tuple)):
        return ", ".join(value_words(key, item) for item in value) or EMPTY
    if isinstance(value, dict):
        return "; ".join(f"{label_of(k)}: {value_words(k, v)}" for k, v in value.items())
    return words(value)


def _pair(change) -> tuple[object, object]:
    """(old, new) of one recorded change; a bare value (entries recorded before changes were
    always pairs) is the new value of a field that had none."""
    if isinstance(change, (list, tuple)) and len(change) == 2:
        return change[0], change[1]
    return None, change


def change_words(key: str, change) -> str:
    """One changed field: "City: Berlin → Hamburg", "City: Hamburg" (set), "Logo changed"."""
    old, new = _pair(change)
    if key in OPAQUE:
        if new in (None, ""):
            return f"{label_of(key)} removed"
        return f"{label_of(key)} changed" if old not in (None, "") else f"{label_of(key)} added"
    if old in (None, "", []):
        return f"{label_of(key)}: {value_words(key, new)}"
    return f"{label_of(key)}: {value_words(key, old)} → {value_words(key, new)}"


def history(entry: AuditEntry) -> HistoryLine:
    """ENTRY in people's words."""
    action = ACTIONS.get(entry.action) or entry.action.replace("_", " ").replace(".", ": ")
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    lines = [change_words(key, change) for key, change in changes.items()]
    if entry.action == "brand_kit.logo":  # the line would say it again
        lines = [line for line in lines if not line.startswith("Logo ")]
    return HistoryLine(action[:1].upper() + action[1:], lines)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(history_line=history, history_object=object_words)
