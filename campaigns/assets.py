"""A campaign's assets: add one from a published template version, change it, remove it.

A vendor's presets are checked against the template like every value. On a live campaign a
new asset is rendered for every targeted partner, and changed content is rendered again;
the render tasks are sent after the caller's commit (``campaigns.dispatch``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app import audit
from app import validation as v
from app.db import session
from brand_templates import FieldValueError, resolve_values
from brand_templates.models import BrandTemplateVersion
from brand_templates.sample import sample_context
from campaigns import dispatch
from campaigns.lifecycle import _check_editable
from campaigns.membership import _ensure_renders
from campaigns.models import AssetRender, Campaign, CampaignAsset, CampaignStatus, RenderStatus
from campaigns.progress import _reset_to_pending
from campaigns.rendering import bundle_of
from directory.context import vendor_context


def _published_version(value) -> BrandTemplateVersion:
    try:
        version_id = int(value)
    except (TypeError, ValueError) as exc:
        raise v.ValidationFailed({"template_version_id": "Choose a template version."}) from exc
    version = session.get(BrandTemplateVersion, version_id) if v.is_row_id(version_id) else None
    if version is None:
        raise v.ValidationFailed(
            {"template_version_id": f"There is no template version {version_id}."}
        )
    if not version.published:
        raise v.ValidationFailed(
            {"template_version_id": "Only published template versions can be used in campaigns."}
        )
    return version


def _editable_fields(value, manifest) -> list[str]:
    allowed = [spec.name for spec in manifest.editable_fields]
    if value is None:
        return allowed
    try:
        names = v.word_list(value, max_items=200)
    except v.Invalid as exc:
        raise v.ValidationFailed({"editable_fields": str(exc)}) from exc
    errors = []
    for name in names:
        if name not in manifest.fields:
            errors.append(f"'{name}' is not a field of the template")
        elif name not in allowed:
            errors.append(f"'{name}' is locked by the template and cannot be made editable")
    if errors:
        raise v.ValidationFailed({"editable_fields": "; ".join(errors) + "."})
    return names


def _clean_presets(value, bundle) -> dict[str, Any]:
    """The vendor's values, checked against the template like every value; cleaned."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise v.ValidationFailed(
            {"presets": "The preset values must be a mapping of field: value."}
        )
    presets = {name: val for name, val in value.items() if val is not None and val != ""}
    # a realistic partner stands in for brand-kit defaults: presets do not depend on them
    context = {"partner": sample_context()["partner"], "vendor": vendor_context()}
    try:
        resolved = resolve_values(
            bundle.manifest, context, presets, {}, as_partner=False, files=bundle.files.keys()
        )
    except FieldValueError as exc:
        raise v.ValidationFailed({f"presets.{k}": m for k, m in exc.by_field.items()}) from exc
    return {name: str(resolved[name]) for name in presets}


def add_asset(campaign: Campaign, data: Mapping, actor) -> CampaignAsset:
    """An asset from a published template version: data has template_version_id and
    optionally title, presets (field: value), editable_fields (default: every field the
    template lets partners edit) and position. On a live campaign it is rendered for every
    targeted partner (after the caller's commit)."""
    _check_editable(campaign)
    version = _published_version(data.get("template_version_id"))
    asset = CampaignAsset(template_version_id=version.id, template_version=version)
    with session.no_autoflush:
        _apply_asset_data(asset, data, campaign, creating=True)
    campaign.assets.append(asset)
    session.flush()
    audit.record(
        actor,
        "campaign.asset_add",
        campaign,
        changes={"asset": [None, asset.title], "template_version_id": [None, version.id]},
    )
    if campaign.status == CampaignStatus.LIVE.value:
        dispatch.queue_renders(_ensure_renders(campaign))
    return asset


def _apply_asset_data(
    asset: CampaignAsset, data: Mapping, campaign: Campaign, *, creating: bool
) -> None:
    bundle = bundle_of(asset)
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if "title" in data or creating:
        try:
            title = v.text(data.get("title"), max_length=200, label="The title")
            clean["title"] = title or asset.template_version.template.name[:200]
        except v.Invalid as exc:
            errors["title"] = str(exc)
    if "position" in data or creating:
        try:
            position = data.get("position")
            if position in (None, "") and creating:
                others = (a.position for a in campaign.assets if a is not asset)
                position = max(others, default=-1) + 1
            elif position in (None, ""):
                position = asset.position
            clean["position"] = int(position)
            if not 0 <= clean["position"] <= v.MAX_ID:
                raise ValueError(position)
        except (TypeError, ValueError, OverflowError):
            errors["position"] = "The position must be a whole number, 0 or more."
    for key, cleaner in (
        ("presets", lambda value: _clean_presets(value, bundle)),
        ("editable_fields", lambda value: _editable_fields(value, bundle.manifest)),
    ):
        if key in data or creating:
            try:
                clean[key] = cleaner(data.get(key))
            except v.ValidationFailed as exc:
                errors.update(exc.errors)
    if errors:
        raise v.ValidationFailed(errors)
    for key, value in clean.items():
        setattr(asset, key, value)


def update_asset(asset: CampaignAsset, data: Mapping, actor) -> CampaignAsset:
    """Change title, position, presets or editable fields (or template_version_id). On a
    live campaign, changed content is rendered again for every targeted partner."""
    campaign = asset.campaign
    _check_editable(campaign)
    before = {
        k: getattr(asset, k)
        for k in ("template_version_id", "title", "presets", "editable_fields", "position")
    }
    if "template_version_id" in data:
        version = _published_version(data["template_version_id"])
        asset.template_version_id, asset.template_version = version.id, version
    _apply_asset_data(asset, data, campaign, creating=False)
    after = {k: getattr(asset, k) for k in before}
    changes = audit.diff(before, after)
    if changes:
        audit.record(
            actor, "campaign.asset_update", campaign, changes={"asset_id": asset.id, **changes}
        )
    content = ("template_version_id", "presets", "editable_fields")
    if campaign.status == CampaignStatus.LIVE.value and any(k in changes for k in content):
        session.flush()
        _reset_to_pending(
            [AssetRender.asset_id == asset.id, AssetRender.status != RenderStatus.PENDING.value],
            reason=f"asset {asset.id} changed",
        )
    return asset


def remove_asset(asset: CampaignAsset, actor) -> None:
    """Remove the asset with its renders, customizations (and its events' link to it)."""
    campaign = asset.campaign
    _check_editable(campaign)
    audit.record(
        actor,
        "campaign.asset_remove",
        campaign,
        changes={"asset": [asset.title, None], "asset_id": asset.id},
    )
    campaign.assets.remove(asset)
    session.flush()
