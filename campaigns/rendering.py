"""Co-branded renders of campaign assets: one per (asset, partner), stored by render key.

A render's key (``brand_templates.render_key``) covers everything that shapes its bytes:
the template version, the resolved field values (vendor presets, the partner's
customization, brand-kit defaults), the partner's brand kit version and render context,
the output format, and for emails where their images are published. Files are stored under
``renders/`` by that key, so equal inputs are rendered once and a changed logo or
customization makes a new key and a new render.

An email's stored file is what partners download (and journeys will send): its images are
published under BASE_URL (``campaigns.email_images``), because mail clients do not show
``data:`` images. Its preview, and every preview of unsaved values, inlines them as ``data:``
URLs for the app's own sandboxed frames, and publishes nothing.

``render_one`` is the worker's job: idempotent and crash-safe. It claims a row (``app.claims``,
one conditional UPDATE: pending, or running for longer than ``RUNNING_TIMEOUT``, which only a
worker that died leaves behind), renders outside any transaction, and finishes the row
only if its claim still holds.

Computing a key means resolving the values, which reads six tables. A render row also
keeps the *inputs stamp* its key was computed from: the update times and counters of
those rows (``inputs_stamp``; of a partner's locations their number, newest id and the
sum of their update counters, which no lagging clock can hide), and of what a key depends
on besides rows (the renderer version, where email images are published). One query tells
whether the stamp still holds, so a cached download does not resolve anything; any change
to an input changes the stamp, and the next request computes the key again (and renders
only if the key changed).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

import renderers
from app import claims
from app.db import session, utcnow
from app.models import ProgramSettings
from app.storage import StorageError, get_storage
from brand_templates import FieldValueError, TemplateBundle, TemplateInvalid, resolve_values
from brand_templates.versions import version_bundle
from campaigns import email_images, pictures
from campaigns.models import AssetRender, CampaignAsset, Customization, RenderStatus
from directory.context import partner_context, vendor_context
from directory.models import BrandKit, Location, Partner

log = logging.getLogger(__name__)

# renders are limited to 30 s (renderers.limits.Limits); a claim this old is abandoned
RUNNING_TIMEOUT = timedelta(minutes=5)
# a render job's claims: a worker takes a pending row; ``updated_at`` is set on every change
# of state, so it is both the claim's start and the wait of a pending row (no handed_at: the
# sweep puts a stalled row back to pending, which restarts its wait)
RENDERS = claims.Claimable(
    table=AssetRender,
    id=AssetRender.id,
    state=AssetRender.status,
    claimable=(RenderStatus.PENDING.value,),
    claimed=RenderStatus.RUNNING.value,
    claimed_at=AssetRender.updated_at,
    attempts=AssetRender.attempts,
    lease=RUNNING_TIMEOUT,
    due_at=AssetRender.updated_at,
)
STORAGE_PREFIX = "renders"
PREVIEW_CONTENT_TYPES = {"png": "image/png", "html": "text/html; charset=utf-8"}
_BUNDLE_CACHE_SIZE = 32
_bundles: OrderedDict[str, TemplateBundle] = OrderedDict()
_bundles_lock = threading.Lock()  # the web server is threaded


class RenderProblem(Exception):
    """A render that cannot be made; ``str()`` says why, for people."""


def expected_errors() -> tuple[type[BaseException], ...]:
    """The errors of a render that are the template's or the data's fault, not a bug."""
    from renderers.errors import RenderError

    # FieldValueError (and LockedFieldError) are ValueErrors, as is a format the kind lacks
    return (RenderError, TemplateInvalid, StorageError, ValueError)


def bundle_of(asset: CampaignAsset) -> TemplateBundle:
    """The asset's template bundle; published versions never change, so it is cached."""
    version = asset.template_version
    with _bundles_lock:
        bundle = _bundles.get(version.sha256)
        if bundle is not None:
            _bundles.move_to_end(version.sha256)
            return bundle
    bundle = version_bundle(version)
    with _bundles_lock:
        _bundles[version.sha256] = bundle
        while len(_bundles) > _BUNDLE_CACHE_SIZE:
            _bundles.popitem(last=False)
    return bundle


