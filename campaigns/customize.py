"""A partner's own values for the fields a campaign asset lets it change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.db import session, utcnow
from brand_templates import FieldValueError, LockedFieldError, ValidationError, resolve_values
from brand_templates.fieldtypes import STORAGE_PREFIX
from campaigns import events, pictures
from campaigns.models import CampaignAsset, Customization, EventKind
from campaigns.rendering import (
    LOGO_REF,
    bundle_of,
    customization_row,
    partner_values,
    render_context,
)
from directory.logos import ProcessedPicture
from directory.models import Partner
from renderers.assets import sniff_mime


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


# --- pictures: what a partner may choose for an image field -----------------------------


def picture_choices(asset: CampaignAsset, partner: Partner, current: str) -> list[tuple[str, str]]:
    """(value, label) of what the partner may choose for an image field of ASSET: the
    template's pictures, its logo (``LOGO_REF``: whatever logo it has when rendered), the
    pictures it uploaded, and CURRENT if it is another file of its own."""
    files = bundle_of(asset).files
    # by content, as the renderers tell images (a file's name can lie)
    names = sorted(
        name for name, data in files.items() if sniff_mime(data, name).startswith("image/")
    )
    choices = [(name, f"{name.rsplit('/', 1)[-1]} (from the template)") for name in names]
    kit = partner.brand_kit
    if kit and (kit.logo_trimmed_key or kit.logo_key):
        choices.append((LOGO_REF, "Your logo (always the current one)"))
    for row in pictures.library(partner):
        label = f"Your picture, {row.width}×{row.height}, uploaded {row.created_at:%Y-%m-%d %H:%M}"
        choices.append((pictures.ref_of(row), label))
    listed = {value for value, _label in choices}
    if current not in listed and current.startswith(STORAGE_PREFIX):
        if pictures.is_upload(partner, current):
            choices.append((current, "Your uploaded picture"))
        elif pictures.is_own_file(partner, current):
            choices.append((current, "Your logo as it was when you chose it"))
    return choices


def picture_fields(asset: CampaignAsset) -> list[str]:
    """The image fields of ASSET that partners may change (and upload a picture for)."""
    fields = bundle_of(asset).manifest.fields
    return [name for name in asset.editable_fields or () if fields[name].type == "image"]


def save_customization(
    asset: CampaignAsset,
    partner: Partner,
    values: Mapping[str, Any],
    user,
    *,
    uploads: Mapping[str, ProcessedPicture] | None = None,
) -> Customization:
    """Replace the partner's values for ASSET with VALUES (field: value; None drops a value).

    Only the asset's editable fields are accepted (LockedFieldError otherwise), every value
    is checked as the renderer will see it (FieldValueError, with ``by_field`` for forms),
    and nothing is written when anything is wrong. UPLOADS (field: an uploaded picture,
    checked by ``directory.logos.process_picture``) become those fields' values; they are
    stored once everything else is found right; a stored file must be the partner's own
    (``campaigns.pictures``). Records a 'customize' event. The caller
    commits; the next ``current_render`` renders the new values.
    """
    uploads = dict(uploads or {})
    chosen = {name: value for name, value in dict(values).items() if value is not None}
    chosen.update({name: pictures.picture_ref(partner, p) for name, p in uploads.items()})
    _check_fields(asset, chosen)
    bundle = bundle_of(asset)
    context = render_context(partner)
    resolved = resolve_values(
        bundle.manifest,
        context,
        asset.presets or {},
        partner_values(asset, partner, chosen, context),
        as_partner=True,
        files=bundle.files.keys(),
    )
    # kept as the renderer sees them: rich text sanitized, URLs and colours normalized (and
    # "your logo" as a reference to the logo of the day)
    clean = {
        name: LOGO_REF if value == LOGO_REF else str(resolved[name])
        for name, value in chosen.items()
    }
    for picture in uploads.values():
        pictures.store_picture(partner, picture, user)
    row = customization_row(asset, partner)
    if row is None:
        row = Customization(asset_id=asset.id, partner_id=partner.id)
        session.add(row)
    row.values = clean
    row.updated_at = utcnow()
    row.updated_by_id = getattr(user, "id", None)
    _record_customize(asset, partner, user, fields=",".join(sorted(clean)))
    return row


def reset_customization(asset: CampaignAsset, partner: Partner, user) -> None:
    """Drop the partner's values for ASSET: the vendor's presets and brand-kit defaults apply."""
    row = customization_row(asset, partner)
    if row is not None:
        session.delete(row)
        _record_customize(asset, partner, user, reset=True)


def _record_customize(asset: CampaignAsset, partner: Partner, user, **detail) -> None:
    events.record(
        EventKind.CUSTOMIZE.value,
        partner.id,
        getattr(user, "id", None),
        asset.campaign_id,
        asset.id,
        **detail,
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
    context = render_context(partner)
    try:
        values = resolve_values(
            bundle.manifest,
            context,
            presets,
            partner_values(asset, partner, mine, context),
            as_partner=True,
            files=bundle.files.keys(),
        )
    except FieldValueError:
        values = {}
    states = []
    for name, spec in bundle.manifest.fields.items():
        source = "partner" if name in mine else "vendor" if name in presets else "default"
        value = values.get(name, mine.get(name, presets.get(name, spec.default)))
        state = {
            "name": name,
            "spec": spec,
            "value": value,
            # the partner's own choice, as saved (for an image field: what the picker shows)
            "chosen": mine.get(name),
            "editable": name in allowed,
            "source": source,
        }
        if spec.type == "image" and name in allowed:
            state["choices"] = picture_choices(asset, partner, str(mine.get(name, "")))
        states.append(state)
    return states
