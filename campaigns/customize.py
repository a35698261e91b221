"""A partner's own values for the fields a campaign asset lets it change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.db import session, utcnow
from brand_templates import FieldValueError, LockedFieldError, ValidationError, resolve_values
from campaigns import events
from campaigns.models import CampaignAsset, Customization, EventKind
from campaigns.rendering import bundle_of, customization_row, render_context
from directory.models import Partner


def _check_fields(asset: CampaignAsset, values: Mapping[str, Any]) -> None:
    """Refuse fields the partner may not change, naming each, before any value is checked."""
    manifest = bundle_of(asset).manifest
    allowed = set(asset.editable_fields or ())
    unknown = [
        ValidationError(None, None, name, "is not a field of this asset")
        for name in values
        if name not in manifest.fields
    ]
    if unknown:
        raise FieldValueError(unknown)
    locked = [
        ValidationError(None, None, name, "is locked by the vendor; partners cannot change it")
        for name in values
        if name not in allowed
    ]
    if locked:
        raise LockedFieldError(locked)


def save_customization(
    asset: CampaignAsset, partner: Partner, values: Mapping[str, Any], user
) -> Customization:
    """Replace the partner's values for ASSET with VALUES (field: value; None drops a value).

    Only the asset's editable fields are accepted (LockedFieldError otherwise), every value
    is checked as the renderer will see it (FieldValueError, with ``by_field`` for forms),
    and nothing is written when anything is wrong. Records a 'customize' event. The
    caller commits; the next ``current_render`` renders the new values.
    """
    chosen = {name: value for name, value in dict(values).items() if value is not None}
    _check_fields(asset, chosen)
    bundle = bundle_of(asset)
    resolved = resolve_values(
        bundle.manifest,
        render_context(partner),
        asset.presets or {},
        chosen,
        as_partner=True,
        files=bundle.files.keys(),
    )
    # kept as the renderer sees them: rich text sanitized, URLs and colours normalized
    clean = {name: str(resolved[name]) for name in chosen}
    row = customization_row(asset, partner)
    if row is None:
        row = Customization(asset_id=asset.id, partner_id=partner.id)
        session.add(row)
    row.values = clean
    row.updated_at = utcnow()
    row.updated_by_id = getattr(user, "id", None)
    events.record(
        EventKind.CUSTOMIZE.value,
        partner.id,
        getattr(user, "id", None),
        asset.campaign_id,
        asset.id,
        fields=",".join(sorted(clean)),
    )
    session.flush()
    return row


def reset_customization(asset: CampaignAsset, partner: Partner, user) -> None:
    """Drop the partner's values for ASSET: the vendor's presets and brand-kit defaults apply."""
    row = customization_row(asset, partner)
    if row is not None:
        session.delete(row)
        events.record(
            EventKind.CUSTOMIZE.value,
            partner.id,
            getattr(user, "id", None),
            asset.campaign_id,
            asset.id,
            reset=True,
        )
        session.flush()


def field_states(asset: CampaignAsset, partner: Partner) -> list[dict[str, Any]]:
    """What a customization form shows: every field of the asset's template with its current
    value, whether the partner may change it, and where the value comes from
    ('partner', 'vendor' or 'default')."""
    bundle = bundle_of(asset)
    row = customization_row(asset, partner)
    mine = dict(row.values) if row else {}
    allowed = set(asset.editable_fields or ())
    mine = {name: value for name, value in mine.items() if name in allowed}
    presets = asset.presets or {}
    try:
        values = resolve_values(
            bundle.manifest,
            render_context(partner),
            presets,
            mine,
            as_partner=True,
            files=bundle.files.keys(),
        )
    except FieldValueError:
        values = {}
    states = []
    for name, spec in bundle.manifest.fields.items():
        source = "partner" if name in mine else "vendor" if name in presets else "default"
        states.append(
            {
                "name": name,
                "spec": spec,
                "value": values.get(name, mine.get(name, presets.get(name, spec.default))),
                "editable": name in allowed,
                "source": source,
            }
        )
    return states