def render_context(partner: Partner, program: ProgramSettings | None = None) -> dict[str, Any]:
    return {"partner": partner_context(partner), "vendor": vendor_context(program)}


def customization_row(asset: CampaignAsset, partner: Partner) -> Customization | None:
    return session.execute(
        select(Customization).where(
            Customization.asset_id == asset.id, Customization.partner_id == partner.id
        )
    ).scalar_one_or_none()


# --- inputs stamps ----------------------------------------------------------------------


def _stamp(parts: tuple) -> str:
    # a new renderer version or BASE_URL makes every key again (most of them equal)
    parts = (*parts, renderers.RENDERER_VERSION, email_images.url_prefix())
    text = "|".join(p.isoformat() if hasattr(p, "isoformat") else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _stamp_of(
    asset: CampaignAsset,
    customization: Customization | None,
    partner: Partner,
    program: ProgramSettings | None,
) -> str:
    """The stamp of the rows a render was prepared from, as they were loaded.

    The same parts, in the same order, as ``_row_and_stamp_query`` reads from the database.
    """
    kit = partner.brand_kit
    locations = partner.locations
    return _stamp(
        (
            asset.updated_at,
            customization.updated_at if customization else None,
            partner.updated_at,
            kit.version if kit else None,
            kit.updated_at if kit else None,
            len(locations),
            max((loc.id for loc in locations), default=None),
            sum(loc.version for loc in locations),
            program.updated_at if program else None,
        )
    )


@functools.cache
def _row_and_stamp_query() -> Select:
    """The render row of (:asset_id, :partner_id) with the parts of ``_stamp_of`` as the
    database holds them now: one statement, built once."""
    asset_id, partner_id = bindparam("asset_id"), bindparam("partner_id")

    def one(column, *where):
        return select(column).where(*where).scalar_subquery()

    at_partner = Location.partner_id == partner_id
    query = select(
        AssetRender,
        one(CampaignAsset.updated_at, CampaignAsset.id == asset_id),
        one(
            Customization.updated_at,
            Customization.asset_id == asset_id,
            Customization.partner_id == partner_id,
        ),
        one(Partner.updated_at, Partner.id == partner_id),
        one(BrandKit.version, BrandKit.partner_id == partner_id),
        one(BrandKit.updated_at, BrandKit.partner_id == partner_id),
        one(func.count(Location.id), at_partner),
        one(func.max(Location.id), at_partner),
        one(func.coalesce(func.sum(Location.version), 0), at_partner),
        select(ProgramSettings.updated_at).order_by(ProgramSettings.id).limit(1).scalar_subquery(),
    ).where(AssetRender.asset_id == asset_id, AssetRender.partner_id == partner_id)
    # the row as the database holds it now, even if this session loaded it before
    return query.execution_options(populate_existing=True)


def _row_and_stamp(asset_id: int, partner_id: int) -> tuple[AssetRender | None, str | None]:
    """The render row of (asset, partner) and the inputs stamp as of now, in one query."""
    result = session.execute(
        _row_and_stamp_query(), {"asset_id": asset_id, "partner_id": partner_id}
    ).first()
    if result is None:
        return None, None
    return result[0], _stamp(tuple(result[1:]))


# the value of an image field that means "the partner's logo as it is now", so that a new
# logo shows there too (a stored file's key would keep today's)
LOGO_REF = "brand-kit:logo"


def partner_values(
    asset: CampaignAsset, partner: Partner, values: dict[str, Any] | None, context: dict[str, Any]
) -> dict[str, Any]:
    """PARTNER's values that the asset lets it change (a field locked since is ignored), with
    ``LOGO_REF`` in an image field resolved from CONTEXT (no logo: the vendor's value).

    FieldValueError when an image field holds a stored file that is not the partner's own:
    every way a partner's values reach the renderer comes through here.
    """
    allowed = set(asset.editable_fields or ())
    fields = bundle_of(asset).manifest.fields
    out = {}
    for name, value in (values or {}).items():
        if name not in allowed:
            continue
        if value == LOGO_REF and name in fields and fields[name].type == "image":
            value = context["partner"]["logo"]
        out[name] = value
    pictures.check_own_files(partner, fields, out)
    return out


def _context_digest(context: dict) -> str:
    canonical = json.dumps(context, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


@dataclass
class PreparedRender:
    """Everything a render needs, and its key, computed without rendering."""

    asset: CampaignAsset
    partner: Partner
    bundle: TemplateBundle
    context: dict[str, Any]
    values: dict[str, Any]
    fmt: str
    key: str
    # the stamp of the rows the values came from (see the module's docstring)
    stamp: str
    # an email's: the URL prefix its stored file publishes its images under (part of the key)
    links: str | None = None

    @property
    def extension(self) -> str:
        from brand_templates.rendering import EXTENSIONS

        return EXTENSIONS[self.fmt]

    @property
    def storage_key(self) -> str:
        return f"{STORAGE_PREFIX}/{self.key[:2]}/{self.key}.{self.extension}"

    @property
    def preview_key(self) -> str:
        kind = "html" if self.bundle.manifest.kind == "email" else "png"
        return f"{STORAGE_PREFIX}/{self.key[:2]}/{self.key}.preview.{kind}"

    @property
    def thumbnail_key(self) -> str:
        """A PNG for lists: the preview itself, or for an email a picture of its top."""
        if self.bundle.manifest.kind != "email":
            return self.preview_key
        return f"{STORAGE_PREFIX}/{self.key[:2]}/{self.key}.thumbnail.png"


def prepare(
    asset: CampaignAsset,
    partner: Partner,
    overrides: dict[str, Any] | None = None,
    *,
    fmt: str | None = None,
) -> PreparedRender:
    """Resolve the values and the render key of ASSET for PARTNER.

    OVERRIDES (unsaved values, for a preview) replace the partner's stored customization.
    Raises FieldValueError when the values do not fit the template.
    """
    from brand_templates import render_key
    from brand_templates.rendering import output_format

    bundle = bundle_of(asset)
    manifest = bundle.manifest
    fmt = output_format(manifest, fmt)
    program = ProgramSettings.saved()
    context = render_context(partner, program)
    customization = customization_row(asset, partner)
    stored = dict(customization.values) if customization else {}
    chosen = stored if overrides is None else overrides
    values = resolve_values(
        manifest,
        context,
        asset.presets or {},
        partner_values(asset, partner, chosen, context),
        as_partner=True,
        files=bundle.files.keys(),
    )
    kit = partner.brand_kit
    # the brand kit's version, plus the whole context: a profile or vendor change that the
    # kit does not record (a new address, the vendor's logo) must make a new render too
    brand = f"{kit.version if kit else 0}.{_context_digest(context)}"
    links = email_images.url_prefix() if manifest.kind == "email" else None
    key = render_key(asset.template_version_id, values, brand, fmt, links=links)
    stamp = _stamp_of(asset, customization, partner, program)
    return PreparedRender(asset, partner, bundle, context, values, fmt, key, stamp, links)


def render_prepared(prepared: PreparedRender, *, for_preview: bool = False):
    """Render PREPARED with the renderers (reading logos and uploads from storage).

    An email's images are published (``campaigns.email_images``): this is the file partners
    download (and journeys will send). FOR_PREVIEW inlines them instead, publishing nothing.
    """
    from brand_templates import render

    publish = None
    if prepared.links is not None and not for_preview:
        publish = email_images.publisher(prepared.links)
    return render(
        prepared.bundle,
        {**prepared.context, "fields": prepared.values},
        get_storage().get,
        fmt=prepared.fmt,
        publish_image=publish,
    )


def render_for_partner(
    asset: CampaignAsset,
    partner: Partner,
    overrides: dict[str, Any] | None = None,
    *,
    fmt: str | None = None,
):
    """(RenderedAsset, render key) of ASSET for PARTNER, rendered now and not stored."""
    prepared = prepare(asset, partner, overrides, fmt=fmt)
    return render_prepared(prepared), prepared.key


def store_render(prepared: PreparedRender) -> dict[str, Any]:
    """The stored file of PREPARED's key, rendering and storing it first if there is none.

    Returns the AssetRender columns that point at it. The preview is stored before the
    file, so a stored file always has its preview (an email's with its images inline).
    """
    from brand_templates import preview

    storage = get_storage()
    if not storage.exists(prepared.storage_key):
        rendered = render_prepared(prepared)
        is_email = rendered.email is not None
        shown = render_prepared(prepared, for_preview=True) if is_email else rendered
        thumbnail = preview(shown)
        if isinstance(thumbnail, str):
            storage.put(
                prepared.preview_key, thumbnail.encode("utf-8"), PREVIEW_CONTENT_TYPES["html"]
            )
        else:
            storage.put(prepared.preview_key, thumbnail, PREVIEW_CONTENT_TYPES["png"])
        storage.put(prepared.storage_key, rendered.data, rendered.content_type)
    from brand_templates.rendering import CONTENT_TYPES

    return {
        "render_key": prepared.key,
        "inputs_stamp": prepared.stamp,
        "storage_key": prepared.storage_key,
        "preview_key": prepared.preview_key,
        "content_type": CONTENT_TYPES[prepared.fmt],
        "extension": prepared.extension,
    }


def failure_message(exc: BaseException) -> str:
    if isinstance(exc, FieldValueError):
        return f"Field values do not fit the template: {exc}"
    if isinstance(exc, expected_errors()):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


# --- the worker's job -------------------------------------------------------------------


def _claim(render_id: int) -> int | None:
    """Mark the row running if it is pending or abandoned; the attempt number, or None."""
    return claims.claim(RENDERS, render_id, values={AssetRender.error: ""})


def _finish(render_id: int, attempt: int, **values: Any) -> bool:
    """Record the outcome if our claim still holds (nobody reset or took over the row)."""
    result = session.execute(
        update(AssetRender)
        .where(
            AssetRender.id == render_id,
            AssetRender.status == RenderStatus.RUNNING.value,
            AssetRender.attempts == attempt,
        )
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def render_one(render_id: int) -> str:
    """Render one AssetRender row (the worker's job); returns the row's resulting status.

    Idempotent: a row that is done, failed or being rendered by a live worker is left
    alone. Failures are recorded on the row with their reason and never raised: the task
    has nothing to retry that ``retry_failed`` would not do better.
    """
    attempt = _claim(render_id)
    if attempt is None:
        status = session.execute(
            select(AssetRender.status).where(AssetRender.id == render_id)
        ).scalar_one_or_none()
        return status or "missing"
    row = session.get(AssetRender, render_id, populate_existing=True)
    if row is None:  # deleted with its campaign meanwhile
        return "missing"
    try:
        prepared = prepare(row.asset, row.partner)
        session.commit()  # no transaction stays open during the render
        stored = store_render(prepared)
    except Exception as exc:  # noqa: BLE001 - recorded on the row, see the docstring
        session.rollback()
        if not isinstance(exc, expected_errors()):
            log.exception("render %s failed unexpectedly", render_id)
        _finish(render_id, attempt, status=RenderStatus.FAILED.value, error=failure_message(exc))
        return RenderStatus.FAILED.value
    _finish(render_id, attempt, status=RenderStatus.DONE.value, error="", **stored)
    return RenderStatus.DONE.value


# --- the portal's view ------------------------------------------------------------------


def _render_row(asset: CampaignAsset, partner: Partner) -> AssetRender:
    query = select(AssetRender).where(
        AssetRender.asset_id == asset.id, AssetRender.partner_id == partner.id
    )
    row = session.execute(query).scalar_one_or_none()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = AssetRender(
                campaign_id=asset.campaign_id,
                asset_id=asset.id,
                partner_id=partner.id,
                status=RenderStatus.PENDING.value,
            )
            session.add(row)
    except IntegrityError:  # made by a concurrent request or a launch meanwhile
        row = session.execute(query).scalar_one()
    return row


def current_render(asset: CampaignAsset, partner: Partner) -> AssetRender:
    """The partner's render of ASSET as of now, made (synchronously) only if it is out of date.

    A render is current when its key matches the partner's brand kit and customization as
    they are now: a new logo shows at the next view, and what did not change is not made
    again. Returns the row, committed: ``status`` is "done" (``storage_key`` names the file)
    or "failed" (``error`` says why).
    """
    row, stamp = _row_and_stamp(asset.id, partner.id)
    done = row is not None and row.status == RenderStatus.DONE.value
    if done and row.inputs_stamp == stamp and get_storage().exists(row.storage_key):
        return row  # nothing it was made from has changed
    row = row or _render_row(asset, partner)
    try:
        prepared = prepare(asset, partner)
        if (
            row.status == RenderStatus.DONE.value
            and row.render_key == prepared.key
            and get_storage().exists(row.storage_key)
        ):
            if row.inputs_stamp != prepared.stamp:  # an input changed, but not the bytes
                row.inputs_stamp = prepared.stamp
                session.commit()
            return row
        stored = store_render(prepared)
    except Exception as exc:  # noqa: BLE001 - recorded on the row, like render_one
        if not isinstance(exc, expected_errors()):
            log.exception("render of asset %s for partner %s failed", asset.id, partner.id)
        session.rollback()
        row = _render_row(asset, partner)
        row.status = RenderStatus.FAILED.value
        row.error = failure_message(exc)
        row.attempts += 1
        session.commit()
        return row
    for name, value in stored.items():
        setattr(row, name, value)
    row.status = RenderStatus.DONE.value
    row.error = ""
    row.attempts += 1
    session.commit()
    return row


def preview_for_partner(
    asset: CampaignAsset, partner: Partner, overrides: dict[str, Any] | None = None
) -> tuple[bytes, str]:
    """(preview bytes, content type) of ASSET for PARTNER with OVERRIDES (unsaved values).

    A PNG for PDFs and images, HTML for emails. Raises FieldValueError for values that do
    not fit, and the renderers' RenderError.
    """
    from brand_templates import preview

    prepared = prepare(asset, partner, overrides)
    kind = prepared.preview_key.rsplit(".", 1)[-1]
    storage = get_storage()
    if storage.exists(prepared.preview_key):
        return storage.get(prepared.preview_key), PREVIEW_CONTENT_TYPES[kind]
    thumbnail = preview(render_prepared(prepared, for_preview=True))
    data = thumbnail.encode("utf-8") if isinstance(thumbnail, str) else thumbnail
    return data, PREVIEW_CONTENT_TYPES[kind]


def thumbnail_for_partner(asset: CampaignAsset, partner: Partner) -> bytes:
    """A PNG of ASSET for PARTNER as it is now, for lists of assets: the preview of a PDF or
    an image, the top of an email. Made once per render key and kept in storage.

    Raises FieldValueError for values that no longer fit, and the renderers' RenderError.
    """
    from brand_templates.rendering import thumbnail

    prepared = prepare(asset, partner)
    storage = get_storage()
    if storage.exists(prepared.thumbnail_key):
        return storage.get(prepared.thumbnail_key)
    data = thumbnail(render_prepared(prepared))
    storage.put(prepared.thumbnail_key, data, PREVIEW_CONTENT_TYPES["png"])
    return data


def _name_part(text: str, fallback: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50].strip("-") or fallback


def download_name(asset: CampaignAsset, partner: Partner, extension: str) -> str:
    """A file name for downloads: ``<campaign>-<asset>-<partner slug>.<ext>``."""
    campaign = _name_part(asset.campaign.name, "campaign")
    return f"{campaign}-{_name_part(asset.title, 'asset')}-{partner.slug}.{extension}"


def stored_file(row: AssetRender) -> tuple[bytes, str, str]:
    """(data, content type, download file name) of a done render."""
    if row.status != RenderStatus.DONE.value or not row.storage_key:
        raise RenderProblem(f"render {row.id} is {row.status}, not done")
    data = get_storage().get(row.storage_key)
    return (
        data,
        row.content_type or "application/octet-stream",
        download_name(row.asset, row.partner, row.extension or "bin"),
    )
